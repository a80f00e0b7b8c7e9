import { describe, expect, test } from "bun:test";
import { ByteWriter } from "../../src/search/byte-codec.ts";
import { PostingsBuffer } from "../../src/search/postings-buffer.ts";
import { encodePositions, encodePostings } from "../../src/search/postings-codec.ts";

/** `count` postings: every third document, frequency 1 + doc % 3, positions 0, 2, 4, … */
function sample(count: number): { docs: number[]; freqs: number[]; positions: number[] } {
  const docs = Array.from({ length: count }, (_, i) => i * 3);
  const freqs = docs.map((doc) => 1 + (doc % 3));
  const positions = freqs.flatMap((freq) => Array.from({ length: freq }, (_, i) => i * 2));
  return { docs, freqs, positions };
}

function encoded(count: number, withFreqs: boolean, withPositions: boolean): Uint8Array {
  const { docs, freqs, positions } = sample(count);
  const writer = new ByteWriter(16);
  writer.byte(0xee);
  encodePostings(writer, docs, withFreqs ? freqs : null, count);
  if (withPositions) encodePositions(writer, freqs, positions, count);
  return writer.view();
}

describe("PostingsBuffer", () => {
  test("appends encoded postings after what it holds, documents shifted, across its growth", () => {
    const buffer = new PostingsBuffer();
    buffer.add([0, 1], [5, 1], 0);
    buffer.addPositions([0, 1, 2, 3, 4, 9]);
    // 3000 postings (packed blocks and a varint tail) outgrow the 1024 the buffer starts with.
    buffer.addEncoded(encoded(3000, true, true), 1, 3000, 10, true, true, true);
    const { docs, freqs, positions } = sample(3000);
    expect(buffer.count).toBe(3002);
    expect([...buffer.docs.subarray(0, buffer.count)]).toEqual([0, 1, ...docs.map((doc) => doc + 10)]);
    expect([...buffer.freqs.subarray(0, buffer.count)]).toEqual([5, 1, ...freqs]);
    expect([...buffer.positions.subarray(0, buffer.positionCount)]).toEqual([0, 1, 2, 3, 4, 9, ...positions]);
  });

  test("documents-only postings count once each; missing positions are 0 for every occurrence", () => {
    const buffer = new PostingsBuffer();
    buffer.addEncoded(encoded(200, false, false), 1, 200, 7, false, false, true);
    expect([...buffer.docs.subarray(0, buffer.count)]).toEqual(sample(200).docs.map((doc) => doc + 7));
    expect(buffer.freqs.subarray(0, buffer.count).every((freq) => freq === 1)).toBe(true);
    expect(buffer.positionCount).toBe(200);
    expect(buffer.positions.subarray(0, 200).every((position) => position === 0)).toBe(true);
    const withFreqs = new PostingsBuffer();
    withFreqs.addEncoded(encoded(5, true, false), 1, 5, 0, true, false, true);
    expect(withFreqs.positionCount).toBe(sample(5).freqs.reduce((sum, freq) => sum + freq, 0));
  });

  test("clear empties it for the next term; reserve makes room in place, keeping what it holds", () => {
    const buffer = new PostingsBuffer();
    buffer.addEncoded(encoded(50, true, true), 1, 50, 0, true, true, true);
    buffer.clear();
    expect([buffer.count, buffer.positionCount]).toEqual([0, 0]);
    buffer.add([4, 9], [2, 1], 0);
    buffer.reserve(5000, 7000);
    expect([buffer.docs.length >= 5000, buffer.freqs.length >= 5000, buffer.positions.length >= 7000]).toEqual([true, true, true]);
    buffer.add([1, 3], null, 20);
    expect([...buffer.docs.subarray(0, buffer.count)]).toEqual([4, 9, 21, 23]);
    expect([...buffer.freqs.subarray(0, buffer.count)]).toEqual([2, 1, 1, 1]);
  });
});
