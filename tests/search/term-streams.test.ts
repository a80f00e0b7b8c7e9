import { afterAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { flattenJsonText } from "../../src/search/document.ts";
import { chunkFileName } from "../../src/search/index-manifest.ts";
import { LiveSegment } from "../../src/search/live-segment.ts";
import { PostingsBuffer } from "../../src/search/postings-buffer.ts";
import { SealedKeywordField, SealedTextField } from "../../src/search/sealed-fields.ts";
import { openSealedSegment } from "../../src/search/sealed-segment.ts";
import { writeSealedSegment } from "../../src/search/sealed-segment-writer.ts";
import { StringTermStream, TermMerge, type TermStream } from "../../src/search/term-streams.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chronik-term-streams-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const decoder = new TextDecoder();

/** A stream of `terms` whose postings are one document each: the term's position in the list. */
function stream(terms: string[]): TermStream {
  return new StringTermStream(terms, (term) => ({ docs: [terms.indexOf(term)], freqs: null }));
}

/** Every (term, holders) a merge yields. */
function merged(streams: (TermStream | null)[]): [string, number[]][] {
  const merge = new TermMerge(streams, "the terms of test");
  const out: [string, number[]][] = [];
  while (merge.next()) out.push([decoder.decode(merge.term.view()), [...merge.holders]]);
  return out;
}

describe("TermMerge", () => {
  test("yields the union in UTF-8 byte order with the inputs holding each term", () => {
    // In UTF-8 "z" < "é" < "\uFFFD" < "😀"; in UTF-16 "😀" (a surrogate pair) sorts before "\uFFFD".
    const result = merged([stream(["a", "z", "😀"]), null, stream(["a", "é", "\uFFFD"]), stream([])]);
    expect(result).toEqual([
      ["a", [0, 2]],
      ["z", [0]],
      ["é", [2]],
      ["\uFFFD", [2]],
      ["😀", [0]],
    ]);
    expect(merged([])).toEqual([]);
  });

  test("an input out of order stops the merge, naming the input and the terms", () => {
    expect(() => merged([stream(["a", "c"]), stream(["b", "a"])])).toThrow('Cannot merge the terms of test: input 1 lists "a" after "b"');
    expect(() => merged([stream(["a", "a"])])).toThrow('input 0 lists "a" after "a"');
  });
});

describe("DictionaryTermStream", () => {
  test("walks a sealed field's dictionary in order and appends each term's postings, shifted", async () => {
    const live = new LiveSegment("logs", 0, 0, 0);
    live.addBatch(0, 0);
    const lines = Array.from({ length: 300 }, (_, i) => JSON.stringify({ level: ["info", "warn", "error"][i % 3], message: `request ${i % 7} took ${i % 11} ms for café` }));
    lines.forEach((line, offset) => live.add({ offset, timestamp: 1_700_000_000_000 + offset, key: null, headers: {}, value: line, valueIsBinary: false, fields: flattenJsonText(line) }));
    const file = chunkFileName({ baseOffset: 0, endOffset: 300 });
    await writeSealedSegment(path.join(dir, file), [live]);
    const sealed = openSealedSegment(dir, file)!;

    const text = sealed.text("message") as SealedTextField;
    const textStream = text.termStream();
    const buffer = new PostingsBuffer();
    const seen: string[] = [];
    while (textStream.next()) {
      const term = decoder.decode(textStream.term.subarray(0, textStream.termLength));
      seen.push(term);
      buffer.clear();
      const count = textStream.addTo(buffer, 1000, true);
      const expected = text.positioned(term)!;
      expect(count).toBe(expected.docs.length);
      expect([...buffer.docs.subarray(0, count)]).toEqual(Array.from(expected.docs).map((doc) => doc + 1000));
      expect([...buffer.freqs.subarray(0, count)]).toEqual(Array.from(expected.freqs));
      expect([...buffer.positions.subarray(0, buffer.positionCount)]).toEqual(Array.from(expected.positions));
    }
    expect(seen).toEqual([...text.terms("")]);
    expect(seen).toContain("cafe");

    const keywords = sealed.keywords("level") as SealedKeywordField;
    const keywordStream = keywords.termStream();
    const values: string[] = [];
    for (let ordinal = 0; keywordStream.next(); ordinal++) {
      values.push(decoder.decode(keywordStream.term.subarray(0, keywordStream.termLength)));
      buffer.clear();
      keywordStream.addTo(buffer, 0, false);
      expect([...buffer.docs.subarray(0, buffer.count)]).toEqual(Array.from(keywords.docs(ordinal)));
    }
    expect(values).toEqual(["error", "info", "warn"]);
  });
});
