// Runs a query on one segment index: the matching documents (index-local ids) with their
// scores. Text clauses score with BM25 over global statistics; term, range, prefix, exists and
// match_all score a constant 1 (as Elasticsearch's constant-score queries); filter and
// must_not clauses never add to a score.

import { detectedDate, indexedText, MetaField } from "./document.ts";
import { AscendingBuilder, Cursor, DocCollector, intersect, keepFirst, larger, Matches, subtract, union } from "./matches.ts";
import { parseTimeMs, type Query, QueryError, type RangeBound, resolveMinimumShouldMatch } from "./query.ts";
import type { GlobalStats } from "./scoring.ts";
import type { KeywordField, PositionedPostings, Postings, SearchSegment } from "./search-segment.ts";
import { terms } from "./tokenizer.ts";
import { searchedText } from "./value-text.ts";

export interface EvaluateContext {
  stats: GlobalStats;
  nowMs: number;
}

const numericMetaFields = new Set<string>([MetaField.offset, MetaField.timestamp, MetaField.partition]);

export function evaluate(query: Query, index: SearchSegment, context: EvaluateContext): Matches {
  switch (query.kind) {
    case "match_all":
      return Matches.all(index.docCount);
    case "match_none":
      return Matches.none();
    case "match":
      return union(matchText(query, index, context), exactMatches(query.field, query.text, index), keepFirst);
    case "phrase":
      return matchPhrase(query.field, terms(query.text), query.slop, index, context);
    case "term":
      return exactMatches(query.field, query.value, index);
    case "terms":
      return query.values.reduce((found, value) => union(found, exactMatches(query.field, value, index), keepFirst), Matches.none());
    case "range":
      return matchRange(query, index, context.nowMs);
    case "prefix":
      return matchPrefix(query.field, query.prefix, index);
    case "exists":
      return fieldDocs(query.field, index);
    case "dis_max":
      return query.queries.reduce((best, part) => union(best, evaluate(part, index, context), larger), Matches.none());
    case "bool":
      return evaluateBool(query, index, context);
  }
}

function matchText(query: Extract<Query, { kind: "match" }>, index: SearchSegment, context: EvaluateContext): Matches {
  const queryTerms = [...new Set(terms(query.text))];
  const text = searchedText(index, query.field);
  if (queryTerms.length === 0 || text === null) return Matches.none();
  const required =
    query.operator === "and"
      ? queryTerms.length
      : query.minimumShouldMatch === null
        ? 1
        : Math.max(1, resolveMinimumShouldMatch(query.minimumShouldMatch, queryTerms.length));
  // Each term's postings merged into the running sum, counting the terms each document has.
  let docs = new Int32Array(0);
  let scores = new Float64Array(0);
  let counts = new Uint32Array(0);
  for (const term of queryTerms) {
    const score = context.stats.termScorer(query.field, context.stats.matching(query.field, term));
    const postings = text.postings(term);
    if (postings === null) continue;
    const capacity = docs.length + postings.docs.length;
    const [nextDocs, nextScores, nextCounts] = [new Int32Array(capacity), new Float64Array(capacity), new Uint32Array(capacity)];
    let size = 0;
    let i = 0;
    let j = 0;
    while (i < docs.length || j < postings.docs.length) {
      const doc = j < postings.docs.length ? postings.docs[j] : Number.POSITIVE_INFINITY;
      if (i < docs.length && docs[i] < doc) {
        nextDocs[size] = docs[i];
        nextScores[size] = scores[i];
        nextCounts[size++] = counts[i++];
        continue;
      }
      const termScore = score(postings.freqs[j], text.length(doc));
      const before = i < docs.length && docs[i] === doc;
      nextDocs[size] = doc;
      nextScores[size] = before ? scores[i] + termScore : termScore;
      nextCounts[size++] = before ? counts[i++] + 1 : 1;
      j++;
    }
    docs = nextDocs.subarray(0, size);
    scores = nextScores.subarray(0, size);
    counts = nextCounts.subarray(0, size);
  }
  if (required <= 1) return new Matches(docs, scores);
  const found = new AscendingBuilder();
  for (let i = 0; i < docs.length; i++) if (counts[i] >= required) found.push(docs[i], scores[i]);
  return found.matches();
}

/**
 * Documents with the phrase's terms in order, each within `slop` extra positions of the one
 * before (the first occurrence after it counts); a match scores as the sum of its terms. The
 * terms' positions come from the index; a field that keeps none (the default field of JSON
 * values, the union of their fields) is checked on the records' re-analysed text instead.
 */
function matchPhrase(field: string, phrase: string[], slop: number, index: SearchSegment, context: EvaluateContext): Matches {
  const text = searchedText(index, field);
  if (phrase.length === 0 || text === null) return Matches.none();
  const distinct = [...new Set(phrase)];
  const lists = distinct.map((term) => (text.keepsPositions ? text.positioned(term) : text.postings(term)));
  if (lists.some((list) => list === null)) return Matches.none();
  const found = lists as Postings[];
  const scorers = distinct.map((term) => context.stats.termScorer(field, context.stats.matching(field, term)));
  const inOrder = text.keepsPositions
    ? positionsMatch(found as PositionedPostings[], phrase.map((term) => distinct.indexOf(term)), slop)
    : (doc: number) => {
        const textOfDoc = indexedText(index.record(doc), field);
        return textOfDoc !== null && containsPhrase(terms(textOfDoc), phrase, slop);
      };
  const rarest = found.reduce((best, candidate) => (candidate.docs.length < best.docs.length ? candidate : best));
  const cursors = found.map((list) => new Cursor(list.docs));
  const at = new Array<number>(found.length);
  const matches = new AscendingBuilder();
  for (let r = 0; r < rarest.docs.length; r++) {
    const doc = rarest.docs[r];
    let inAll = true;
    for (let i = 0; i < found.length && inAll; i++) inAll = (at[i] = cursors[i].find(doc)) >= 0;
    if (!inAll || !inOrder(doc, at)) continue;
    let score = 0;
    for (let i = 0; i < found.length; i++) score += scorers[i](found[i].freqs[at[i]], text.length(doc));
    matches.push(doc, score);
  }
  return matches.matches();
}

/**
 * Whether a document has the phrase in order, from the terms' positions: `lists` are the distinct
 * terms' postings, `slots` each phrase word's list, and `at` (given per document) each list's
 * posting of the document. The same test as containsPhrase on the document's tokens.
 */
function positionsMatch(lists: PositionedPostings[], slots: number[], slop: number): (doc: number, at: number[]) => boolean {
  // Where each posting's positions start in its list's positions (prefix sums of the frequencies).
  const starts = lists.map((list) => {
    const sums = new Uint32Array(list.docs.length + 1);
    for (let i = 0; i < list.docs.length; i++) sums[i + 1] = sums[i] + list.freqs[i];
    return sums;
  });
  return (_doc, at) => {
    const first = slots[0];
    const firstPositions = lists[first].positions;
    for (let p = starts[first][at[first]], end = starts[first][at[first] + 1]; p < end; p++) {
      let previous = firstPositions[p];
      let complete = true;
      for (let i = 1; i < slots.length && complete; i++) {
        const slot = slots[i];
        const positions = lists[slot].positions;
        let q = starts[slot][at[slot]];
        const last = starts[slot][at[slot] + 1];
        while (q < last && positions[q] <= previous) q++;
        if (q < last && positions[q] <= previous + 1 + slop) previous = positions[q];
        else complete = false;
      }
      if (complete) return true;
    }
    return false;
  };
}

function containsPhrase(tokens: string[], phrase: string[], slop: number): boolean {
  for (let start = 0; start < tokens.length; start++) {
    if (tokens[start] !== phrase[0]) continue;
    let previous = start;
    let complete = true;
    for (let i = 1; i < phrase.length && complete; i++) {
      let next = -1;
      for (let at = previous + 1; at <= previous + 1 + slop && at < tokens.length; at++) {
        if (tokens[at] === phrase[i]) {
          next = at;
          break;
        }
      }
      if (next < 0) complete = false;
      else previous = next;
    }
    if (complete) return true;
  }
  return false;
}

/** Documents whose field equals `value` exactly: a keyword, a number, a boolean, or record metadata. */
function exactMatches(field: string, value: string | number | boolean, index: SearchSegment): Matches {
  if (field === MetaField.topic) return String(value) === index.topic ? Matches.all(index.docCount) : Matches.none();
  // A string may name a number, or a date, which JSON values' date strings were indexed as.
  const number = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : Number.NaN;
  const date = typeof value === "string" && Number.isNaN(number) ? detectedDate(value) : null;
  if (numericMetaFields.has(field)) return Number.isNaN(number) ? Matches.none() : numericDocs(field, index, (candidate) => candidate === number);
  const keywords = index.keywords(field);
  const ordinal = keywords?.ordinal(String(value)) ?? -1;
  const matches = ordinal < 0 ? Matches.none() : Matches.constant(keywords!.docs(ordinal));
  const wanted = date ?? number;
  return Number.isNaN(wanted) ? matches : union(matches, numericDocs(field, index, (candidate) => candidate === wanted), keepFirst);
}

/** Documents having a number in `field` that passes `test`, scoring 1. */
function numericDocs(field: string, index: SearchSegment, test: (value: number) => boolean): Matches {
  if (field === MetaField.partition) return test(index.partition) ? Matches.all(index.docCount) : Matches.none();
  const found = new AscendingBuilder();
  const column = field === MetaField.offset ? (doc: number) => index.offset(doc) : field === MetaField.timestamp ? (doc: number) => index.timestamp(doc) : null;
  if (column) {
    for (let doc = 0; doc < index.docCount; doc++) if (test(column(doc))) found.push(doc, 1);
    return found.matches();
  }
  let last = -1;
  index.numbers(field)?.forEach((doc, value) => {
    if (doc === last || !test(value)) return;
    last = doc;
    found.push(doc, 1);
  });
  return found.matches();
}

function matchRange(query: Extract<Query, { kind: "range" }>, index: SearchSegment, nowMs: number): Matches {
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
  let matches = Matches.none();
  if (numeric) {
    const { gt, gte, lt, lte } = numeric;
    const test = (value: number) =>
      (gt === undefined || value > gt) && (gte === undefined || value >= gte) && (lt === undefined || value < lt) && (lte === undefined || value <= lte);
    matches = numericDocs(field, index, test);
  }
  // Keyword fields compare as strings, as Elasticsearch's range on a keyword does.
  const keywords = index.keywords(field);
  if (keywords !== null) {
    const text = (bound: RangeBound | undefined) => (bound === undefined ? undefined : String(bound));
    const [gt, gte, lt, lte] = [text(query.gt), text(query.gte), text(query.lt), text(query.lte)];
    const found = new DocCollector();
    for (const [value, docs] of keywordEntries(keywords)) {
      const inside = (gt === undefined || value > gt) && (gte === undefined || value >= gte) && (lt === undefined || value < lt) && (lte === undefined || value <= lte);
      if (inside) found.addAll(docs);
    }
    matches = union(matches, found.matches(), keepFirst);
  }
  return matches;
}

function matchPrefix(field: string, prefix: string, index: SearchSegment): Matches {
  const found = new DocCollector();
  const termPrefix = terms(prefix).join(" ");
  const text = searchedText(index, field);
  if (termPrefix !== "" && text !== null) for (const term of text.terms(termPrefix)) found.addAll(text.postings(term)!.docs);
  for (const [value, docs] of keywordEntries(index.keywords(field))) if (value.startsWith(prefix)) found.addAll(docs);
  return found.matches();
}

/** Each value of a keyword field with its documents, in the field's order. */
function* keywordEntries(keywords: KeywordField | null): Generator<[string, ArrayLike<number>]> {
  if (keywords === null) return;
  for (let ordinal = 0; ordinal < keywords.cardinality; ordinal++) yield [keywords.value(ordinal), keywords.docs(ordinal)];
}

/** Documents that have `field` at all, scoring 1. */
export function fieldDocs(field: string, index: SearchSegment): Matches {
  if (field === MetaField.topic || numericMetaFields.has(field)) return Matches.all(index.docCount);
  const has = new Uint8Array(index.docCount);
  if (field === MetaField.value || field === MetaField.key) {
    const holds = field === MetaField.value ? (doc: number) => index.hasValue(doc) : (doc: number) => index.hasKey(doc);
    for (let doc = 0; doc < index.docCount; doc++) if (holds(doc)) has[doc] = 1;
  } else {
    const text = searchedText(index, field);
    if (text !== null) for (let doc = 0; doc < index.docCount; doc++) if (text.length(doc) > 0) has[doc] = 1;
    for (const [, list] of keywordEntries(index.keywords(field))) for (let i = 0; i < list.length; i++) has[list[i]] = 1;
    index.numbers(field)?.forEach((doc) => (has[doc] = 1));
  }
  const found = new AscendingBuilder();
  for (let doc = 0; doc < has.length; doc++) if (has[doc] === 1) found.push(doc, 1);
  return found.matches();
}

function evaluateBool(query: Extract<Query, { kind: "bool" }>, index: SearchSegment, context: EvaluateContext): Matches {
  const optional = query.should;
  const required = query.must.length + query.filter.length;
  const minimumShould =
    query.minimumShouldMatch !== null ? resolveMinimumShouldMatch(query.minimumShouldMatch, optional.length) : required === 0 ? 1 : 0;
  if (minimumShould > optional.length) return Matches.none();
  let result: Matches | null = null;
  for (const clause of query.must) {
    const next = evaluate(clause, index, context);
    result = result === null ? next : intersect(result, next, true);
  }
  for (const clause of query.filter) {
    const next = evaluate(clause, index, context);
    result = result === null ? next.withScore(0) : intersect(result, next, false);
  }
  const shouldMatches = optional.map((clause) => evaluate(clause, index, context));
  // Only should (or only must_not) clauses: candidates are the should matches (or everything).
  result ??= optional.length === 0 ? Matches.all(index.docCount, 0) : shouldMatches.reduce((all, matches) => union(all, matches, keepFirst), Matches.none()).withScore(0);
  if (optional.length > 0) {
    const cursors = shouldMatches.map((matches) => new Cursor(matches.docs, matches.size));
    const kept = new AscendingBuilder();
    for (let i = 0; i < result.size; i++) {
      const doc = result.docs[i];
      let matched = 0;
      let added = 0;
      for (let c = 0; c < cursors.length; c++) {
        const at = cursors[c].find(doc);
        if (at < 0) continue;
        matched++;
        added += shouldMatches[c].scores[at];
      }
      if (matched >= minimumShould) kept.push(doc, result.scores[i] + added);
    }
    result = kept.matches();
  }
  for (const clause of query.mustNot) result = subtract(result, evaluate(clause, index, context));
  return result;
}
