// The Elasticsearch-shaped search endpoints:
//   POST|GET /_search            every searchable topic
//   POST|GET /<topic>[,<topic>…]/_search
//   GET /_stats/search           indexer and memory figures
// The body is the Elasticsearch query DSL; `?q=` takes a Lucene query string instead (with
// `size`, `from`, `sort=field:asc|desc` and `default_operator`). A bad query is a 400 whose
// body names the problem as Elasticsearch does; an unknown topic is a 404.
// When the broker authenticates, a search needs READ on each topic it names, as a Kafka consumer
// does; a search of every topic covers only those the user may READ (none: an empty answer); the
// figures of /_stats/search, over every topic, need DESCRIBE on the cluster.

import { parseSearchBody } from "../search/es-dsl.ts";
import { Operation } from "../security/acl.ts";
import { AccessDeniedError, forbidden, HttpAccess } from "./http-access.ts";
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

export interface SearchAccess {
  /** What the request may do (HttpAccess.open when the broker authenticates nobody). */
  access: HttpAccess;
  /** The names of the searchable topics, for a search of every topic by a user who may not READ them all. */
  searchableTopics: () => string[];
}

const searchAction = "indices:data/read/search";
const openSearch: SearchAccess = { access: HttpAccess.open, searchableTopics: () => [] };

/** An answer with no hits, for a search of every topic by a user who may READ none of them. */
function emptyResult(): SearchResponse {
  return { took: 0, timed_out: false, _shards: { total: 0, successful: 0, skipped: 0, failed: 0 }, hits: { total: { value: 0, relation: "eq" }, max_score: null, hits: [] } };
}

/** The topics to search: those named, each needing READ; or every one the user may READ ([] for all); null for none. */
function allowedTopics(named: string | undefined, { access, searchableTopics }: SearchAccess): string[] | null {
  if (named !== undefined && named !== "_all" && named !== "*") {
    const topics = decodeURIComponent(named).split(",");
    for (const topic of topics) access.requireTopic(searchAction, Operation.READ, topic);
    return topics;
  }
  if (access.principal === null) return [];
  const searchable = searchableTopics();
  const readable = searchable.filter((topic) => access.allowsTopic(Operation.READ, topic));
  if (readable.length === searchable.length) return [];
  return readable.length === 0 ? null : readable;
}

export async function handleSearch(request: Request, api: SearchApi, options: SearchAccess = openSearch): Promise<Response> {
  try {
    return await route(request, api, options);
  } catch (error) {
    if (error instanceof AccessDeniedError) return forbidden(error);
    throw error;
  }
}

async function route(request: Request, api: SearchApi, options: SearchAccess): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === statsPath && request.method === "GET") {
    options.access.requireCluster("indices:monitor/stats", Operation.DESCRIBE);
    return json(await api.stats());
  }
  const match = searchPath.exec(url.pathname);
  if (!match || (request.method !== "GET" && request.method !== "POST")) {
    return errorResponse("illegal_argument_exception", `Method "${request.method}" is not allowed on "${url.pathname}"`, 405);
  }
  try {
    const topics = allowedTopics(match[1], options);
    const parsed = url.searchParams.has("q") ? fromQueryString(url.searchParams) : parseSearchBody(await readJsonBody(request));
    return json(topics === null ? emptyResult() : await api.search(topics, parsed));
  } catch (error) {
    if (error instanceof URIError) return errorResponse("illegal_argument_exception", `Bad percent-encoding in "${url.pathname}"`, 400);
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
