import { describe, expect, test } from "bun:test";
import { handleSearch, isSearchPath, type SearchApi } from "../../src/http/search-routes.ts";
import { QueryError } from "../../src/search/query.ts";
import type { SearchRequest } from "../../src/search/search-request.ts";

/** Records what the routes asked for; answers an empty result. */
function fakeApi(): SearchApi & { calls: { topics: string[]; request: SearchRequest }[] } {
  const calls: { topics: string[]; request: SearchRequest }[] = [];
  return {
    calls,
    async search(topics, request) {
      if (topics.includes("missing")) throw new QueryError("index_not_found_exception", 'No such searchable topic "missing"');
      calls.push({ topics, request });
      return { took: 0, timed_out: false, _shards: { total: 0, successful: 0, skipped: 0, failed: 0 }, hits: { total: { value: 0, relation: "eq" }, max_score: null, hits: [] } };
    },
    async stats() {
      return { partitions: 2 };
    },
  };
}

const url = (path: string) => `http://localhost${path}`;

describe("search routes", () => {
  test("recognise /_search, /<topics>/_search and /_stats/search only", () => {
    expect(["/_search", "/logs/_search", "/a,b/_search", "/_stats/search"].every(isSearchPath)).toBe(true);
    expect(["/health", "/logs/_search/x", "/a/b/_search"].some(isSearchPath)).toBe(false);
  });

  test("POST takes the DSL body; the path names the topics", async () => {
    const api = fakeApi();
    const response = await handleSearch(new Request(url("/a,b/_search"), { method: "POST", body: '{"query":{"term":{"level":"error"}},"size":3}' }), api);
    expect(response.status).toBe(200);
    expect(api.calls[0].topics).toEqual(["a", "b"]);
    expect(api.calls[0].request).toMatchObject({ size: 3, query: { kind: "term", field: "level", value: "error" } });
  });

  test("GET ?q= takes a Lucene query with size, from, sort and default_operator", async () => {
    const api = fakeApi();
    await handleSearch(new Request(url("/_search?q=a%20b&size=5&from=2&sort=_timestamp:desc&default_operator=and")), api);
    expect(api.calls[0].topics).toEqual([]);
    expect(api.calls[0].request).toMatchObject({ from: 2, size: 5, sort: [{ field: "_timestamp", order: "desc" }], query: { kind: "bool" } });
    expect((api.calls[0].request.query as { must: unknown[] }).must.length).toBe(2);
  });

  test("errors have Elasticsearch's shape: 400 for a bad query or body, 404 for an unknown topic, 405 for other methods", async () => {
    const api = fakeApi();
    const badJson = await handleSearch(new Request(url("/_search"), { method: "POST", body: "{nope" }), api);
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as any).error.type).toBe("parsing_exception");
    const badQuery = await handleSearch(new Request(url("/_search?q=a%20AND")), api);
    expect(badQuery.status).toBe(400);
    expect(((await badQuery.json()) as any).error.root_cause[0].type).toBe("query_shard_exception");
    const missing = await handleSearch(new Request(url("/missing/_search"), { method: "POST", body: "{}" }), api);
    expect(missing.status).toBe(404);
    expect((await handleSearch(new Request(url("/_search"), { method: "DELETE" }), api)).status).toBe(405);
  });

  test("a query of only an operator is a 400 naming it, by ?q= and by query_string", async () => {
    for (const request of [
      new Request(url("/_search?q=AND")),
      new Request(url("/_search"), { method: "POST", body: '{"query":{"query_string":{"query":"AND"}}}' }),
    ]) {
      const response = await handleSearch(request, fakeApi());
      expect(response.status).toBe(400);
      expect(((await response.json()) as any).error.reason).toContain('"AND"');
    }
  });

  test("GET /_stats/search returns the search figures", async () => {
    const response = await handleSearch(new Request(url("/_stats/search")), fakeApi());
    expect(await response.json()).toEqual({ partitions: 2 });
  });
});
