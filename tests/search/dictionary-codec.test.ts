import { describe, expect, test } from "bun:test";
import { ByteWriter, compareBytes } from "../../src/search/byte-codec.ts";
import { TermCursor, writeTermEntry } from "../../src/search/dictionary-codec.ts";

describe("term entries", () => {
  test("front-coded entries walk back to the same terms, docFreqs and pointers", () => {
    const encoder = new TextEncoder();
    const terms = ["", "a", "ab", "abc", "abd", "b", "é", "éa", "日本", "日本語", "😀", "😀x"].map((term) => encoder.encode(term));
    const writer = new ByteWriter(8);
    let previous = new Uint8Array(0);
    terms.forEach((term, i) => {
      writeTermEntry(writer, previous, previous.length, term, term.length, i + 1, i * 10);
      previous = term;
    });
    const cursor = new TermCursor(writer.bytes, 0);
    const decoded: string[] = [];
    for (let i = 0; i < terms.length; i++) {
      cursor.next();
      decoded.push(cursor.termString());
      expect(cursor.docFreq).toBe(i + 1);
      expect(cursor.pointerDelta).toBe(i * 10);
      expect(compareBytes(cursor.term, 0, cursor.termLength, terms[i], 0, terms[i].length)).toBe(0);
    }
    expect(decoded).toEqual(terms.map((term) => new TextDecoder().decode(term)));
    expect(cursor.at).toBe(writer.length);
  });
});
