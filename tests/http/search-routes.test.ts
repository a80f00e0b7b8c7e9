import { afterEach, describe, expect, test } from "bun:test";
import { HttpAccess } from "../../src/http/http-access.ts";
import { handleSearch, isSearchPath, type SearchAccess, type SearchApi } from "../../src/http/search-routes.ts";
import { QueryError } from "../../src/search/query.ts";
import type { SearchRequest } from "../../src/search/search-request.ts";
import { allow, authorizerWith, clusterAllow, Operation, ResourceType } from "./security-fixture.ts";

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

describe("search routes of a broker that authenticates", () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

  /** alice may READ A and C; carol may DESCRIBE the cluster and READ nothing; topics A, B and C are searchable. */
  async function accessOf(principal: string): Promise<SearchAccess> {
    const made = await authorizerWith([allow("User:alice", Operation.READ, ResourceType.TOPIC, "A"), allow("User:alice", Operation.READ, ResourceType.TOPIC, "C"), clusterAllow("User:carol", Operation.DESCRIBE)]);
    cleanups.push(made.cleanup);
    return { access: new HttpAccess(made.authorizer, { principal, host: "127.0.0.1" }), searchableTopics: () => ["A", "B", "C"] };
  }

  test("/<topic>/_search needs READ on every topic named: 403 in Elasticsearch's shape otherwise", async () => {
    const access = await accessOf("User:alice");
    const api = fakeApi();
    expect((await handleSearch(new Request(url("/A/_search?q=x")), api, access)).status).toBe(200);
    for (const path of ["/B/_search?q=x", "/A,B/_search?q=x"]) {
      const response = await handleSearch(new Request(url(path)), api, access);
      expect(response.status).toBe(403);
      const reason = 'action [indices:data/read/search] is unauthorized for user [alice]: it needs READ on topic "B"';
      expect(await response.json()).toEqual({ error: { root_cause: [{ type: "security_exception", reason }], type: "security_exception", reason }, status: 403 });
    }
    expect(api.calls.map((call) => call.topics)).toEqual([["A"]]);
  });

  test("/_search searches only the topics the user may READ; all of them for the super user", async () => {
    const api = fakeApi();
    await handleSearch(new Request(url("/_search?q=x")), api, await accessOf("User:alice"));
    await handleSearch(new Request(url("/_all/_search?q=x")), api, await accessOf("User:alice"));
    await handleSearch(new Request(url("/_search?q=x")), api, await accessOf("User:admin"));
    expect(api.calls.map((call) => call.topics)).toEqual([["A", "C"], ["A", "C"], []]);
  });

  test("/_search by a user who may READ no topic is an empty result, not an error; a bad query is still a 400", async () => {
    const api = fakeApi();
    const access = await accessOf("User:carol");
    const response = await handleSearch(new Request(url("/_search"), { method: "POST", body: '{"query":{"match_all":{}}}' }), api, access);
    expect(response.status).toBe(200);
    expect(((await response.json()) as any).hits).toEqual({ total: { value: 0, relation: "eq" }, max_score: null, hits: [] });
    expect(api.calls).toEqual([]);
    expect((await handleSearch(new Request(url("/_search?q=a%20AND")), api, access)).status).toBe(400);
  });

  test("/_stats/search needs DESCRIBE on the cluster", async () => {
    const refused = await handleSearch(new Request(url("/_stats/search")), fakeApi(), await accessOf("User:alice"));
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as any).error.reason).toBe("action [indices:monitor/stats] is unauthorized for user [alice]: it needs DESCRIBE on the cluster");
    expect((await handleSearch(new Request(url("/_stats/search")), fakeApi(), await accessOf("User:carol"))).status).toBe(200);
  });
});
