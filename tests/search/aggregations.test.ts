import { describe, expect, test } from "bun:test";
import { Aggregator, ExactSum } from "../../src/search/aggregations.ts";
import { flattenJsonText } from "../../src/search/document.ts";
import { Matches } from "../../src/search/matches.ts";
import type { AggregationSpec } from "../../src/search/search-request.ts";
import { LiveSegment } from "../../src/search/live-segment.ts";

const specs: AggregationSpec[] = [
  { name: "levels", kind: "terms", field: "level", size: 2 },
  { name: "codes", kind: "terms", field: "code", size: 10 },
  { name: "minutes", kind: "date_histogram", field: "_timestamp", intervalMs: 60_000 },
  { name: "low", kind: "min", field: "latency" },
  { name: "high", kind: "max", field: "latency" },
  { name: "mean", kind: "avg", field: "latency" },
  { name: "total", kind: "sum", field: "latency" },
];

/** Segments of documents whose latencies sum differently in different orders (0.1, 1e16, ...), and whose codes are numbers or strings. */
function segments(): { index: LiveSegment; matches: Matches }[] {
  const latencies = [0.1, 1e16, 0.2, -1e16, 0.3, 1 / 3, 2.5e-7, 123456.789, 1e-300, 7];
  return Array.from({ length: 5 }, (_, s) => {
    const index = new LiveSegment("t", s % 2, s * 100, 0);
    const docs: number[] = [];
    for (let d = 0; d < 20; d++) {
      const n = s * 20 + d;
      const value = JSON.stringify({ level: ["info", "warn", "error"][n % 3], code: n % 4 === 0 ? "7" : n % 4 === 2 ? 7 : 8, latency: latencies[n % latencies.length] * (1 + s) });
      index.add({ offset: s * 100 + d, timestamp: 1_700_000_000_000 + n * 17_000, key: null, headers: {}, value, valueIsBinary: false, fields: flattenJsonText(value) });
      if (n % 5 !== 1) docs.push(d);
    }
    return { index, matches: Matches.constant(docs) };
  });
}

describe("Aggregator.merge", () => {
  test("states accumulated over any split of the segments merge into what one aggregator over all of them gives", () => {
    const all = segments();
    const whole = new Aggregator(specs);
    for (const { index, matches } of all) whole.add(index, matches);
    const expected = whole.result();
    for (const split of [[[0, 1, 2, 3, 4]], [[4, 2], [0], [3, 1]], [[1, 3], [4, 0, 2]], [[], [2, 1, 0, 4, 3]]]) {
      const merged = new Aggregator(specs);
      for (const share of split.toReversed()) {
        const part = new Aggregator(specs);
        for (const s of share) part.add(all[s].index, all[s].matches);
        // Through structured clone, as the state crosses threads.
        merged.merge(structuredClone(part.state()));
      }
      expect(merged.result()).toEqual(expected);
    }
    expect(expected.low).toEqual({ value: -5e16 });
    expect((expected.levels as { buckets: unknown[] }).buckets).toHaveLength(2);
    // Equal counts are ordered by key, numbers before strings, whatever order the keys were met in.
    expect((expected.codes as { buckets: { key: unknown }[] }).buckets.map((bucket) => bucket.key)).toEqual([8, 7, "7"]);
  });

  test("an empty state merges to nothing", () => {
    const merged = new Aggregator(specs);
    merged.merge(new Aggregator(specs).state());
    expect(merged.result()).toEqual(new Aggregator(specs).result());
    expect(merged.result().mean).toEqual({ value: null });
  });
});

describe("ExactSum", () => {
  test("is the correctly rounded sum whatever the order", () => {
    const values = [0.1, 1e16, 0.2, -1e16, 0.3, 1 / 3, 2.5e-7, 1e100, -1e100, 3];
    const sums = new Set<number>();
    for (let rotation = 0; rotation < values.length; rotation++) {
      const sum = new ExactSum();
      for (const value of [...values.slice(rotation), ...values.slice(0, rotation)]) sum.add(value);
      sums.add(sum.value);
    }
    // Python's math.fsum of the same values.
    expect([...sums]).toEqual([3.9333335833333334]);
  });

  test("merges by adding the partials of another sum", () => {
    const a = new ExactSum();
    const b = new ExactSum();
    for (const value of [1e16, 0.1, 0.2]) a.add(value);
    for (const value of [-1e16, 0.3]) b.add(value);
    const merged = new ExactSum(a.partials);
    for (const partial of b.partials) merged.add(partial);
    expect(merged.value).toBe(0.6);
  });

  test("infinities and NaN are summed apart", () => {
    const sum = new ExactSum([1, Infinity, 2]);
    expect(sum.value).toBe(Infinity);
    sum.add(-Infinity);
    expect(sum.value).toBeNaN();
    expect(new ExactSum().value).toBe(0);
  });
});
