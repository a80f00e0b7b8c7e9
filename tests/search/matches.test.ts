import { describe, expect, test } from "bun:test";
import { AscendingBuilder, Cursor, DocCollector, intersect, keepFirst, larger, Matches, subtract, union } from "../../src/search/matches.ts";

/** A deterministic generator, so a failure repeats. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

function randomMatches(next: () => number, docCount: number, density: number): Map<number, number> {
  const map = new Map<number, number>();
  for (let doc = 0; doc < docCount; doc++) if (next() < density) map.set(doc, Math.round(next() * 100) / 10);
  return map;
}

function fromMap(map: Map<number, number>): Matches {
  const built = new AscendingBuilder();
  for (const [doc, score] of map) built.push(doc, score);
  return built.matches();
}

function toMap(matches: Matches): Map<number, number> {
  const map = new Map<number, number>();
  for (let i = 0; i < matches.size; i++) {
    if (i > 0) expect(matches.docs[i]).toBeGreaterThan(matches.docs[i - 1]);
    map.set(matches.docs[i], matches.scores[i]);
  }
  return map;
}

describe("Matches set operations", () => {
  test("agree with the same operations on Maps, over random lists of every density", () => {
    const next = random(7);
    for (let round = 0; round < 200; round++) {
      const docCount = 1 + Math.floor(next() * 300);
      const a = randomMatches(next, docCount, next());
      const b = randomMatches(next, docCount, next());
      const [ma, mb] = [fromMap(a), fromMap(b)];
      for (const [both, combine] of [[keepFirst, (x: number) => x], [larger, Math.max], [(x: number, y: number) => x + y, (x: number, y: number) => x + y]] as const) {
        const expected = new Map(a);
        for (const [doc, score] of b) expected.set(doc, a.has(doc) ? combine(a.get(doc)!, score) : score);
        expect(toMap(union(ma, mb, both))).toEqual(new Map([...expected].sort(([x], [y]) => x - y)));
      }
      for (const scored of [true, false]) {
        const expected = new Map([...a].filter(([doc]) => b.has(doc)).map(([doc, score]) => [doc, scored ? score + b.get(doc)! : score]));
        expect(toMap(intersect(ma, mb, scored))).toEqual(expected);
      }
      expect(toMap(subtract(ma, mb))).toEqual(new Map([...a].filter(([doc]) => !b.has(doc))));
    }
  });

  test("a collector sorts, removes repeats and grows past its first capacity", () => {
    const collector = new DocCollector();
    const next = random(3);
    const expected = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const doc = Math.floor(next() * 400);
      collector.add(doc);
      expected.add(doc);
    }
    const matches = collector.matches(2);
    expect(Array.from(matches.docs.subarray(0, matches.size))).toEqual([...expected].sort((x, y) => x - y));
    expect(Array.from(matches.scores.subarray(0, matches.size)).every((score) => score === 2)).toBe(true);
  });

  test("a cursor finds each document of ascending lookups, and -1 for absent ones", () => {
    const cursor = new Cursor([2, 5, 9, 11], 3);
    expect([1, 2, 5, 6, 9, 11].map((doc) => cursor.find(doc))).toEqual([-1, 0, 1, -1, 2, -1]);
  });

  test("all, none, constant and withScore", () => {
    expect(toMap(Matches.all(3, 0.5))).toEqual(new Map([[0, 0.5], [1, 0.5], [2, 0.5]]));
    expect(Matches.none().size).toBe(0);
    expect(toMap(Matches.constant([1, 4]).withScore(0))).toEqual(new Map([[1, 0], [4, 0]]));
  });
});
