import { afterEach, describe, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SortedDictionary, termsPerBlock } from "../../src/search/dictionary-codec.ts";
import { DictionaryWriter } from "../../src/search/dictionary-writer.ts";
import { FileSink } from "../../src/search/file-sink.ts";
import { PostingsBuffer } from "../../src/search/postings-buffer.ts";
import { decodeDocs } from "../../src/search/postings-codec.ts";
import { float64View } from "../../src/search/sealed-format.ts";
import { sortUtf8 } from "../../src/search/search-segment.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** Writes `terms` (sorted) with postings [i, i + 1] each, by add or addBytes as `byBytes` says; returns the file and its metadata. */
function writeDictionary(terms: string[], byBytes: (i: number) => boolean) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chronik-dictionary-"));
  dirs.push(dir);
  const fds = ["file", "entries", "blocks"].map((name) => fs.openSync(path.join(dir, name), "w+"));
  const [sink, entries, blocks] = fds.map((fd) => new FileSink(fd, 4096));
  const writer = new DictionaryWriter(sink, entries, blocks, "the test terms");
  const postings = new PostingsBuffer();
  // One caller buffer reused for every addBytes term, as merges reuse theirs.
  const reused = new Uint8Array(4096);
  terms.forEach((term, i) => {
    postings.clear();
    postings.add([i, i + 1], null, 0);
    if (!byBytes(i)) writer.add(term, postings, false);
    else {
      const { written } = new TextEncoder().encodeInto(term, reused);
      writer.addBytes(reused, written, postings, false);
    }
  });
  const meta = writer.finish();
  sink.flush();
  for (const fd of fds) fs.closeSync(fd);
  return { bytes: new Uint8Array(fs.readFileSync(path.join(dir, "file"))), meta, writer };
}

describe("DictionaryWriter", () => {
  const terms = sortUtf8([
    ...Array.from({ length: 150 }, (_, i) => `term${i}`),
    ...Array.from({ length: 20 }, (_, i) => `a long log message number ${i} that is longer than a term suffix copied byte by byte ${"x".repeat(i * 50)}`),
    "é", "éa", "日本", "日本語", "😀", "😀x", "",
  ]);

  test.each([
    ["add", () => false],
    ["addBytes", () => true],
    ["both, by turns", (i: number) => i % 3 === 1],
  ])("terms written by %s are found again with their postings, across blocks", (_, byBytes) => {
    const { bytes, meta } = writeDictionary(terms, byBytes);
    expect(meta.count).toBe(terms.length);
    const blocks = float64View(bytes, meta.blocksAt, 2 * Math.ceil(meta.count / termsPerBlock));
    const dictionary = new SortedDictionary(bytes, meta.count, blocks, meta.dictAt, meta.postingsAt);
    const encoder = new TextEncoder();
    terms.forEach((term, i) => {
      expect(dictionary.find(encoder.encode(term))).toBe(i);
      expect(dictionary.entry(i).termString()).toBe(term);
      expect(dictionary.foundDocFreq).toBe(2);
      expect([...decodeDocs(bytes, dictionary.foundPointer, 2)]).toEqual([i, i + 1]);
    });
    expect(dictionary.find(encoder.encode("term0x"))).toBe(-1);
  });

  test("a term out of order is refused, naming both terms, whichever way they came", () => {
    expect(() => writeDictionary(["b", "a"], () => false)).toThrow('Cannot write the test terms: input lists "a" after "b"');
    expect(() => writeDictionary(["b", "b"], (i) => i === 1)).toThrow('input lists "b" after "b"');
    expect(() => writeDictionary(["ab", "aa"], (i) => i === 0)).toThrow('input lists "aa" after "ab"');
  });
});
