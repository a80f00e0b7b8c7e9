// A parsed search: the query plus paging, sorting, source filtering, highlighting and
// aggregations. Both front doors (HTTP JSON body, CLI flags) produce this.

import type { Query } from "./query.ts";

export interface SortSpec {
  /** "_score", "_timestamp", "_offset", "_partition" or a field of the documents. */
  field: string;
  order: "asc" | "desc";
}

export interface SourceFilter {
  enabled: boolean;
  /** Dotted paths, "*" wildcards allowed; empty means everything. */
  includes: string[];
  excludes: string[];
}

export interface HighlightSpec {
  fields: string[];
  preTag: string;
  postTag: string;
}

export type AggregationSpec =
  | { name: string; kind: "terms"; field: string; size: number }
  | { name: string; kind: "date_histogram"; field: string; intervalMs: number }
  | { name: string; kind: "min" | "max" | "avg" | "sum"; field: string };

export interface SearchRequest {
  query: Query;
  from: number;
  size: number;
  sort: SortSpec[];
  source: SourceFilter;
  highlight: HighlightSpec | null;
  aggregations: AggregationSpec[];
}

/** Elasticsearch's index.max_result_window: from + size may not exceed it. */
export const resultWindowMax = 10_000;
export const defaultSize = 10;

export const scoreSort: SortSpec[] = [{ field: "_score", order: "desc" }];

export function searchRequest(query: Query, parts: Partial<SearchRequest> = {}): SearchRequest {
  return {
    query,
    from: 0,
    size: defaultSize,
    sort: scoreSort,
    source: { enabled: true, includes: [], excludes: [] },
    highlight: null,
    aggregations: [],
    ...parts,
  };
}
