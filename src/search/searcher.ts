// Runs a search over many segment indexes (every segment of every partition of the topics
// asked for) in two passes: the BM25 statistics of the query's terms summed over every index,
// then each index evaluated with them, keeping the top from+size per index. The indexes may be
// split between threads (query-pool.ts): each thread returns its part of the statistics
// (StatsPart) and of the answer (SearchPart), and the parts merge into the same response one
// thread gives: statistics are integer sums, the page is the first from+size of the parts'
// candidates under one total order, and aggregations merge exactly (aggregations.ts).
// The total is exact.

import { Aggregator, type AggregationState } from "./aggregations.ts";
import { MetaField } from "./document.ts";
import { evaluate } from "./evaluate.ts";
import { noteWork } from "./garbage.ts";
import type { Matches } from "./matches.ts";
import { buildHit, type Hit } from "./hits.ts";
import { GlobalStats, scoredTerms } from "./scoring.ts";
import type { SearchRequest, SortSpec } from "./search-request.ts";
import type { SearchSegment } from "./search-segment.ts";

/** A segment index that may have to be loaded from disk first. */
export interface IndexHandle {
  topic: string;
  partition: number;
  baseOffset: number;
  load(): Promise<SearchSegment>;
  /**
   * Set when the index is sealed, fresh and saved as `file` in `dir`, so another thread may open
   * it there; `version` changes whenever the file is written again (a rebuild).
   */
  saved?: { dir: string; file: string; version: number };
}

export interface SearchResponse {
  took: number;
  timed_out: false;
  _shards: { total: number; successful: number; skipped: number; failed: number };
  hits: { total: { value: number; relation: "eq" }; max_score: number | null; hits: Hit[] };
  aggregations?: Record<string, unknown>;
}

/** GlobalStats of some of the indexes, as plain data (structured clone carries it between threads). */
export interface StatsPart {
  documents: number;
  fieldDocs: [string, number][];
  fieldLengthSum: [string, number][];
  documentFrequency: [string, number][];
}

/** A hit of some of the indexes that may make the page, with what orders it. */
export interface PartCandidate extends Ordered {
  hit: Hit;
}

/** The answer of some of the indexes: their matches' count and best score, their first from+size hits, their aggregations. */
export interface SearchPart {
  total: number;
  maxScore: number | null;
  candidates: PartCandidate[];
  aggregations: AggregationState[];
}

interface Candidate extends Ordered {
  index: SearchSegment;
  doc: number;
  score: number;
}

/** The order candidates are compared in: the sort values, then where the record is. */
export interface Ordered {
  sortValues: (number | string | null)[];
  topic: string;
  partition: number;
  offset: number;
}

export async function runSearch(handles: IndexHandle[], request: SearchRequest, nowMs = Date.now()): Promise<SearchResponse> {
  const started = performance.now();
  const wanted = scoredTerms(request.query);
  const stats = mergeStats(wanted.size === 0 ? [] : [await gatherStats(handles, wanted)]);
  const part = await searchPart(handles, request, stats, nowMs);
  return mergeParts([part], request, handles.length, started);
}

/** The statistics of `wanted` (scoredTerms of the query) over `handles`' indexes. */
export async function gatherStats(handles: IndexHandle[], wanted: Map<string, Set<string>>): Promise<StatsPart> {
  const stats = new GlobalStats();
  for (const handle of handles) stats.add(await handle.load(), wanted);
  return statsPart(stats);
}

export function statsPart(stats: GlobalStats): StatsPart {
  return {
    documents: stats.documents,
    fieldDocs: [...stats.fieldDocs],
    fieldLengthSum: [...stats.fieldLengthSum],
    documentFrequency: [...stats.documentFrequency],
  };
}

/** The statistics of all indexes, from the parts gathered over each share of them. */
export function mergeStats(parts: StatsPart[]): GlobalStats {
  const stats = new GlobalStats();
  const sum = (into: Map<string, number>, entries: [string, number][]) => {
    for (const [key, value] of entries) into.set(key, (into.get(key) ?? 0) + value);
  };
  for (const part of parts) {
    stats.documents += part.documents;
    sum(stats.fieldDocs, part.fieldDocs);
    sum(stats.fieldLengthSum, part.fieldLengthSum);
    sum(stats.documentFrequency, part.documentFrequency);
  }
  return stats;
}

/** Evaluates `handles`' indexes with the statistics of all: their part of the response. */
export async function searchPart(handles: IndexHandle[], request: SearchRequest, stats: GlobalStats, nowMs: number): Promise<SearchPart> {
  const context = { stats, nowMs };
  const aggregator = new Aggregator(request.aggregations);
  const pageEnd = request.from + request.size;
  const top = new TopCandidates(pageEnd, comparator(request.sort));
  let total = 0;
  let maxScore: number | null = null;
  // Only counting everything (a `size: 0` poll of how much is searchable): no document need be visited.
  const countingAll = request.query.kind === "match_all" && pageEnd === 0 && request.aggregations.length === 0;
  for (const handle of handles.toReversed()) {
    const index = await handle.load();
    if (countingAll) {
      total += index.docCount;
      if (index.docCount > 0) maxScore = 1;
      continue;
    }
    const started = performance.now();
    const matches = evaluate(request.query, index, context);
    total += matches.size;
    for (let i = 0; i < matches.size; i++) if (maxScore === null || matches.scores[i] > maxScore) maxScore = matches.scores[i];
    if (request.aggregations.length > 0) aggregator.add(index, matches);
    if (pageEnd > 0 && matches.size > 0) offerCandidates(top, index, matches, request.sort);
    noteWork(performance.now() - started);
  }
  const sortedByScore = request.sort[0]?.field === "_score";
  const built = top.sorted().map((candidate): PartCandidate => {
    const hit = buildHit(candidate.index, candidate.doc, sortedByScore ? candidate.score : null, {
      source: request.source,
      highlight: request.highlight,
      query: request.query,
    });
    if (!sortedByScore) hit.sort = candidate.sortValues;
    return { hit, sortValues: candidate.sortValues, topic: candidate.topic, partition: candidate.partition, offset: candidate.offset };
  });
  return { total, maxScore, candidates: built, aggregations: request.aggregations.length > 0 ? aggregator.state() : [] };
}

/** The response from the parts of every index (`shards` of them), the page being the first from+size of all candidates. */
export function mergeParts(parts: SearchPart[], request: SearchRequest, shards: number, started: number): SearchResponse {
  const candidates = parts.flatMap((part) => part.candidates).sort(comparator(request.sort));
  let total = 0;
  let maxScore: number | null = null;
  for (const part of parts) {
    total += part.total;
    if (part.maxScore !== null && (maxScore === null || part.maxScore > maxScore)) maxScore = part.maxScore;
  }
  const sortedByScore = request.sort[0]?.field === "_score";
  const response: SearchResponse = {
    took: Math.round(performance.now() - started),
    timed_out: false,
    _shards: { total: shards, successful: shards, skipped: 0, failed: 0 },
    hits: {
      total: { value: total, relation: "eq" },
      max_score: sortedByScore ? maxScore : null,
      hits: candidates.slice(request.from, request.from + request.size).map((candidate) => candidate.hit),
    },
  };
  if (request.aggregations.length > 0) {
    const aggregator = new Aggregator(request.aggregations);
    for (const part of parts) aggregator.merge(part.aggregations);
    response.aggregations = aggregator.result();
  }
  return response;
}

/**
 * The first `limit` candidates under an order, kept in a binary heap whose root is the worst of
 * them: a query matching millions of documents holds `limit` candidates, not millions.
 */
class TopCandidates {
  readonly limit: number;
  readonly #compare: (a: Candidate, b: Candidate) => number;
  readonly #heap: Candidate[] = [];

  constructor(limit: number, compare: (a: Ordered, b: Ordered) => number) {
    this.limit = limit;
    this.#compare = compare;
  }

  /** The worst candidate kept, once `limit` are: only better ones get in. */
  get worst(): Candidate | undefined {
    return this.#heap.length === this.limit ? this.#heap[0] : undefined;
  }

  offer(candidate: Candidate): void {
    const heap = this.#heap;
    if (heap.length < this.limit) {
      heap.push(candidate);
      for (let at = heap.length - 1; at > 0; ) {
        const parent = (at - 1) >> 1;
        if (this.#compare(heap[parent], heap[at]) >= 0) break;
        [heap[parent], heap[at]] = [heap[at], heap[parent]];
        at = parent;
      }
      return;
    }
    if (this.#compare(candidate, heap[0]) >= 0) return;
    heap[0] = candidate;
    for (let at = 0; ; ) {
      const left = 2 * at + 1;
      const right = left + 1;
      let worst = at;
      if (left < heap.length && this.#compare(heap[left], heap[worst]) > 0) worst = left;
      if (right < heap.length && this.#compare(heap[right], heap[worst]) > 0) worst = right;
      if (worst === at) return;
      [heap[worst], heap[at]] = [heap[at], heap[worst]];
      at = worst;
    }
  }

  sorted(): Candidate[] {
    return [...this.#heap].sort(this.#compare);
  }
}

function offerCandidates(top: TopCandidates, index: SearchSegment, matches: Matches, sort: SortSpec[]): void {
  const columns = sort.map((spec) => sortColumn(index, spec.field));
  const byScore = sort.length === 1 && sort[0].field === "_score" && sort[0].order === "desc";
  const { topic, partition } = index;
  for (let i = 0; i < matches.size; i++) {
    const doc = matches.docs[i];
    const score = matches.scores[i];
    // Sorted by score alone, a lower score than the worst kept cannot get in: no candidate is made for it.
    const worst = top.worst;
    if (byScore && worst !== undefined && score < worst.score) continue;
    top.offer({ index, doc, score, sortValues: columns.map((column) => (column === null ? score : column(doc))), topic, partition, offset: index.offset(doc) });
  }
}

/** Each document's sort value for `field`; null for _score (the score itself is used). */
function sortColumn(index: SearchSegment, field: string): ((doc: number) => number | string | null) | null {
  if (field === "_score") return null;
  if (field === MetaField.timestamp) return (doc) => index.timestamp(doc);
  if (field === MetaField.offset) return (doc) => index.offset(doc);
  if (field === MetaField.partition) return () => index.partition;
  if (field === MetaField.topic) return () => index.topic;
  // A document with several values sorts by its smallest number, else its first keyword.
  const numbers = index.numbers(field);
  const keywords = index.keywords(field);
  return (doc) => {
    let found: number | string | null = null;
    numbers?.forEachValue(doc, (value) => (found ??= value));
    if (found === null && keywords !== null) keywords.forEachOrdinal(doc, (ordinal) => (found ??= keywords.value(ordinal)));
    return found;
  };
}

/**
 * Orders by each sort spec (missing values last; numbers before strings, when a field holds
 * both), then topic, partition and offset: a total order, so pages are stable and the same
 * however the indexes were split between threads.
 */
function comparator(sort: SortSpec[]): (a: Ordered, b: Ordered) => number {
  return (a, b) => {
    for (let i = 0; i < sort.length; i++) {
      const x = a.sortValues[i];
      const y = b.sortValues[i];
      if (x === y) continue;
      if (x === null) return 1;
      if (y === null) return -1;
      const order = typeof x !== typeof y ? (typeof x === "number" ? -1 : 1) : x < y ? -1 : 1;
      return sort[i].order === "asc" ? order : -order;
    }
    if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
    if (a.partition !== b.partition) return a.partition - b.partition;
    return a.offset - b.offset;
  };
}
