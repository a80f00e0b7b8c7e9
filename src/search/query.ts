// The query model both front doors parse into: the Lucene query string (lucene-parser.ts) and
// the Elasticsearch JSON DSL (es-dsl.ts). The searcher evaluates only this.

/** Field searched when a query names none: the value as text. */
export const defaultField = "_value";

export type RangeBound = number | string;

export type Query =
  | { kind: "match_all" }
  | { kind: "match_none" }
  /** Analyzed text: documents with any (operator "or") or all ("and") of the text's terms. */
  | { kind: "match"; field: string; text: string; operator: "or" | "and"; minimumShouldMatch: string | number | null }
  /** The text's terms next to each other, in order (within `slop` extra positions). */
  | { kind: "phrase"; field: string; text: string; slop: number }
  /** Exact value of a keyword, number or boolean field; not analyzed. */
  | { kind: "term"; field: string; value: string | number | boolean }
  | { kind: "terms"; field: string; values: (string | number | boolean)[] }
  /** Numbers, or times as ISO 8601 / epoch ms / "now-1h" on _timestamp. Bounds absent when open. */
  | { kind: "range"; field: string; gt?: RangeBound; gte?: RangeBound; lt?: RangeBound; lte?: RangeBound }
  /** Terms (of a text field) or keywords starting with `prefix`; matched lowercase on text. */
  | { kind: "prefix"; field: string; prefix: string }
  | { kind: "exists"; field: string }
  /** The best score of several queries (multi_match best_fields, Elasticsearch's dis_max). */
  | { kind: "dis_max"; queries: Query[] }
  | {
      kind: "bool";
      must: Query[];
      should: Query[];
      mustNot: Query[];
      filter: Query[];
      /** Should clauses a document must match: when null, 1 if there is no must/filter clause, else 0. */
      minimumShouldMatch: string | number | null;
    };

/** A query that cannot be run, reported as Elasticsearch does: an error type and a reason. */
export class QueryError extends Error {
  override name = "QueryError";
  /** Elasticsearch's error type, e.g. "parsing_exception", "query_shard_exception". */
  readonly type: string;

  constructor(type: string, reason: string) {
    super(reason);
    this.type = type;
  }
}

export function bool(parts: Partial<Extract<Query, { kind: "bool" }>>): Query {
  return { kind: "bool", must: [], should: [], mustNot: [], filter: [], minimumShouldMatch: null, ...parts };
}

/**
 * How many of `optional` clauses must match under Elasticsearch's minimum_should_match:
 * an integer, a negative integer (all but n), or a percentage ("75%", "-25%").
 */
export function resolveMinimumShouldMatch(spec: string | number, optional: number): number {
  const text = String(spec).trim();
  const match = /^(-?)(\d+)(%?)$/.exec(text);
  if (!match) throw new QueryError("query_shard_exception", `Invalid minimum_should_match "${text}"`);
  const amount = Number(match[2]);
  const count = match[3] === "%" ? Math.floor((optional * amount) / 100) : amount;
  const required = match[1] === "-" ? optional - count : count;
  return Math.max(0, Math.min(optional, required));
}

/** Milliseconds in each unit of date math and intervals ("now-15m", "1h"). */
export const timeUnitMs: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/**
 * A time as epoch milliseconds: a number, digits, ISO 8601 ("2024-05-01", "2024-05-01T10:00:00Z"),
 * or date math relative to now ("now", "now-15m", "now+1d"). Throws QueryError otherwise.
 */
export function parseTimeMs(bound: RangeBound, nowMs: number): number {
  if (typeof bound === "number") return bound;
  const text = bound.trim();
  if (/^-?\d+$/.test(text)) return Number(text);
  const relative = /^now(?:([+-])(\d+)(ms|s|m|h|d|w))?$/.exec(text);
  if (relative) {
    if (relative[1] === undefined) return nowMs;
    const delta = Number(relative[2]) * timeUnitMs[relative[3]];
    return relative[1] === "-" ? nowMs - delta : nowMs + delta;
  }
  const parsed = Date.parse(text);
  if (Number.isNaN(parsed)) throw new QueryError("parse_exception", `Cannot parse time "${text}": expected epoch ms, ISO 8601 or now-<n><unit>`);
  return parsed;
}
