import { describe, expect, test } from "bun:test";
import { OccurrenceChains } from "../../src/search/occurrence-chains.ts";
import { PostingsBuffer } from "../../src/search/postings-buffer.ts";

/** A seeded generator, so a failure repeats. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
}

interface Model {
  docs: number[];
  freqs: number[];
  positions: number[];
}

/** Adds random occurrences (documents ascending, positions ascending within one) to chains and to a plain model. */
function fill(chains: OccurrenceChains, seed: number, docs: number, keysMax: number): Model[] {
  const next = random(seed);
  const model: Model[] = [];
  for (let doc = 0; doc < docs; doc++) {
    const tokens = Math.floor(next() * 12);
    for (let position = 0; position < tokens; position++) {
      // Skewed: a few keys are most occurrences, as words are.
      const key = Math.min(model.length, Math.floor(keysMax * next() ** 3));
      if (key === model.length) model.push({ docs: [], freqs: [], positions: [] });
      const entry = model[key];
      const isNew = entry.docs.at(-1) !== doc;
      if (isNew) {
        entry.docs.push(doc);
        entry.freqs.push(1);
      } else entry.freqs[entry.freqs.length - 1]++;
      entry.positions.push(position);
      expect(chains.add(key, doc, position)).toBe(isNew);
    }
  }
  return model;
}

describe("OccurrenceChains", () => {
  test("every key's postings, positions and document frequency equal a plain model's, through growth", () => {
    const chains = new OccurrenceChains(true);
    const model = fill(chains, 7, 3000, 900);
    expect(chains.keyCount).toBe(model.length);
    expect(model.length).toBeGreaterThan(256);
    model.forEach((entry, key) => {
      expect(chains.docFreq(key)).toBe(entry.docs.length);
      expect([...chains.docs(key)]).toEqual(entry.docs);
      const postings = chains.postings(key);
      expect([Array.from(postings.docs), Array.from(postings.freqs)]).toEqual([entry.docs, entry.freqs]);
      const positioned = chains.positioned(key);
      expect([Array.from(positioned.docs), Array.from(positioned.freqs), Array.from(positioned.positions)]).toEqual([entry.docs, entry.freqs, entry.positions]);
    });
  });

  test("addTo appends after what a buffer holds, with or without positions", () => {
    const chains = new OccurrenceChains(true);
    const model = fill(chains, 11, 2000, 50);
    const buffer = new PostingsBuffer();
    buffer.add([0, 1], [3, 1], 0);
    buffer.addPositions([0, 1, 2, 5]);
    chains.addTo(buffer, 0, true);
    expect([...buffer.docs.subarray(0, buffer.count)]).toEqual([0, 1, ...model[0].docs]);
    expect([...buffer.freqs.subarray(0, buffer.count)]).toEqual([3, 1, ...model[0].freqs]);
    expect([...buffer.positions.subarray(0, buffer.positionCount)]).toEqual([0, 1, 2, 5, ...model[0].positions]);
    buffer.clear();
    chains.addTo(buffer, 3, false);
    expect([...buffer.docs.subarray(0, buffer.count)]).toEqual(model[3].docs);
    expect(buffer.positionCount).toBe(0);
  });

  test("without positions (keywords) it keeps documents only", () => {
    const chains = new OccurrenceChains(false);
    expect(chains.add(0, 4, 0)).toBe(true);
    expect(chains.add(1, 4, 0)).toBe(true);
    expect(chains.add(0, 9, 0)).toBe(true);
    expect(chains.add(0, 9, 0)).toBe(false);
    expect([...chains.docs(0)]).toEqual([4, 9]);
    expect([...chains.docs(1)]).toEqual([4]);
    expect(chains.docFreq(0)).toBe(2);
  });
});
