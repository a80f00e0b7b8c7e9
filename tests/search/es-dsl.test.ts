import { describe, expect, test } from "bun:test";
import { parseSearchBody } from "../../src/search/es-dsl.ts";
import { bool, QueryError } from "../../src/search/query.ts";

describe("parseSearchBody", () => {
  test("an empty body is match_all, 10 hits, by score", () => {
    expect(parseSearchBody({})).toMatchObject({ query: { kind: "match_all" }, from: 0, size: 10, sort: [{ field: "_score", order: "desc" }] });
  });

  test("match with operator and minimum_should_match, match_phrase with slop", () => {
    expect(parseSearchBody({ query: { match: { message: { query: "a b", operator: "AND" } } } }).query).toEqual({
      kind: "match", field: "message", text: "a b", operator: "and", minimumShouldMatch: null,
    });
    expect(parseSearchBody({ query: { match: { message: { query: "a b c", minimum_should_match: "66%" } } } }).query).toMatchObject({ minimumShouldMatch: "66%" });
    expect(parseSearchBody({ query: { match_phrase: { message: { query: "a b", slop: 2 } } } }).query).toEqual({ kind: "phrase", field: "message", text: "a b", slop: 2 });
  });

  test("bool clauses, single or as arrays", () => {
    const query = parseSearchBody({ query: { bool: { must: { term: { level: "error" } }, filter: [{ exists: { field: "user.id" } }], minimum_should_match: 1 } } }).query;
    expect(query).toEqual(bool({ must: [{ kind: "term", field: "level", value: "error" }], filter: [{ kind: "exists", field: "user.id" }], minimumShouldMatch: 1 }));
  });

  test("sort, _source, highlight and aggregations", () => {
    const request = parseSearchBody({
      sort: [{ _timestamp: { order: "desc" } }, "_score"],
      _source: { includes: ["http.*"], excludes: ["http.body"] },
      highlight: { fields: { message: {} }, pre_tags: ["["], post_tags: ["]"] },
      aggs: { l: { terms: { field: "level", size: 5 } }, t: { date_histogram: { field: "_timestamp", calendar_interval: "hour" } } },
    });
    expect(request.sort).toEqual([{ field: "_timestamp", order: "desc" }, { field: "_score", order: "desc" }]);
    expect(request.source).toEqual({ enabled: true, includes: ["http.*"], excludes: ["http.body"] });
    expect(request.highlight).toEqual({ fields: ["message"], preTag: "[", postTag: "]" });
    expect(request.aggregations).toEqual([
      { name: "l", kind: "terms", field: "level", size: 5 },
      { name: "t", kind: "date_histogram", field: "_timestamp", intervalMs: 3_600_000 },
    ]);
  });

  test.each([
    [{ query: { bogus: {} } }, "Unknown query [bogus]"],
    [{ query: { match: {} } }, "[match] must hold exactly one entry"],
    [{ query: { range: { n: { from: 1 } } } }, "[range] query does not support [from]"],
    [{ query: { bool: { must: [{ match_all: {} }], shoud: [] } } }, "[bool] query does not support [shoud]"],
    [{ size: -1 }, "[size] must be a whole number"],
    [{ from: 9_995, size: 10 }, "Result window is too large"],
    [{ aggs: { a: { percentiles: { field: "x" } } } }, "Unknown aggregation type [percentiles]"],
    [{ query: { query_string: { query: "a AND (b" } } }, 'missing ")"'],
    [{ querry: {} }, "Unknown key for a search request: [querry]"],
  ])("rejects %j naming the problem", (body, reason) => {
    expect(() => parseSearchBody(body)).toThrow(QueryError);
    expect(() => parseSearchBody(body)).toThrow(reason);
  });
});
