// Turns a matching document into an Elasticsearch-shaped hit: coordinates, the value as
// _source (parsed when it is JSON, filtered by _source includes/excludes), and highlights.

import { indexedText } from "./document.ts";
import { defaultField, type Query } from "./query.ts";
import type { HighlightSpec, SourceFilter } from "./search-request.ts";
import type { SearchSegment, StoredRecord } from "./search-segment.ts";
import { terms, tokenize } from "./tokenizer.ts";

/** Characters of context kept around the first highlighted term of a long text. */
export const fragmentChars = 200;

export interface Hit {
  _index: string;
  _id: string;
  _score: number | null;
  _source?: unknown;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  headers: Record<string, string>;
  /** Present when the value was not UTF-8: it is then neither indexed as text nor returned. */
  value_binary?: true;
  highlight?: Record<string, string[]>;
  sort?: unknown[];
}

export function buildHit(index: SearchSegment, doc: number, score: number | null, options: { source: SourceFilter; highlight: HighlightSpec | null; query: Query }): Hit {
  const record = index.record(doc);
  const value = record.value;
  const offset = index.offset(doc);
  const hit: Hit = {
    _index: index.topic,
    _id: `${index.topic}/${index.partition}/${offset}`,
    _score: score,
    partition: index.partition,
    offset,
    timestamp: index.timestamp(doc),
    key: record.key,
    headers: record.headers,
  };
  if (options.source.enabled) hit._source = value === null ? null : filterSource(parseValue(value), options.source);
  if (record.valueIsBinary) hit.value_binary = true;
  if (options.highlight) {
    const highlight = highlightDoc(record, options.highlight, options.query);
    if (Object.keys(highlight).length > 0) hit.highlight = highlight;
  }
  return hit;
}

function parseValue(value: string): unknown {
  const start = value.trimStart()[0];
  if (start !== "{" && start !== "[") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function wildcardPattern(path: string): RegExp {
  const escaped = path.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*");
  return new RegExp(`^${escaped}(\\..*)?$`);
}

/** Keeps the included and drops the excluded dotted paths of a JSON object; other values pass unchanged. */
export function filterSource(source: unknown, filter: SourceFilter): unknown {
  if (typeof source !== "object" || source === null || Array.isArray(source)) return source;
  if (filter.includes.length === 0 && filter.excludes.length === 0) return source;
  const includes = filter.includes.map(wildcardPattern);
  const excludes = filter.excludes.map(wildcardPattern);
  const walk = (node: Record<string, unknown>, prefix: string): Record<string, unknown> => {
    const kept: Record<string, unknown> = {};
    for (const [name, child] of Object.entries(node)) {
      const path = prefix === "" ? name : `${prefix}.${name}`;
      if (excludes.some((pattern) => pattern.test(path))) continue;
      const included = includes.length === 0 || includes.some((pattern) => pattern.test(path));
      if (included) kept[name] = child;
      else if (typeof child === "object" && child !== null && !Array.isArray(child)) {
        const nested = walk(child as Record<string, unknown>, path);
        if (Object.keys(nested).length > 0) kept[name] = nested;
      }
    }
    return kept;
  };
  return walk(source as Record<string, unknown>, "");
}

/** The terms and prefixes `query` searches in `field`, for highlighting. */
function highlightTerms(query: Query, field: string, into: { terms: Set<string>; prefixes: string[] }): void {
  switch (query.kind) {
    case "match":
    case "phrase":
      if (query.field === field) for (const term of terms(query.text)) into.terms.add(term);
      break;
    case "prefix":
      if (query.field === field) into.prefixes.push(terms(query.prefix).join(""));
      break;
    case "dis_max":
      for (const part of query.queries) highlightTerms(part, field, into);
      break;
    case "bool":
      for (const part of [...query.must, ...query.should, ...query.filter]) highlightTerms(part, field, into);
      break;
    default:
      break;
  }
}

/** The text a highlight marks: the value itself for the default field, else the text the field was indexed with. */
function fieldText(record: StoredRecord, field: string): string | null {
  return field === defaultField ? record.value : indexedText(record, field);
}

function highlightDoc(record: StoredRecord, spec: HighlightSpec, query: Query): Record<string, string[]> {
  const highlight: Record<string, string[]> = {};
  for (const field of spec.fields) {
    const wanted = { terms: new Set<string>(), prefixes: [] as string[] };
    highlightTerms(query, field, wanted);
    const text = fieldText(record, field);
    if (text === null || (wanted.terms.size === 0 && wanted.prefixes.length === 0)) continue;
    const marked = tokenize(text).filter((token) => wanted.terms.has(token.term) || wanted.prefixes.some((prefix) => token.term.startsWith(prefix)));
    if (marked.length === 0) continue;
    highlight[field] = [fragment(text, marked, spec)];
  }
  return highlight;
}

/** `text` around its marked spans (at most fragmentChars from the first), with the tags around each. */
function fragment(text: string, marked: { start: number; end: number }[], spec: HighlightSpec): string {
  const from = text.length <= fragmentChars ? 0 : Math.max(0, marked[0].start - fragmentChars / 4);
  const to = Math.min(text.length, from + fragmentChars);
  let result = "";
  let at = from;
  for (const span of marked) {
    if (span.start < at || span.end > to) continue;
    result += text.slice(at, span.start) + spec.preTag + text.slice(span.start, span.end) + spec.postTag;
    at = span.end;
  }
  return result + text.slice(at, to);
}
