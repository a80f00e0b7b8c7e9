// Runs a search over many segment indexes (every segment of every partition of the topics
// asked for): gathers global statistics first, then evaluates each index with them, keeps the
// top from+size per segment, and merges those into the page. The total is exact.

import { Aggregator } from "./aggregations.ts";
import { MetaField } from "./document.ts";
import { evaluate, type Matches } from "./evaluate.ts";
import { buildHit, type Hit } from "./hits.ts";
import { GlobalStats, scoredTerms } from "./scoring.ts";
import type { SearchRequest, SortSpec } from "./search-request.ts";
import type { SegmentIndex } from "./segment-index.ts";

/** A segment index that may have to be loaded from disk first. */
export interface IndexHandle {
  topic: string;
  partition: number;
  baseOffset: number;
  load(): Promise<SegmentIndex>;
}

export interface SearchResponse {
  took: number;
  timed_out: false;
  _shards: { total: number; successful: number; skipped: number; failed: number };
  hits: { total: { value: number; relation: "eq" }; max_score: number | null; hits: Hit[] };
  aggregations?: Record<string, unknown>;
}

interface Candidate {
  index: SegmentIndex;
  doc: number;
  score: number;
  sortValues: (number | string | null)[];
}

export async function runSearch(handles: IndexHandle[], request: SearchRequest, nowMs = Date.now()): Promise<SearchResponse> {
  const started = performance.now();
  const stats = new GlobalStats();
  const wanted = scoredTerms(request.query);
  if (wanted.size > 0) for (const handle of handles) stats.add(await handle.load(), wanted);

  const context = { stats, nowMs };
  const aggregator = new Aggregator(request.aggregations);
  const pageEnd = request.from + request.size;
  let best: Candidate[] = [];
  let total = 0;
  let maxScore: number | null = null;
  // Backwards: the indexes the statistics pass loaded last are the ones still in memory.
  for (const handle of handles.toReversed()) {
    const index = await handle.load();
    const matches = evaluate(request.query, index, context);
    total += matches.size;
    for (const score of matches.values()) if (maxScore === null || score > maxScore) maxScore = score;
    if (request.aggregations.length > 0) aggregator.add(index, matches);
    if (pageEnd > 0 && matches.size > 0) best = mergeTop(best, candidates(index, matches, request.sort), request.sort, pageEnd);
  }
  const sortedByScore = request.sort[0]?.field === "_score";
  const hits = best.slice(request.from).map((candidate) => {
    const hit = buildHit(candidate.index, candidate.doc, sortedByScore ? candidate.score : null, {
      source: request.source,
      highlight: request.highlight,
      query: request.query,
    });
    if (!sortedByScore) hit.sort = candidate.sortValues;
    return hit;
  });
  const response: SearchResponse = {
    took: Math.round(performance.now() - started),
    timed_out: false,
    _shards: { total: handles.length, successful: handles.length, skipped: 0, failed: 0 },
    hits: { total: { value: total, relation: "eq" }, max_score: sortedByScore ? maxScore : null, hits },
  };
  if (request.aggregations.length > 0) response.aggregations = aggregator.result();
  return response;
}

function candidates(index: SegmentIndex, matches: Matches, sort: SortSpec[]): Candidate[] {
  const columns = sort.map((spec) => sortColumn(index, spec.field));
  const list: Candidate[] = [];
  for (const [doc, score] of matches) list.push({ index, doc, score, sortValues: columns.map((column) => (column === null ? score : (column.get(doc) ?? null))) });
  return list;
}

/** Each document's sort value for `field`; null for _score (the score itself is used). */
function sortColumn(index: SegmentIndex, field: string): Map<number, number | string> | null {
  if (field === "_score") return null;
  const column = new Map<number, number | string>();
  const fill = (values: readonly number[]) => values.forEach((value, doc) => column.set(doc, value));
  if (field === MetaField.timestamp) fill(index.timestamps);
  else if (field === MetaField.offset) fill(index.offsets);
  else if (field === MetaField.partition) fill(index.offsets.map(() => index.partition));
  else if (field === MetaField.topic) index.offsets.forEach((_, doc) => column.set(doc, index.topic));
  else {
    // A document with several values sorts by its smallest number (numbers come in ascending order).
    for (const [value, docs] of index.numberEntries(field)) for (const doc of docs) if (!column.has(doc)) column.set(doc, value);
    for (const [value, docs] of index.keywordEntries(field)) for (const doc of docs) if (!column.has(doc)) column.set(doc, value);
  }
  return column;
}

/** Keeps the first `limit` of both lists under `sort`. */
function mergeTop(kept: Candidate[], incoming: Candidate[], sort: SortSpec[], limit: number): Candidate[] {
  const compare = comparator(sort);
  incoming.sort(compare);
  const merged = kept.concat(incoming.slice(0, limit));
  merged.sort(compare);
  return merged.slice(0, limit);
}

/** Orders by each sort spec (missing values last), then topic, partition and offset, so pages are stable. */
function comparator(sort: SortSpec[]): (a: Candidate, b: Candidate) => number {
  return (a, b) => {
    for (let i = 0; i < sort.length; i++) {
      const x = a.sortValues[i];
      const y = b.sortValues[i];
      if (x === y) continue;
      if (x === null) return 1;
      if (y === null) return -1;
      const order = x < y ? -1 : 1;
      return sort[i].order === "asc" ? order : -order;
    }
    if (a.index.topic !== b.index.topic) return a.index.topic < b.index.topic ? -1 : 1;
    if (a.index.partition !== b.index.partition) return a.index.partition - b.index.partition;
    return a.index.offsets[a.doc] - b.index.offsets[b.doc];
  };
}
