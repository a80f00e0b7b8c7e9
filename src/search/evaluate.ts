// Runs a query on one segment index: the matching documents (index-local ids) with their
// scores. Text clauses score with BM25 over global statistics; term, range, prefix, exists and
// match_all score a constant 1 (as Elasticsearch's constant-score queries); filter and
// must_not clauses never add to a score.

import { MetaField } from "./document.ts";
import { parseTimeMs, type Query, QueryError, type RangeBound, resolveMinimumShouldMatch } from "./query.ts";
import type { GlobalStats } from "./scoring.ts";
import { entryPositions, type Postings, type SegmentIndex } from "./segment-index.ts";
import { terms } from "./tokenizer.ts";

/** Document id → score. */
export type Matches = Map<number, number>;

export interface EvaluateContext {
  stats: GlobalStats;
  nowMs: number;
}

const numericMetaFields = new Set<string>([MetaField.offset, MetaField.timestamp, MetaField.partition]);

export function evaluate(query: Query, index: SegmentIndex, context: EvaluateContext): Matches {
  switch (query.kind) {
    case "match_all":
      return allDocs(index);
    case "match_none":
      return new Map();
    case "match":
      return union(matchText(query, index, context), exactMatches(query.field, query.text, index));
    case "phrase":
      return matchPhrase(query.field, terms(query.text), query.slop, index, context);
    case "term":
      return exactMatches(query.field, query.value, index);
    case "terms":
      return query.values.reduce<Matches>((found, value) => union(found, exactMatches(query.field, value, index)), new Map());
    case "range":
      return matchRange(query, index, context.nowMs);
    case "prefix":
      return matchPrefix(query.field, query.prefix, index);
    case "exists":
      return constant(fieldDocs(query.field, index));
    case "dis_max":
      return disMax(query.queries.map((part) => evaluate(part, index, context)));
    case "bool":
      return evaluateBool(query, index, context);
  }
}

function allDocs(index: SegmentIndex): Matches {
  const matches: Matches = new Map();
  for (let doc = 0; doc < index.docCount; doc++) matches.set(doc, 1);
  return matches;
}

function constant(docs: Iterable<number>): Matches {
  const matches: Matches = new Map();
  for (const doc of docs) matches.set(doc, 1);
  return matches;
}

/** Adds `extra`'s documents that `scored` lacks, keeping scored's scores. */
function union(scored: Matches, extra: Matches): Matches {
  for (const [doc, score] of extra) if (!scored.has(doc)) scored.set(doc, score);
  return scored;
}

function disMax(parts: Matches[]): Matches {
  const best: Matches = new Map();
  for (const part of parts) for (const [doc, score] of part) best.set(doc, Math.max(best.get(doc) ?? 0, score));
  return best;
}

function matchText(query: Extract<Query, { kind: "match" }>, index: SegmentIndex, context: EvaluateContext): Matches {
  const queryTerms = [...new Set(terms(query.text))];
  const textField = index.text.get(query.field);
  if (!textField || queryTerms.length === 0) return new Map();
  const scores: Matches = new Map();
  const counts = new Map<number, number>();
  for (const term of queryTerms) {
    const postings = textField.terms.get(term);
    if (!postings) continue;
    const idf = context.stats.idf(query.field, term);
    for (let i = 0; i < postings.docs.length; i++) {
      const doc = postings.docs[i];
      const score = context.stats.termScore(query.field, idf, postings.freqs[i], textField.lengths.get(doc) ?? 1);
      scores.set(doc, (scores.get(doc) ?? 0) + score);
      counts.set(doc, (counts.get(doc) ?? 0) + 1);
    }
  }
  const required =
    query.operator === "and"
      ? queryTerms.length
      : query.minimumShouldMatch === null
        ? 1
        : Math.max(1, resolveMinimumShouldMatch(query.minimumShouldMatch, queryTerms.length));
  if (required > 1) for (const [doc, count] of counts) if (count < required) scores.delete(doc);
  return scores;
}

function matchPhrase(field: string, phrase: string[], slop: number, index: SegmentIndex, context: EvaluateContext): Matches {
  const textField = index.text.get(field);
  if (!textField || phrase.length === 0) return new Map();
  const postings: Postings[] = [];
  for (const term of phrase) {
    const found = textField.terms.get(term);
    if (!found) return new Map();
    postings.push(found);
  }
  const idf = phrase.reduce((sum, term) => sum + context.stats.idf(field, term), 0);
  // Walk the rarest term's documents; look the others up by binary search.
  const rarest = postings.reduce((best, candidate) => (candidate.docs.length < best.docs.length ? candidate : best));
  const matches: Matches = new Map();
  for (const doc of rarest.docs) {
    const positions: number[][] = [];
    for (const termPostings of postings) {
      const at = findDoc(termPostings.docs, doc);
      if (at < 0) break;
      positions.push(entryPositions(termPostings, at));
    }
    if (positions.length !== phrase.length) continue;
    const frequency = phraseFrequency(positions, slop);
    if (frequency > 0) matches.set(doc, context.stats.termScore(field, idf, frequency, textField.lengths.get(doc) ?? 1));
  }
  return matches;
}

function findDoc(docs: number[], doc: number): number {
  let low = 0;
  let high = docs.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    if (docs[middle] === doc) return middle;
    if (docs[middle] < doc) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}

/** How often the terms occur in order, each within `slop` extra positions of the one before. */
function phraseFrequency(positions: number[][], slop: number): number {
  let count = 0;
  for (const start of positions[0]) {
    let previous = start;
    let complete = true;
    for (let i = 1; i < positions.length && complete; i++) {
      const next = positions[i].find((position) => position > previous && position <= previous + 1 + slop);
      if (next === undefined) complete = false;
      else previous = next;
    }
    if (complete) count++;
  }
  return count;
}

/** Documents whose field equals `value` exactly: a keyword, a number, a boolean, or record metadata. */
function exactMatches(field: string, value: string | number | boolean, index: SegmentIndex): Matches {
  if (field === MetaField.topic) return String(value) === index.topic ? allDocs(index) : new Map();
  const number = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : Number.NaN;
  if (numericMetaFields.has(field)) return Number.isNaN(number) ? new Map() : constant(numericDocs(field, index, (candidate) => candidate === number));
  const matches = constant(index.keywords.get(field)?.get(String(value)) ?? []);
  if (!Number.isNaN(number)) for (const doc of numericDocs(field, index, (candidate) => candidate === number)) matches.set(doc, 1);
  return matches;
}

/** Documents having a number in `field` that passes `test`. */
function numericDocs(field: string, index: SegmentIndex, test: (value: number) => boolean): number[] {
  const found: number[] = [];
  if (field === MetaField.partition) return test(index.partition) ? [...allDocs(index).keys()] : [];
  const column = field === MetaField.offset ? index.offsets : field === MetaField.timestamp ? index.timestamps : null;
  if (column) {
    for (let doc = 0; doc < column.length; doc++) if (test(column[doc])) found.push(doc);
    return found;
  }
  const numberField = index.numbers.get(field);
  if (!numberField) return found;
  for (let i = 0; i < numberField.docs.length; i++) {
    if (test(numberField.values[i]) && found.at(-1) !== numberField.docs[i]) found.push(numberField.docs[i]);
  }
  return found;
}

function matchRange(query: Extract<Query, { kind: "range" }>, index: SegmentIndex, nowMs: number): Matches {
  const { field } = query;
  const toNumber = (bound: RangeBound): number => {
    if (field === MetaField.timestamp) return parseTimeMs(bound, nowMs);
    if (typeof bound === "number") return bound;
    const number = Number(bound);
    return bound.trim() !== "" && !Number.isNaN(number) ? number : parseTimeMs(bound, nowMs);
  };
  let numeric: { gt?: number; gte?: number; lt?: number; lte?: number } | null;
  try {
    numeric = {
      gt: query.gt === undefined ? undefined : toNumber(query.gt),
      gte: query.gte === undefined ? undefined : toNumber(query.gte),
      lt: query.lt === undefined ? undefined : toNumber(query.lt),
      lte: query.lte === undefined ? undefined : toNumber(query.lte),
    };
  } catch (error) {
    if (field === MetaField.timestamp || !(error instanceof QueryError)) throw error;
    numeric = null;
  }
  const matches: Matches = new Map();
  if (numeric) {
    const { gt, gte, lt, lte } = numeric;
    const test = (value: number) =>
      (gt === undefined || value > gt) && (gte === undefined || value >= gte) && (lt === undefined || value < lt) && (lte === undefined || value <= lte);
    for (const doc of numericDocs(field, index, test)) matches.set(doc, 1);
  }
  // Keyword fields compare as strings, as Elasticsearch's range on a keyword does.
  const byValue = index.keywords.get(field);
  if (byValue) {
    const text = (bound: RangeBound | undefined) => (bound === undefined ? undefined : String(bound));
    const [gt, gte, lt, lte] = [text(query.gt), text(query.gte), text(query.lt), text(query.lte)];
    for (const [value, docs] of byValue) {
      const inside = (gt === undefined || value > gt) && (gte === undefined || value >= gte) && (lt === undefined || value < lt) && (lte === undefined || value <= lte);
      if (inside) for (const doc of docs) matches.set(doc, 1);
    }
  }
  return matches;
}

function matchPrefix(field: string, prefix: string, index: SegmentIndex): Matches {
  const matches: Matches = new Map();
  const termPrefix = terms(prefix).join(" ");
  const textField = index.text.get(field);
  if (textField && termPrefix !== "") {
    for (const [term, postings] of textField.terms) if (term.startsWith(termPrefix)) for (const doc of postings.docs) matches.set(doc, 1);
  }
  const byValue = index.keywords.get(field);
  if (byValue) for (const [value, docs] of byValue) if (value.startsWith(prefix)) for (const doc of docs) matches.set(doc, 1);
  return matches;
}

/** Documents that have `field` at all. */
export function fieldDocs(field: string, index: SegmentIndex): Set<number> {
  const docs = new Set<number>();
  if (field === MetaField.topic || numericMetaFields.has(field)) return new Set(allDocs(index).keys());
  if (field === MetaField.value) {
    index.values.forEach((value, doc) => value !== null && docs.add(doc));
    for (const doc of index.binaryDocs) docs.add(doc);
    return docs;
  }
  if (field === MetaField.key) {
    index.keys.forEach((key, doc) => key !== null && docs.add(doc));
    return docs;
  }
  for (const doc of index.text.get(field)?.lengths.keys() ?? []) docs.add(doc);
  for (const list of index.keywords.get(field)?.values() ?? []) for (const doc of list) docs.add(doc);
  for (const doc of index.numbers.get(field)?.docs ?? []) docs.add(doc);
  return docs;
}

function evaluateBool(query: Extract<Query, { kind: "bool" }>, index: SegmentIndex, context: EvaluateContext): Matches {
  const required = [...query.must, ...query.filter];
  const optional = query.should;
  const minimumShould =
    query.minimumShouldMatch !== null ? resolveMinimumShouldMatch(query.minimumShouldMatch, optional.length) : required.length === 0 ? 1 : 0;
  if (minimumShould > optional.length) return new Map();
  let result: Matches | null = null;
  for (const clause of query.must) result = intersect(result, evaluate(clause, index, context), true);
  for (const clause of query.filter) result = intersect(result, evaluate(clause, index, context), false);
  const shouldMatches = optional.map((clause) => evaluate(clause, index, context));
  if (result === null) {
    // Only should (or only must_not) clauses: candidates are the should matches (or everything).
    result = new Map();
    if (optional.length === 0) for (let doc = 0; doc < index.docCount; doc++) result.set(doc, 0);
    for (const matches of shouldMatches) for (const doc of matches.keys()) result.set(doc, 0);
  }
  if (optional.length > 0) {
    for (const [doc, score] of result) {
      let matched = 0;
      let added = 0;
      for (const matches of shouldMatches) {
        const should = matches.get(doc);
        if (should === undefined) continue;
        matched++;
        added += should;
      }
      if (matched < minimumShould) result.delete(doc);
      else result.set(doc, score + added);
    }
  }
  for (const clause of query.mustNot) for (const doc of evaluate(clause, index, context).keys()) result.delete(doc);
  return result;
}

/** Documents in both; scores add when `scored` (must), stay as they were otherwise (filter). */
function intersect(current: Matches | null, next: Matches, scored: boolean): Matches {
  if (current === null) {
    if (scored) return next;
    const unscored: Matches = new Map();
    for (const doc of next.keys()) unscored.set(doc, 0);
    return unscored;
  }
  const both: Matches = new Map();
  for (const [doc, score] of current) {
    const other = next.get(doc);
    if (other !== undefined) both.set(doc, scored ? score + other : score);
  }
  return both;
}
