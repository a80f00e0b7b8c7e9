// Queries evaluated on one segment: a phrase found from the index's positions (live and sealed)
// selects exactly the documents whose tokens hold it, as a scan of the tokens says.

import { afterAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { flattenJsonText } from "../../src/search/document.ts";
import { evaluate } from "../../src/search/evaluate.ts";
import { chunkFileName } from "../../src/search/index-manifest.ts";
import { LiveSegment } from "../../src/search/live-segment.ts";
import type { Matches } from "../../src/search/matches.ts";
import { GlobalStats, scoredTerms } from "../../src/search/scoring.ts";
import type { SearchSegment } from "../../src/search/search-segment.ts";
import { openSealedSegment } from "../../src/search/sealed-segment.ts";
import { writeSealedSegment } from "../../src/search/sealed-segment-writer.ts";
import { terms } from "../../src/search/tokenizer.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chronik-evaluate-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const words = ["red", "green", "blue", "cyan"];

function random(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

function sentence(next: () => number, length: number): string {
  return Array.from({ length }, () => words[Math.floor(next() * words.length)]).join(" ");
}

/** Whether `tokens` hold `phrase` in order, each word within `slop` extra tokens of the one before (the first occurrence after it counts). */
function holdsPhrase(tokens: string[], phrase: string[], slop: number): boolean {
  return tokens.some((token, start) => {
    if (token !== phrase[0]) return false;
    let previous = start;
    for (const word of phrase.slice(1)) {
      const window = tokens.slice(previous + 1, previous + 2 + slop);
      const found = window.indexOf(word);
      if (found < 0) return false;
      previous += 1 + found;
    }
    return true;
  });
}

/** A live segment of `values`, and the same sealed into a file. */
async function segments(name: string, values: string[]): Promise<SearchSegment[]> {
  const live = new LiveSegment("t", 0, 0, 0);
  values.forEach((value, offset) => {
    live.add({ offset, timestamp: 1_700_000_000_000, key: null, headers: {}, value, valueIsBinary: false, fields: flattenJsonText(value) });
  });
  const folder = path.join(dir, name);
  fs.mkdirSync(folder);
  const file = chunkFileName({ baseOffset: 0, endOffset: values.length });
  await writeSealedSegment(path.join(folder, file), [live]);
  return [live, openSealedSegment(folder, file)!];
}

function docsOf(matches: Matches): number[] {
  return Array.from(matches.docs.subarray(0, matches.size));
}

function phraseDocs(segment: SearchSegment, field: string, phrase: string, slop: number): number[] {
  const query = { kind: "phrase" as const, field, text: phrase, slop };
  const stats = new GlobalStats();
  stats.add(segment, scoredTerms(query));
  return docsOf(evaluate(query, segment, { stats, nowMs: 0 }));
}

describe("a phrase from positions", () => {
  test("selects the documents whose field's tokens hold it, with and without slop, live and sealed", async () => {
    const next = random(11);
    const docs = Array.from({ length: 400 }, () => ({ message: sentence(next, 1 + Math.floor(next() * 9)), tags: [sentence(next, 2), sentence(next, 1)] }));
    const fieldTokens = {
      message: docs.map((doc) => terms(doc.message)),
      tags: docs.map((doc) => doc.tags.flatMap((tag) => terms(tag))),
    };
    const indexed = await segments("json", docs.map((doc) => JSON.stringify(doc)));
    for (let round = 0; round < 150; round++) {
      const phrase = sentence(next, 1 + Math.floor(next() * 3));
      const slop = Math.floor(next() * 3);
      for (const field of ["message", "tags"] as const) {
        const expected = fieldTokens[field].flatMap((tokens, doc) => (holdsPhrase(tokens, terms(phrase), slop) ? [doc] : []));
        for (const segment of indexed) expect([field, phrase, slop, phraseDocs(segment, field, phrase, slop)]).toEqual([field, phrase, slop, expected]);
      }
    }
  });

  test("in the value of records that are plain text", async () => {
    const next = random(5);
    const values = Array.from({ length: 300 }, () => sentence(next, 1 + Math.floor(next() * 12)));
    const indexed = await segments("text", values);
    for (let round = 0; round < 100; round++) {
      const phrase = sentence(next, 2 + Math.floor(next() * 2));
      const slop = Math.floor(next() * 2);
      const expected = values.flatMap((value, doc) => (holdsPhrase(terms(value), terms(phrase), slop) ? [doc] : []));
      for (const segment of indexed) expect([phrase, slop, phraseDocs(segment, "_value", phrase, slop)]).toEqual([phrase, slop, expected]);
    }
  });
});
