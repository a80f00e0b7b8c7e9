// Runs a query on one segment index: the matching documents (index-local ids) with their
// scores. Text clauses score with BM25 over global statistics; term, range, prefix, exists and
// match_all score a constant 1 (as Elasticsearch's constant-score queries); filter and
// must_not clauses never add to a score.

import { detectedDate, indexedText, MetaField } from "./document.ts";
import { parseTimeMs, type Query, QueryError, type RangeBound, resolveMinimumShouldMatch } from "./query.ts";
import type { GlobalStats } from "./scoring.ts";
import type { KeywordField, Postings, SearchSegment } from "./search-segment.ts";
import { terms } from "./tokenizer.ts";
import { searchedText } from "./value-text.ts";

/** Document id → score. */
export type Matches = Map<number, number>;

export interface EvaluateContext {
  stats: GlobalStats;
  nowMs: number;
}

const numericMetaFields = new Set<string>([MetaField.offset, MetaField.timestamp, MetaField.partition]);

export function evaluate(query: Query, index: SearchSegment, context: EvaluateContext): Matches {
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

function allDocs(index: SearchSegment): Matches {
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

function matchText(query: Extract<Query, { kind: "match" }>, index: SearchSegment, context: EvaluateContext): Matches {
  const queryTerms = [...new Set(terms(query.text))];
  const text = searchedText(index, query.field);
  if (queryTerms.length === 0 || text === null) return new Map();
  const required =
    query.operator === "and"
      ? queryTerms.length
      : query.minimumShouldMatch === null
        ? 1
        : Math.max(1, resolveMinimumShouldMatch(query.minimumShouldMatch, queryTerms.length));
  const scores: Matches = new Map();
  const counts = required > 1 ? new Map<number, number>() : null;
  for (const term of queryTerms) {
    const score = context.stats.termScorer(query.field, context.stats.matching(query.field, term));
    const postings = text.postings(term);
    if (postings === null) continue;
    const { docs, freqs } = postings;
    for (let i = 0; i < docs.length; i++) {
      const doc = docs[i];
      const termScore = score(freqs[i], text.length(doc));
      const before = scores.get(doc);
      scores.set(doc, before === undefined ? termScore : before + termScore);
      counts?.set(doc, (counts.get(doc) ?? 0) + 1);
    }
  }
  if (counts) for (const [doc, count] of counts) if (count < required) scores.delete(doc);
  return scores;
}

/**
 * Documents with the phrase's terms in order (each within `slop` extra positions of the one
 * before). The index keeps no positions (not built yet: docs/search.md, Limits), so the
 * documents having every term are checked against their re-analysed text, read from the log; a
 * match scores as the sum of its terms.
 */
function matchPhrase(field: string, phrase: string[], slop: number, index: SearchSegment, context: EvaluateContext): Matches {
  const text = searchedText(index, field);
  if (phrase.length === 0 || text === null) return new Map();
  const distinct = [...new Set(phrase)];
  const postings = distinct.map((term) => text.postings(term));
  if (postings.some((list) => list === null)) return new Map();
  const frequencies = postings.map((list) => docFrequencies(list!));
  const scorers = distinct.map((term) => context.stats.termScorer(field, context.stats.matching(field, term)));
  const rarest = frequencies.reduce((best, candidate) => (candidate.size < best.size ? candidate : best));
  const matches: Matches = new Map();
  for (const doc of rarest.keys()) {
    if (!frequencies.every((docs) => docs.has(doc))) continue;
    const textOfDoc = indexedText(index.record(doc), field);
    if (textOfDoc === null || !containsPhrase(terms(textOfDoc), phrase, slop)) continue;
    let score = 0;
    scorers.forEach((termScore, i) => (score += termScore(frequencies[i].get(doc)!, text.length(doc))));
    matches.set(doc, score);
  }
  return matches;
}

/** A term's documents with its count in each. */
function docFrequencies(postings: Postings): Map<number, number> {
  const found = new Map<number, number>();
  for (let i = 0; i < postings.docs.length; i++) found.set(postings.docs[i], postings.freqs[i]);
  return found;
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
  if (field === MetaField.topic) return String(value) === index.topic ? allDocs(index) : new Map();
  // A string may name a number, or a date, which JSON values' date strings were indexed as.
  const number = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : Number.NaN;
  const date = typeof value === "string" && Number.isNaN(number) ? detectedDate(value) : null;
  if (numericMetaFields.has(field)) return Number.isNaN(number) ? new Map() : constant(numericDocs(field, index, (candidate) => candidate === number));
  const keywords = index.keywords(field);
  const ordinal = keywords?.ordinal(String(value)) ?? -1;
  const matches = constant(ordinal < 0 ? [] : Array.from(keywords!.docs(ordinal)));
  const wanted = date ?? number;
  if (!Number.isNaN(wanted)) for (const doc of numericDocs(field, index, (candidate) => candidate === wanted)) matches.set(doc, 1);
  return matches;
}

/** Documents having a number in `field` that passes `test`. */
function numericDocs(field: string, index: SearchSegment, test: (value: number) => boolean): number[] {
  const found: number[] = [];
  if (field === MetaField.partition) return test(index.partition) ? [...allDocs(index).keys()] : [];
  const column = field === MetaField.offset ? (doc: number) => index.offset(doc) : field === MetaField.timestamp ? (doc: number) => index.timestamp(doc) : null;
  if (column) {
    for (let doc = 0; doc < index.docCount; doc++) if (test(column(doc))) found.push(doc);
    return found;
  }
  let last = -1;
  index.numbers(field)?.forEach((doc, value) => {
    if (doc === last || !test(value)) return;
    last = doc;
    found.push(doc);
  });
  return found;
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
  const matches: Matches = new Map();
  if (numeric) {
    const { gt, gte, lt, lte } = numeric;
    const test = (value: number) =>
      (gt === undefined || value > gt) && (gte === undefined || value >= gte) && (lt === undefined || value < lt) && (lte === undefined || value <= lte);
    for (const doc of numericDocs(field, index, test)) matches.set(doc, 1);
  }
  // Keyword fields compare as strings, as Elasticsearch's range on a keyword does.
  {
    const text = (bound: RangeBound | undefined) => (bound === undefined ? undefined : String(bound));
    const [gt, gte, lt, lte] = [text(query.gt), text(query.gte), text(query.lt), text(query.lte)];
    for (const [value, docs] of keywordEntries(index.keywords(field))) {
      const inside = (gt === undefined || value > gt) && (gte === undefined || value >= gte) && (lt === undefined || value < lt) && (lte === undefined || value <= lte);
      if (inside) for (let i = 0; i < docs.length; i++) matches.set(docs[i], 1);
    }
  }
  return matches;
}

function matchPrefix(field: string, prefix: string, index: SearchSegment): Matches {
  const matches: Matches = new Map();
  const termPrefix = terms(prefix).join(" ");
  const text = searchedText(index, field);
  if (termPrefix !== "" && text !== null) {
    for (const term of text.terms(termPrefix)) {
      const { docs } = text.postings(term)!;
      for (let i = 0; i < docs.length; i++) matches.set(docs[i], 1);
    }
  }
  for (const [value, docs] of keywordEntries(index.keywords(field))) if (value.startsWith(prefix)) for (let i = 0; i < docs.length; i++) matches.set(docs[i], 1);
  return matches;
}

/** Each value of a keyword field with its documents, in the field's order. */
function* keywordEntries(keywords: KeywordField | null): Generator<[string, ArrayLike<number>]> {
  if (keywords === null) return;
  for (let ordinal = 0; ordinal < keywords.cardinality; ordinal++) yield [keywords.value(ordinal), keywords.docs(ordinal)];
}

/** Documents that have `field` at all. */
export function fieldDocs(field: string, index: SearchSegment): Set<number> {
  const docs = new Set<number>();
  if (field === MetaField.topic || numericMetaFields.has(field)) return new Set(allDocs(index).keys());
  if (field === MetaField.value || field === MetaField.key) {
    const has = field === MetaField.value ? (doc: number) => index.hasValue(doc) : (doc: number) => index.hasKey(doc);
    for (let doc = 0; doc < index.docCount; doc++) if (has(doc)) docs.add(doc);
    return docs;
  }
  const text = searchedText(index, field);
  if (text !== null) for (let doc = 0; doc < index.docCount; doc++) if (text.length(doc) > 0) docs.add(doc);
  for (const [, list] of keywordEntries(index.keywords(field))) for (let i = 0; i < list.length; i++) docs.add(list[i]);
  index.numbers(field)?.forEach((doc) => docs.add(doc));
  return docs;
}

function evaluateBool(query: Extract<Query, { kind: "bool" }>, index: SearchSegment, context: EvaluateContext): Matches {
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
