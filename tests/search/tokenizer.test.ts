import { describe, expect, test } from "bun:test";
import { fieldTokensMax, terms, tokenCharsMax, tokenize } from "../../src/search/tokenizer.ts";

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
