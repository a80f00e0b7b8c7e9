// The Elasticsearch query DSL (the JSON body of POST /_search) into the query model.
// Supported: match (operator, minimum_should_match), match_phrase (slop), multi_match,
// term, terms, range (gt/gte/lt/lte), prefix, exists, bool (must/should/must_not/filter,
// minimum_should_match), query_string, match_all, match_none; from/size, sort, _source,
// highlight; aggs terms, date_histogram, min, max, avg, sum. Anything else is a QueryError
// naming it, as Elasticsearch answers with a parsing_exception.

import { parseLuceneQuery } from "./lucene-parser.ts";
import { bool, defaultField, type Query, QueryError, timeUnitMs } from "./query.ts";
import {
  type AggregationSpec,
  defaultSize,
  type HighlightSpec,
  resultWindowMax,
  scoreSort,
  type SearchRequest,
  type SortSpec,
  type SourceFilter,
} from "./search-request.ts";

/** Nesting of bool queries accepted. */
export const dslDepthMax = 32;
/** Aggregations per request. */
export const aggregationsMax = 20;
/** Buckets a terms aggregation may ask for. */
export const termsBucketsMax = 1000;

type Json = Record<string, unknown>;

function fail(reason: string): never {
  throw new QueryError("parsing_exception", reason);
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function objectOf(value: unknown, what: string): Json {
  if (!isObject(value)) fail(`[${what}] must be an object`);
  return value;
}

/** The single `{ name: body }` entry of a query clause. */
function single(value: unknown, what: string): [string, unknown] {
  const entries = Object.entries(objectOf(value, what));
  if (entries.length !== 1) fail(`[${what}] must hold exactly one entry, found ${entries.length}`);
  return entries[0];
}

function stringOf(value: unknown, what: string): string {
  if (typeof value !== "string") fail(`[${what}] must be a string`);
  return value;
}

function scalarOf(value: unknown, what: string): string | number | boolean {
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  fail(`[${what}] must be a string, number or boolean`);
}

function integerOf(value: unknown, what: string, min: number, max: number): number {
  const number = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== "number" || !Number.isInteger(number) || number < min || number > max) {
    fail(`[${what}] must be a whole number from ${min} to ${max}`);
  }
  return number;
}

/** Parses a whole request body (null or {} means match_all). */
export function parseSearchBody(body: unknown): SearchRequest {
  if (body === null || body === undefined) body = {};
  const json = objectOf(body, "search request");
  const known = new Set(["query", "from", "size", "sort", "_source", "highlight", "aggs", "aggregations", "track_total_hits", "timeout"]);
  for (const key of Object.keys(json)) if (!known.has(key)) fail(`Unknown key for a search request: [${key}]`);
  const from = json.from === undefined ? 0 : integerOf(json.from, "from", 0, resultWindowMax);
  const size = json.size === undefined ? defaultSize : integerOf(json.size, "size", 0, resultWindowMax);
  if (from + size > resultWindowMax) {
    throw new QueryError("illegal_argument_exception", `Result window is too large, from + size must be at most ${resultWindowMax} but was ${from + size}`);
  }
  return {
    query: json.query === undefined ? { kind: "match_all" } : parseQueryClause(json.query, 0),
    from,
    size,
    sort: parseSort(json.sort),
    source: parseSource(json._source),
    highlight: json.highlight === undefined ? null : parseHighlight(json.highlight),
    aggregations: parseAggregations(json.aggs ?? json.aggregations),
  };
}

/** Parses one query clause such as `{"match": {"message": "disk full"}}`. */
export function parseQueryClause(value: unknown, depth: number): Query {
  if (depth > dslDepthMax) fail(`Queries nested deeper than ${dslDepthMax}`);
  const [kind, body] = single(value, "query");
  switch (kind) {
    case "match_all":
      return { kind: "match_all" };
    case "match_none":
      return { kind: "match_none" };
    case "match":
      return parseMatch(body);
    case "match_phrase":
      return parsePhrase(body);
    case "multi_match":
      return parseMultiMatch(body);
    case "term":
      return parseTerm(body);
    case "terms":
      return parseTerms(body);
    case "range":
      return parseRange(body);
    case "prefix":
      return parsePrefix(body);
    case "exists":
      return { kind: "exists", field: stringOf(objectOf(body, "exists").field, "exists.field") };
    case "bool":
      return parseBool(body, depth);
    case "query_string":
      return parseQueryString(body);
    default:
      fail(`Unknown query [${kind}]`);
  }
}

/** `{field: "text"}` or `{field: {query: "text", ...options}}`. */
function fieldAndOptions(body: unknown, what: string, valueKey: string): { field: string; options: Json } {
  const [field, spec] = single(body, what);
  return { field, options: isObject(spec) ? spec : { [valueKey]: spec } };
}

function parseOperator(value: unknown): "or" | "and" {
  if (value === undefined) return "or";
  const operator = stringOf(value, "operator").toLowerCase();
  if (operator !== "or" && operator !== "and") fail(`[operator] must be "or" or "and", not "${operator}"`);
  return operator;
}

function parseMinimumShouldMatch(value: unknown): string | number | null {
  if (value === undefined) return null;
  if (typeof value === "number" || typeof value === "string") return value;
  fail("[minimum_should_match] must be a number or a string");
}

function parseMatch(body: unknown): Query {
  const { field, options } = fieldAndOptions(body, "match", "query");
  return {
    kind: "match",
    field,
    text: String(scalarOf(options.query, "match.query")),
    operator: parseOperator(options.operator),
    minimumShouldMatch: parseMinimumShouldMatch(options.minimum_should_match),
  };
}

function parsePhrase(body: unknown): Query {
  const { field, options } = fieldAndOptions(body, "match_phrase", "query");
  const slop = options.slop === undefined ? 0 : integerOf(options.slop, "slop", 0, 100);
  return { kind: "phrase", field, text: stringOf(options.query, "match_phrase.query"), slop };
}

function parseMultiMatch(body: unknown): Query {
  const options = objectOf(body, "multi_match");
  const text = String(scalarOf(options.query, "multi_match.query"));
  const fields = options.fields === undefined ? [defaultField] : options.fields;
  if (!Array.isArray(fields) || fields.length === 0) fail("[multi_match.fields] must be a non-empty array");
  const type = options.type === undefined ? "best_fields" : stringOf(options.type, "multi_match.type");
  const operator = parseOperator(options.operator);
  const minimumShouldMatch = parseMinimumShouldMatch(options.minimum_should_match);
  const queries: Query[] = fields.map((field) => {
    const name = stringOf(field, "multi_match.fields");
    if (type === "phrase") return { kind: "phrase", field: name, text, slop: 0 };
    return { kind: "match", field: name, text, operator, minimumShouldMatch };
  });
  if (type === "best_fields" || type === "phrase") return { kind: "dis_max", queries };
  if (type === "most_fields") return bool({ should: queries });
  fail(`[multi_match] type "${type}" is not supported (best_fields, most_fields, phrase)`);
}

function parseTerm(body: unknown): Query {
  const { field, options } = fieldAndOptions(body, "term", "value");
  return { kind: "term", field, value: scalarOf(options.value, "term.value") };
}

function parseTerms(body: unknown): Query {
  const [field, values] = single(body, "terms");
  if (!Array.isArray(values)) fail("[terms] values must be an array");
  return { kind: "terms", field, values: values.map((value) => scalarOf(value, "terms")) };
}

function parseRange(body: unknown): Query {
  const [field, spec] = single(body, "range");
  const options = objectOf(spec, "range");
  const range: Extract<Query, { kind: "range" }> = { kind: "range", field };
  for (const [key, bound] of Object.entries(options)) {
    if (key === "format" || key === "time_zone") continue;
    if (key !== "gt" && key !== "gte" && key !== "lt" && key !== "lte") fail(`[range] query does not support [${key}]`);
    if (typeof bound !== "number" && typeof bound !== "string") fail(`[range.${key}] must be a number or a string`);
    range[key] = bound;
  }
  return range;
}

function parsePrefix(body: unknown): Query {
  const { field, options } = fieldAndOptions(body, "prefix", "value");
  return { kind: "prefix", field, prefix: stringOf(options.value, "prefix.value") };
}

function clauses(value: unknown, depth: number): Query[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((clause) => parseQueryClause(clause, depth + 1));
}

function parseBool(body: unknown, depth: number): Query {
  const options = objectOf(body, "bool");
  for (const key of Object.keys(options)) {
    if (!["must", "should", "must_not", "filter", "minimum_should_match", "boost"].includes(key)) fail(`[bool] query does not support [${key}]`);
  }
  return bool({
    must: clauses(options.must, depth),
    should: clauses(options.should, depth),
    mustNot: clauses(options.must_not, depth),
    filter: clauses(options.filter, depth),
    minimumShouldMatch: parseMinimumShouldMatch(options.minimum_should_match),
  });
}

function parseQueryString(body: unknown): Query {
  const options = objectOf(body, "query_string");
  const field = options.default_field === undefined ? defaultField : stringOf(options.default_field, "default_field");
  return parseLuceneQuery(stringOf(options.query, "query_string.query"), {
    defaultField: field === "*" ? defaultField : field,
    defaultOperator: parseOperator(options.default_operator),
  });
}

function parseSort(value: unknown): SortSpec[] {
  if (value === undefined) return scoreSort;
  const list = Array.isArray(value) ? value : [value];
  return list.map((entry): SortSpec => {
    if (typeof entry === "string") return { field: entry, order: entry === "_score" ? "desc" : "asc" };
    const [field, spec] = single(entry, "sort");
    const order = typeof spec === "string" ? spec : isObject(spec) ? spec.order : undefined;
    if (order !== "asc" && order !== "desc") fail(`[sort] order for [${field}] must be "asc" or "desc"`);
    return { field, order };
  });
}

function parseSource(value: unknown): SourceFilter {
  if (value === undefined || value === true) return { enabled: true, includes: [], excludes: [] };
  if (value === false) return { enabled: false, includes: [], excludes: [] };
  const paths = (list: unknown, what: string): string[] => {
    if (list === undefined) return [];
    const array = Array.isArray(list) ? list : [list];
    return array.map((path) => stringOf(path, what));
  };
  if (typeof value === "string" || Array.isArray(value)) return { enabled: true, includes: paths(value, "_source"), excludes: [] };
  const options = objectOf(value, "_source");
  return { enabled: true, includes: paths(options.includes, "_source.includes"), excludes: paths(options.excludes, "_source.excludes") };
}

function parseHighlight(value: unknown): HighlightSpec {
  const options = objectOf(value, "highlight");
  const fields = options.fields === undefined ? {} : options.fields;
  const names = Array.isArray(fields) ? fields.map((entry) => single(entry, "highlight.fields")[0]) : Object.keys(objectOf(fields, "highlight.fields"));
  const tag = (tags: unknown, fallback: string) => (Array.isArray(tags) && typeof tags[0] === "string" ? tags[0] : fallback);
  return {
    fields: names.length === 0 ? [defaultField] : names.map((name) => (name === "*" ? defaultField : name)),
    preTag: tag(options.pre_tags, "<em>"),
    postTag: tag(options.post_tags, "</em>"),
  };
}

function parseAggregations(value: unknown): AggregationSpec[] {
  if (value === undefined) return [];
  const entries = Object.entries(objectOf(value, "aggs"));
  if (entries.length > aggregationsMax) fail(`At most ${aggregationsMax} aggregations are allowed, found ${entries.length}`);
  return entries.map(([name, spec]) => {
    const definition = Object.entries(objectOf(spec, `aggs.${name}`)).filter(([key]) => key !== "meta");
    if (definition.length !== 1) fail(`Aggregation [${name}] must define exactly one type (nested aggregations are not supported)`);
    const [kind, body] = definition[0];
    const options = objectOf(body, `aggs.${name}.${kind}`);
    const field = stringOf(options.field, `aggs.${name}.${kind}.field`);
    switch (kind) {
      case "terms":
        return { name, kind, field, size: options.size === undefined ? 10 : integerOf(options.size, "terms.size", 1, termsBucketsMax) };
      case "date_histogram":
        return { name, kind, field, intervalMs: parseInterval(options.fixed_interval ?? options.calendar_interval ?? options.interval) };
      case "min":
      case "max":
      case "avg":
      case "sum":
        return { name, kind, field };
      default:
        fail(`Unknown aggregation type [${kind}] in [${name}]`);
    }
  });
}

/** "30s", "5m", "1h", "1d", "1w" (and the calendar names minute, hour, day, week) in ms. */
export function parseInterval(value: unknown): number {
  const named: Record<string, string> = { second: "1s", minute: "1m", hour: "1h", day: "1d", week: "1w" };
  const text = named[String(value)] ?? String(value);
  const match = /^(\d+)(ms|s|m|h|d|w)$/.exec(text);
  if (!match || Number(match[1]) === 0) fail(`[date_histogram] needs an interval such as "1m", "1h" or "1d", not "${String(value)}"`);
  return Number(match[1]) * timeUnitMs[match[2]];
}
