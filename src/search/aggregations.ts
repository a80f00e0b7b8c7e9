// Aggregations over every matching document (not only the returned page): terms,
// date_histogram, min, max, avg and sum, accumulated segment by segment and then rendered in
// Elasticsearch's response shape. Query threads each accumulate their own segments; their
// states merge into one (Aggregator.merge) that renders exactly as if one thread had added
// every segment: counts, min and max do not depend on order, sums are kept exactly
// (ExactSum), and buckets of equal count are ordered by key alone.

import { MetaField } from "./document.ts";
import type { Matches } from "./matches.ts";
import type { AggregationSpec } from "./search-request.ts";
import type { SearchSegment } from "./search-segment.ts";

/** Buckets a date_histogram may produce (empty ones included); a finer interval is an error. */
export const histogramBucketsMax = 10_000;

type Key = string | number;

interface Accumulator {
  spec: AggregationSpec;
  counts: Map<Key, number>;
  min: number;
  max: number;
  sum: ExactSum;
  count: number;
}

/** An Aggregator's accumulated state, as structured clone carries it between threads. */
export interface AggregationState {
  counts: [Key, number][];
  min: number;
  max: number;
  /** ExactSum's partials. */
  sum: number[];
  count: number;
}

/**
 * A sum of doubles kept exactly, as non-overlapping partials (Shewchuk's algorithm, as Python's
 * math.fsum): its value is the exact sum correctly rounded, whatever order the values came in,
 * so sums accumulated by several threads and merged equal the sum one thread would give.
 * Infinities and NaN are summed apart (they would poison the partials).
 */
export class ExactSum {
  #partials: number[];
  #special = 0;

  constructor(partials: number[] = []) {
    this.#partials = [];
    for (const partial of partials) this.add(partial);
  }

  add(value: number): void {
    if (!Number.isFinite(value)) {
      this.#special += value;
      return;
    }
    let x = value;
    let kept = 0;
    for (let i = 0; i < this.#partials.length; i++) {
      let y = this.#partials[i];
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const high = x + y;
      const low = y - (high - x);
      if (low !== 0) this.#partials[kept++] = low;
      x = high;
    }
    this.#partials.length = kept;
    this.#partials.push(x);
  }

  /** The partials, for merging into another sum (non-finite values included). */
  get partials(): number[] {
    return this.#special === 0 ? [...this.#partials] : [...this.#partials, this.#special];
  }

  /** The exact sum, rounded once (half to even, as fsum). */
  get value(): number {
    if (this.#special !== 0) return this.#special;
    const partials = this.#partials;
    let n = partials.length;
    if (n === 0) return 0;
    let high = partials[--n];
    let low = 0;
    while (n > 0) {
      const x = high;
      const y = partials[--n];
      high = x + y;
      low = y - (high - x);
      if (low !== 0) break;
    }
    // Round half to even across the partials below: fsum's correction.
    if (n > 0 && ((low < 0 && partials[n - 1] < 0) || (low > 0 && partials[n - 1] > 0))) {
      const y = low * 2;
      const x = high + y;
      if (y === x - high) high = x;
    }
    return high;
  }
}

export class Aggregator {
  #accumulators: Accumulator[];

  constructor(specs: AggregationSpec[]) {
    this.#accumulators = specs.map((spec) => ({ spec, counts: new Map(), min: Infinity, max: -Infinity, sum: new ExactSum(), count: 0 }));
  }

  /** The accumulated state of each aggregation, in spec order, to merge into another Aggregator. */
  state(): AggregationState[] {
    return this.#accumulators.map((accumulator) => ({
      counts: [...accumulator.counts],
      min: accumulator.min,
      max: accumulator.max,
      sum: accumulator.sum.partials,
      count: accumulator.count,
    }));
  }

  /** Adds another Aggregator's state (same specs) to this one. */
  merge(states: AggregationState[]): void {
    this.#accumulators.forEach((accumulator, i) => {
      const state = states[i];
      for (const [key, count] of state.counts) accumulator.counts.set(key, (accumulator.counts.get(key) ?? 0) + count);
      accumulator.min = Math.min(accumulator.min, state.min);
      accumulator.max = Math.max(accumulator.max, state.max);
      for (const partial of state.sum) accumulator.sum.add(partial);
      accumulator.count += state.count;
    });
  }

  /** Adds the matching documents of one segment. */
  add(index: SearchSegment, matches: Matches): void {
    for (const accumulator of this.#accumulators) {
      const { spec } = accumulator;
      if (spec.kind === "terms") {
        for (const [key, count] of countValues(index, spec.field, matches)) accumulator.counts.set(key, (accumulator.counts.get(key) ?? 0) + count);
        continue;
      }
      forEachNumber(index, spec.field, matches, (value) => {
        if (spec.kind === "date_histogram") {
          const bucket = Math.floor(value / spec.intervalMs) * spec.intervalMs;
          accumulator.counts.set(bucket, (accumulator.counts.get(bucket) ?? 0) + 1);
        }
        accumulator.min = Math.min(accumulator.min, value);
        accumulator.max = Math.max(accumulator.max, value);
        accumulator.sum.add(value);
        accumulator.count++;
      });
    }
  }

  /** The `aggregations` object of the response. */
  result(): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    for (const accumulator of this.#accumulators) result[accumulator.spec.name] = render(accumulator);
    return result;
  }
}

function render(accumulator: Accumulator): unknown {
  const { spec, count } = accumulator;
  switch (spec.kind) {
    case "terms": {
      const buckets = [...accumulator.counts]
        .sort((a, b) => b[1] - a[1] || compareKeys(a[0], b[0]))
        .map(([key, docCount]) => ({ key, doc_count: docCount }));
      const shown = buckets.slice(0, spec.size);
      const other = buckets.slice(spec.size).reduce((sum, bucket) => sum + bucket.doc_count, 0);
      return { doc_count_error_upper_bound: 0, sum_other_doc_count: other, buckets: shown };
    }
    case "date_histogram": {
      if (count === 0) return { buckets: [] };
      const first = Math.floor(accumulator.min / spec.intervalMs) * spec.intervalMs;
      const last = Math.floor(accumulator.max / spec.intervalMs) * spec.intervalMs;
      if ((last - first) / spec.intervalMs >= histogramBucketsMax) {
        return { error: `Interval ${spec.intervalMs} ms gives more than ${histogramBucketsMax} buckets` };
      }
      const buckets = [];
      for (let key = first; key <= last; key += spec.intervalMs) {
        buckets.push({ key_as_string: new Date(key).toISOString(), key, doc_count: accumulator.counts.get(key) ?? 0 });
      }
      return { buckets };
    }
    case "min":
      return { value: count === 0 ? null : accumulator.min };
    case "max":
      return { value: count === 0 ? null : accumulator.max };
    case "sum":
      return { value: accumulator.sum.value };
    case "avg":
      return { value: count === 0 ? null : accumulator.sum.value / count };
  }
}

/** Orders bucket keys: numbers before strings (a field may hold both), then by value. */
function compareKeys(a: Key, b: Key): number {
  if (typeof a !== typeof b) return typeof a === "number" ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** How many matching documents hold each value of `field` (keywords, numbers, booleans, metadata). */
function countValues(index: SearchSegment, field: string, matches: Matches): Map<Key, number> {
  const counts = new Map<Key, number>();
  const bump = (key: Key, by = 1) => counts.set(key, (counts.get(key) ?? 0) + by);
  if (field === MetaField.topic) {
    if (matches.size > 0) bump(index.topic, matches.size);
    return counts;
  }
  if (field === MetaField.partition) {
    if (matches.size > 0) bump(index.partition, matches.size);
    return counts;
  }
  // Counted per ordinal of the matching documents, so a value's string is read once.
  const keywords = index.keywords(field);
  if (keywords !== null) {
    const perOrdinal = new Float64Array(keywords.cardinality);
    const countOrdinal = (ordinal: number) => perOrdinal[ordinal]++;
    for (let i = 0; i < matches.size; i++) keywords.forEachOrdinal(matches.docs[i], countOrdinal);
    for (let ordinal = 0; ordinal < perOrdinal.length; ordinal++) if (perOrdinal[ordinal] > 0) bump(keywords.value(ordinal), perOrdinal[ordinal]);
  }
  forEachNumber(index, field, matches, (value) => bump(value));
  return counts;
}

/** Calls `visit` with each number of `field` in the matching documents. */
function forEachNumber(index: SearchSegment, field: string, matches: Matches, visit: (value: number) => void): void {
  if (field === MetaField.timestamp || field === MetaField.offset) {
    const column = field === MetaField.timestamp ? (doc: number) => index.timestamp(doc) : (doc: number) => index.offset(doc);
    for (let i = 0; i < matches.size; i++) visit(column(matches.docs[i]));
    return;
  }
  if (field === MetaField.partition) {
    for (let i = 0; i < matches.size; i++) visit(index.partition);
    return;
  }
  const numbers = index.numbers(field);
  if (numbers !== null) for (let i = 0; i < matches.size; i++) numbers.forEachValue(matches.docs[i], visit);
}
