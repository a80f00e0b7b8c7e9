import { describe, expect, test } from "bun:test";
import { asciiTermSpans, fieldTokensMax, terms, tokenCharsMax, tokenize } from "../../src/search/tokenizer.ts";

describe("terms", () => {
  test("gives exactly tokenize's terms, on ASCII and other text", () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pieces = ["Disk", "FULL", "on", "/var/log", "_id", "é", "Ünïcode", "日本語", "😀", "-", " ", "\n", "x".repeat(tokenCharsMax + 5), "a1B2", "...", "42"];
    for (let i = 0; i < 2000; i++) {
      const text = Array.from({ length: Math.floor(next() * 12) }, () => pieces[Math.floor(next() * pieces.length)]).join(next() < 0.5 ? " " : "");
      expect(terms(text)).toEqual(tokenize(text).map((token) => token.term));
    }
  });

  test("stops at fieldTokensMax tokens", () => {
    const text = "word ".repeat(fieldTokensMax + 10);
    expect(terms(text).length).toBe(fieldTokensMax);
    expect(terms(text)).toEqual(tokenize(text).map((token) => token.term));
  });
});

describe("asciiTermSpans", () => {
  test("spans exactly terms() of ASCII text, at most `room` of them; -1 for other text", () => {
    let seed = 11;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pieces = ["Disk", "FULL", "on", "/var/log", "_id", "-", " ", "\n", "x".repeat(tokenCharsMax + 5), "a1B2", "...", "42"];
    const spans = new Int32Array(2 * fieldTokensMax);
    for (let i = 0; i < 2000; i++) {
      const text = Array.from({ length: Math.floor(next() * 12) }, () => pieces[Math.floor(next() * pieces.length)]).join(next() < 0.5 ? " " : "");
      const room = 1 + Math.floor(next() * 8);
      const count = asciiTermSpans(text, room, spans);
      const lower = text.toLowerCase();
      const found = Array.from({ length: count }, (_, t) => lower.slice(spans[2 * t], spans[2 * t + 1]));
      expect(found).toEqual(terms(text).slice(0, room));
    }
    expect(asciiTermSpans("café au lait", 10, spans)).toBe(-1);
  });
});
