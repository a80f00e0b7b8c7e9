import { expect, test } from "bun:test";
import { mergePostings } from "../../src/search/value-text.ts";

test("mergePostings: the ascending union of the lists, counts summed where a document is in several", () => {
  let state = 9;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let round = 0; round < 100; round++) {
    const lists = Array.from({ length: 1 + Math.floor(next() * 4) }, () => {
      const docs: number[] = [];
      const freqs: number[] = [];
      for (let doc = 0; doc < 60; doc++) {
        if (next() < 0.3) {
          docs.push(doc);
          freqs.push(1 + Math.floor(next() * 3));
        }
      }
      return { docs, freqs };
    });
    const expected = new Map<number, number>();
    for (const { docs, freqs } of lists) docs.forEach((doc, i) => expected.set(doc, (expected.get(doc) ?? 0) + freqs[i]));
    const sorted = [...expected].sort(([a], [b]) => a - b);
    const merged = mergePostings(lists);
    expect([Array.from(merged.docs), Array.from(merged.freqs)]).toEqual([sorted.map(([doc]) => doc), sorted.map(([, freq]) => freq)]);
  }
});
