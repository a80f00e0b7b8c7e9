// The Elasticsearch-shaped search endpoints:
//   POST|GET /_search            every searchable topic
//   POST|GET /<topic>[,<topic>…]/_search
//   GET /_stats/search           indexer and memory figures
// The body is the Elasticsearch query DSL; `?q=` takes a Lucene query string instead (with
// `size`, `from`, `sort=field:asc|desc` and `default_operator`). A bad query is a 400 whose
// body names the problem as Elasticsearch does; an unknown topic is a 404.

import { parseSearchBody } from "../search/es-dsl.ts";
import { BadRequestError, errorResponse, json, readJsonBody, requestBodyBytesMax } from "./responses.ts";
import { parseLuceneQuery } from "../search/lucene-parser.ts";
import { QueryError } from "../search/query.ts";
import type { SearchResponse } from "../search/searcher.ts";
import { resultWindowMax, searchRequest, type SearchRequest, type SortSpec } from "../search/search-request.ts";

export interface SearchApi {
  search(topics: string[], request: SearchRequest): Promise<SearchResponse>;
  /** Indexer and memory figures for GET /_stats/search. */
  stats(): Promise<Record<string, number>>;
}

/** Largest request body accepted, in bytes. */
export const searchBodyBytesMax = requestBodyBytesMax;

const searchPath = /^\/(?:([^/]+)\/)?_search$/;
const statsPath = "/_stats/search";

export function isSearchPath(pathname: string): boolean {
  return pathname === statsPath || searchPath.test(pathname);
}


export async function handleSearch(request: Request, api: SearchApi): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === statsPath && request.method === "GET") return json(await api.stats());
  const match = searchPath.exec(url.pathname);
  if (!match || (request.method !== "GET" && request.method !== "POST")) {
    return errorResponse("illegal_argument_exception", `Method "${request.method}" is not allowed on "${url.pathname}"`, 405);
  }
  const topics = match[1] === undefined || match[1] === "_all" || match[1] === "*" ? [] : decodeURIComponent(match[1]).split(",");
  try {
    const parsed = url.searchParams.has("q") ? fromQueryString(url.searchParams) : parseSearchBody(await readJsonBody(request));
    return json(await api.search(topics, parsed));
  } catch (error) {
    if (error instanceof BadRequestError) return errorResponse(error.type, error.message, 400);
    if (!(error instanceof QueryError)) throw error;
    return errorResponse(error.type, error.message, error.type === "index_not_found_exception" ? 404 : 400);
  }
}

function fromQueryString(params: URLSearchParams): SearchRequest {
  const operator = params.get("default_operator")?.toLowerCase() ?? "or";
  if (operator !== "or" && operator !== "and") throw new QueryError("illegal_argument_exception", `default_operator must be "or" or "and", not "${operator}"`);
  const number = (name: string, fallback: number) => {
    const text = params.get(name);
    if (text === null) return fallback;
    if (!/^\d+$/.test(text) || Number(text) > resultWindowMax) throw new QueryError("illegal_argument_exception", `${name} must be a whole number up to ${resultWindowMax}, not "${text}"`);
    return Number(text);
  };
  const sort = params.get("sort");
  const sortSpecs: SortSpec[] | undefined = sort === null ? undefined : sort.split(",").map(parseSortParam);
  return searchRequest(parseLuceneQuery(params.get("q") ?? "", { defaultOperator: operator }), {
    from: number("from", 0),
    size: number("size", 10),
    ...(sortSpecs ? { sort: sortSpecs } : {}),
  });
}

function parseSortParam(text: string): SortSpec {
  const [field, order = field === "_score" ? "desc" : "asc"] = text.split(":");
  if (order !== "asc" && order !== "desc") throw new QueryError("illegal_argument_exception", `Sort order must be "asc" or "desc", not "${order}"`);
  return { field, order };
}
