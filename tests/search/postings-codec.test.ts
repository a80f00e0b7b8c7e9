import { describe, expect, test } from "bun:test";
import { ByteWriter } from "../../src/search/byte-codec.ts";
import { decodeDocs, decodePostings, decodePostingsFrom, encodePostings, postingsBlockDocs, postingsBlockOf } from "../../src/search/postings-codec.ts";
import { seededRandom } from "../../scripts/bench/log-corpus.ts";

function randomPostings(random: () => number, count: number): { docs: number[]; freqs: number[] } {
  const docs: number[] = [];
  const freqs: number[] = [];
  let doc = -1;
  for (let i = 0; i < count; i++) {
    doc += 1 + Math.floor(random() ** 3 * 5000);
    docs.push(doc);
    freqs.push(random() < 0.7 ? 1 : 1 + Math.floor(random() * 300));
  }
  return { docs, freqs };
}

describe("postings", () => {
  test("documents and frequencies round-trip, short and long (with skip data)", () => {
    const random = seededRandom(7);
    for (const count of [1, 2, 127, 128, 129, 256, 257, 1000, 5000]) {
      const { docs, freqs } = randomPostings(random, count);
      const writer = new ByteWriter(16);
      writer.byte(0xaa);
      encodePostings(writer, docs, freqs, count);
      const decoded = decodePostings(writer.bytes, 1, count);
      expect([...decoded.docs]).toEqual(docs);
      expect([...decoded.freqs]).toEqual(freqs);
    }
  });

  test("documents only round-trip", () => {
    const random = seededRandom(8);
    for (const count of [1, 300]) {
      const { docs } = randomPostings(random, count);
      const writer = new ByteWriter(16);
      encodePostings(writer, docs, null, count);
      expect([...decodeDocs(writer.bytes, 0, count)]).toEqual(docs);
    }
  });

  test("full blocks are bit-packed at the width of their largest value", () => {
    const writer = new ByteWriter(16);
    const docs = Array.from({ length: 256 }, (_, i) => i);
    encodePostings(writer, docs, docs.map(() => 1), 256);
    // Skip table (length, then 128 and 17 as varints: 1 + 2 + 1 bytes), then two blocks of one width byte and 128 one-bit values (16 bytes).
    expect(writer.length).toBe(4 + 2 * (1 + 16));
    const wide = docs.map((doc) => doc * 2 ** 20);
    writer.reset();
    encodePostings(writer, wide, null, 256);
    expect([...decodeDocs(writer.bytes, 0, 256)]).toEqual(wide);
    const widest = docs.map((doc) => doc * 2 ** 24 + (doc % 2));
    writer.reset();
    encodePostings(writer, widest, widest.map((_, i) => 1 + (i % 3)), 256);
    expect([...decodePostings(writer.bytes, 0, 256).docs]).toEqual(widest);
  });

  test("a frequency of one costs no extra byte", () => {
    const writer = new ByteWriter(16);
    encodePostings(writer, [0, 1, 2, 3], [1, 1, 1, 1], 4);
    expect(writer.length).toBe(4);
  });

  test("skip data finds the block that can hold a document", () => {
    const random = seededRandom(9);
    const count = 1000;
    const { docs, freqs } = randomPostings(random, count);
    const writer = new ByteWriter(16);
    encodePostings(writer, docs, freqs, count);
    for (const target of [0, docs[0], docs[127], docs[128] - 1, docs[128], docs[500], docs[999], docs[999] + 1]) {
      const block = postingsBlockOf(writer.bytes, 0, count, target);
      expect(block.index % postingsBlockDocs).toBe(0);
      const expectedBlock = Math.floor(Math.max(0, docs.findIndex((doc) => doc >= target)) / postingsBlockDocs);
      const expected = target > docs[count - 1] ? Math.floor((count - 1) / postingsBlockDocs) : expectedBlock;
      expect(block.index).toBe(expected * postingsBlockDocs);
      expect(block.previousDoc).toBe(block.index === 0 ? -1 : docs[block.index - 1]);
      // Decoding from the block continues the list exactly.
      const rest = decodePostingsFrom(writer.bytes, count, block);
      expect([...rest.docs]).toEqual(docs.slice(block.index));
      expect([...rest.freqs]).toEqual(freqs.slice(block.index));
    }
  });
});
