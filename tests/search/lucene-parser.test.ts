import { describe, expect, test } from "bun:test";
import { parseLuceneQuery } from "../../src/search/lucene-parser.ts";
import { bool, type Query, QueryError } from "../../src/search/query.ts";

const match = (text: string, field = "_value"): Query => ({ kind: "match", field, text, operator: "or", minimumShouldMatch: null });

describe("parseLuceneQuery", () => {
  test("a bare term searches the value", () => {
    expect(parseLuceneQuery("timeout")).toEqual(match("timeout"));
  });

  test("empty and * match everything", () => {
    expect(parseLuceneQuery("")).toEqual({ kind: "match_all" });
    expect(parseLuceneQuery("*")).toEqual({ kind: "match_all" });
    expect(parseLuceneQuery("*:*")).toEqual({ kind: "match_all" });
  });

  test("adjacent terms are optional (default OR); the and operator makes them required", () => {
    expect(parseLuceneQuery("disk full")).toEqual(bool({ should: [match("disk"), match("full")] }));
    expect(parseLuceneQuery("disk full", { defaultOperator: "and" })).toEqual(bool({ must: [match("disk"), match("full")] }));
  });

  test("phrases, with slop", () => {
    expect(parseLuceneQuery('"disk full"')).toEqual({ kind: "phrase", field: "_value", text: "disk full", slop: 0 });
    expect(parseLuceneQuery('message:"disk full"~2')).toEqual({ kind: "phrase", field: "message", text: "disk full", slop: 2 });
  });

  test("field:value, prefix, exists", () => {
    expect(parseLuceneQuery("level:error")).toEqual(match("error", "level"));
    expect(parseLuceneQuery("user.name:ali*")).toEqual({ kind: "prefix", field: "user.name", prefix: "ali" });
    expect(parseLuceneQuery("user.id:*")).toEqual({ kind: "exists", field: "user.id" });
    expect(parseLuceneQuery("_exists_:user.id")).toEqual({ kind: "exists", field: "user.id" });
  });

  test("ranges: inclusive, exclusive, open, and comparators with times", () => {
    expect(parseLuceneQuery("http.status:[400 TO 499]")).toEqual({ kind: "range", field: "http.status", gte: "400", lte: "499" });
    expect(parseLuceneQuery("n:{1 TO *]")).toEqual({ kind: "range", field: "n", gt: "1" });
    expect(parseLuceneQuery("http.status:>=500")).toEqual({ kind: "range", field: "http.status", gte: "500" });
    expect(parseLuceneQuery("_timestamp:<2024-05-01T10:00:00Z")).toEqual({ kind: "range", field: "_timestamp", lt: "2024-05-01T10:00:00Z" });
  });

  test("AND binds tighter than OR; NOT, -, + and parentheses", () => {
    expect(parseLuceneQuery("a OR b AND c")).toEqual(bool({ should: [match("a"), bool({ must: [match("b"), match("c")] })] }));
    expect(parseLuceneQuery("+a -b c")).toEqual(bool({ must: [match("a")], mustNot: [match("b")], should: [match("c")] }));
    expect(parseLuceneQuery("NOT a")).toEqual(bool({ must: [{ kind: "match_all" }], mustNot: [match("a")] }));
    expect(parseLuceneQuery("level:(error OR warn)")).toEqual(bool({ should: [match("error", "level"), match("warn", "level")] }));
    expect(parseLuceneQuery("a AND NOT b")).toEqual(bool({ must: [match("a")], mustNot: [match("b")] }));
  });

  test("escapes keep special characters literal", () => {
    expect(parseLuceneQuery("path:a\\:b")).toEqual(match("a:b", "path"));
  });

  test.each([
    ["AND", "AND"], ["OR", "OR"], ["&&", "&&"], ["||", "||"], [" AND ", "AND"], ["AND a", "AND"],
    ["a OR OR b", "OR"], ["NOT AND", "AND"], ["(OR)", "OR"], ["NOT", "NOT"],
  ])("a query of an operator alone, %p, is an error naming it", (text, operator) => {
    expect(() => parseLuceneQuery(text)).toThrow(QueryError);
    expect(() => parseLuceneQuery(text)).toThrow(new RegExp(`: "${operator.replace(/[|&]/g, "\\$&")}" (is an operator|needs a term)`));
  });

  test("the same words quoted, in lower case or as a field value are terms", () => {
    expect(parseLuceneQuery('"AND"')).toEqual({ kind: "phrase", field: "_value", text: "AND", slop: 0 });
    expect(parseLuceneQuery("and")).toEqual(match("and"));
    expect(parseLuceneQuery("ANDROID")).toEqual(match("ANDROID"));
  });

  test.each(['"unclosed', "(a OR b", "a:", "n:[1 2]", "a)", "fo*o", "a AND"])("rejects %p with a QueryError", (text) => {
    expect(() => parseLuceneQuery(text)).toThrow(QueryError);
  });
});
