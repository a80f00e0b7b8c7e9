import { describe, expect, test } from "bun:test";
import { parseSearchBody } from "../../src/search/es-dsl.ts";
import { parseLuceneQuery } from "../../src/search/lucene-parser.ts";
import { searchRequest } from "../../src/search/search-request.ts";
import { type IndexHandle, runSearch } from "../../src/search/searcher.ts";
import { LiveSegment } from "../../src/search/live-segment.ts";
import { flattenJsonText } from "../../src/search/document.ts";
import { terms } from "../../src/search/tokenizer.ts";

const words = ["disk", "full", "timeout", "error", "warning", "network", "retry", "user", "login", "cache", "miss", "slow", "query", "kafka", "broker"];

/** A deterministic pseudo-random corpus of JSON log lines with varied lengths and term frequencies. */
function corpus(count: number): string[] {
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: count }, (_, id) => {
    const length = 2 + Math.floor(next() * 12);
    const message = Array.from({ length }, () => words[Math.floor(next() * next() * words.length)]).join(" ");
    const level = ["info", "warn", "error"][Math.floor(next() * 3)];
    return JSON.stringify({ id: `doc${id}`, level, message, http: { status: 200 + 100 * Math.floor(next() * 4) } });
  });
}

function addDoc(index: LiveSegment, offset: number, value: string): void {
  index.add({ offset, timestamp: 1_700_000_000_000 + offset, key: null, headers: {}, value, valueIsBinary: false, fields: flattenJsonText(value) });
}

function handle(index: LiveSegment): IndexHandle {
  return { topic: index.topic, partition: index.partition, baseOffset: index.baseOffset, load: async () => index };
}

/** (id, score) of every hit, ordered by score then id, scores rounded so float summation order does not matter. */
async function ranking(handles: IndexHandle[], query: unknown): Promise<string[]> {
  const request = parseSearchBody({ query, size: 10_000 });
  const response = await runSearch(handles, request, 0);
  return response.hits.hits
    .map((hit) => ({ id: (hit._source as { id: string }).id, score: Number((hit._score ?? 0).toFixed(9)) }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
    .map((hit) => `${hit.id}:${hit.score}`);
}

describe("ranking over many segment indexes", () => {
  const documents = corpus(2400);
  const single = new LiveSegment("logs", 0, 0, 0);
  documents.forEach((value, offset) => addDoc(single, offset, value));
  // 3 partitions × 8 segments: document i goes to partition i % 3, segments of 100 records.
  const segments: LiveSegment[] = [];
  documents.forEach((value, i) => {
    const partition = i % 3;
    const offset = Math.floor(i / 3);
    const base = Math.floor(offset / 100) * 100;
    let segment = segments.find((candidate) => candidate.partition === partition && candidate.baseOffset === base);
    if (!segment) {
      segment = new LiveSegment("logs", partition, base, 0);
      segments.push(segment);
    }
    addDoc(segment, offset, value);
  });

  test("the corpus really is spread over 24 segments", () => {
    expect(segments.length).toBe(24);
  });

  const queries: [string, unknown][] = [
    ["match", { match: { message: "disk timeout broker" } }],
    ["match and", { match: { message: { query: "disk full", operator: "and" } } }],
    ["match default field", { match: { _value: "kafka retry" } }],
    ["phrase", { match_phrase: { message: "disk full" } }],
    ["multi_match", { multi_match: { query: "error login", fields: ["message", "level"] } }],
    ["bool", { bool: { must: [{ match: { message: "cache miss" } }], filter: [{ term: { level: "error" } }], must_not: [{ range: { "http.status": { gte: 500 } } }] } }],
    ["query_string", { query_string: { query: 'message:(slow OR query) AND -level:info "network retry"' } }],
  ];
  // The reference is BM25 (k1 1.2, b 0.75, as Lucene computes it) written out here over all
  // 2,400 documents at once: no segments, no statistics passes.
  function reference(text: string): string[] {
    const messages = documents.map((value) => JSON.parse(value) as { id: string; message: string });
    const tokens = messages.map(({ message }) => terms(message));
    const average = tokens.reduce((sum, list) => sum + list.length, 0) / tokens.length;
    const queryTerms = [...new Set(terms(text))];
    const scored: string[] = [];
    messages.forEach(({ id }, doc) => {
      let score = 0;
      let matched = false;
      for (const term of queryTerms) {
        const tf = tokens[doc].filter((token) => token === term).length;
        if (tf === 0) continue;
        matched = true;
        const df = tokens.filter((list) => list.includes(term)).length;
        const idf = Math.log(1 + (documents.length - df + 0.5) / (df + 0.5));
        score += (idf * tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * tokens[doc].length) / average));
      }
      if (matched) scored.push(`${id}:${score.toFixed(9)}`);
    });
    return scored.sort();
  }
  test.each(["disk timeout broker", "kafka retry", "cache miss slow query", "login"])(
    "match %p over 24 segments scores exactly as BM25 over one collection",
    async (text) => {
      const request = parseSearchBody({ query: { match: { message: text } }, size: 10_000 });
      const merged = (await runSearch(segments.map(handle), request, 0)).hits.hits.map(
        (hit) => `${(hit._source as { id: string }).id}:${(hit._score ?? 0).toFixed(9)}`,
      );
      expect(merged.length).toBeGreaterThan(100);
      expect([...merged].sort()).toEqual(reference(text));
    },
  );

  test.each(queries)("%s ranks and scores exactly as one index over the same documents", async (_, query) => {
    const merged = await ranking(segments.map(handle), query);
    const reference = await ranking([handle(single)], query);
    expect(merged.length).toBeGreaterThan(0);
    expect(merged).toEqual(reference);
  });
});

describe("runSearch", () => {
  const index = new LiveSegment("app", 1, 0, 0);
  const values = [
    '{"level":"error","message":"disk full on /var","http":{"status":507},"user":{"id":"u1"}}',
    '{"level":"info","message":"login ok","http":{"status":200},"user":{"id":"u2"}}',
    '{"level":"warn","message":"disk almost full","http":{"status":200},"tags":["a","b"]}',
    "plain text line about a full disk",
  ];
  values.forEach((value, offset) => addDoc(index, offset, value));
  const handles = [handle(index)];
  const offsetsOf = async (query: unknown, extra: Record<string, unknown> = {}) =>
    (await runSearch(handles, parseSearchBody({ query, ...extra }), 0)).hits.hits.map((hit) => hit.offset);

  test("term, terms, range, exists, prefix and match_all select the expected documents", async () => {
    expect(await offsetsOf({ term: { level: "error" } })).toEqual([0]);
    expect(await offsetsOf({ terms: { "user.id": ["u1", "u2"] } })).toEqual([0, 1]);
    expect(await offsetsOf({ range: { "http.status": { gt: 200, lte: 507 } } })).toEqual([0]);
    expect(await offsetsOf({ exists: { field: "tags" } })).toEqual([2]);
    expect(await offsetsOf({ prefix: { message: "log" } })).toEqual([1]);
    expect(await offsetsOf({ match_all: {} })).toEqual([0, 1, 2, 3]);
    expect(await offsetsOf({ range: { _timestamp: { gte: 1_700_000_000_002 } } })).toEqual([2, 3]);
  });

  test("bool should with minimum_should_match", async () => {
    const should = [{ match: { _value: "disk" } }, { match: { _value: "full" } }, { match: { _value: "var" } }];
    expect(await offsetsOf({ bool: { should, minimum_should_match: 3 } })).toEqual([0]);
    expect((await offsetsOf({ bool: { should, minimum_should_match: 2 } })).sort()).toEqual([0, 2, 3]);
  });

  test("a phrase needs its words in order and adjacent, unless slop allows a gap", async () => {
    expect(await offsetsOf({ match_phrase: { _value: "disk full" } })).toEqual([0]);
    expect((await offsetsOf({ match_phrase: { _value: { query: "disk full", slop: 1 } } })).sort()).toEqual([0, 2]);
  });

  test("hits carry coordinates, parsed _source, filtered _source and highlights", async () => {
    const response = await runSearch(
      handles,
      parseSearchBody({ query: { match: { message: "disk" } }, _source: ["http.*"], highlight: { fields: { message: {} } }, size: 1 }),
      0,
    );
    expect(response.hits.total).toEqual({ value: 2, relation: "eq" });
    // The shorter message ranks first (BM25 length normalisation).
    const [hit] = response.hits.hits;
    expect(hit).toMatchObject({ _index: "app", _id: "app/1/2", partition: 1, offset: 2, key: null, timestamp: 1_700_000_000_002, _source: { http: { status: 200 } } });
    expect(hit.highlight).toEqual({ message: ["<em>disk</em> almost full"] });
  });

  test("sort by a field, from/size paging", async () => {
    const sorted = await offsetsOf({ match_all: {} }, { sort: [{ "http.status": "desc" }, { _offset: "asc" }] });
    expect(sorted).toEqual([0, 1, 2, 3]);
    expect(await offsetsOf({ match_all: {} }, { sort: [{ _offset: "desc" }], from: 1, size: 2 })).toEqual([2, 1]);
  });

  test("aggregations: terms, date_histogram, min/max/avg/sum", async () => {
    const response = await runSearch(
      handles,
      parseSearchBody({
        size: 0,
        aggs: {
          levels: { terms: { field: "level" } },
          perMs: { date_histogram: { field: "_timestamp", fixed_interval: "2ms" } },
          low: { min: { field: "http.status" } },
          high: { max: { field: "http.status" } },
          mean: { avg: { field: "http.status" } },
          total: { sum: { field: "http.status" } },
        },
      }),
      0,
    );
    expect(response.aggregations).toEqual({
      levels: { doc_count_error_upper_bound: 0, sum_other_doc_count: 0, buckets: [{ key: "error", doc_count: 1 }, { key: "info", doc_count: 1 }, { key: "warn", doc_count: 1 }] },
      perMs: { buckets: [{ key_as_string: new Date(1_700_000_000_000).toISOString(), key: 1_700_000_000_000, doc_count: 2 }, { key_as_string: new Date(1_700_000_000_002).toISOString(), key: 1_700_000_000_002, doc_count: 2 }] },
      low: { value: 200 },
      high: { value: 507 },
      mean: { value: 302.3333333333333 },
      total: { value: 907 },
    });
  });

  test("a Lucene query gives the same hits as the equivalent DSL", async () => {
    const lucene = await runSearch(handles, searchRequest(parseLuceneQuery("level:error OR http.status:[200 TO 200]")), 0);
    expect(lucene.hits.hits.map((hit) => hit.offset).sort()).toEqual([0, 1, 2]);
  });
});

describe("words that are also JavaScript property names", () => {
  test("constructor, toString and __proto__ are terms like any other", async () => {
    const index = new LiveSegment("words", 0, 0, 0);
    ["the constructor of a class", "toString returns text", "__proto__ and constructor", "plain words"].forEach((value, offset) => addDoc(index, offset, value));
    const count = async (text: string) => (await runSearch([handle(index)], parseSearchBody({ query: { match: { _value: text } } }), 0)).hits.total.value;
    expect(await count("constructor")).toBe(2);
    expect(await count("tostring")).toBe(1);
    expect(await count("hasOwnProperty")).toBe(0);
    expect(index.text("_value")!.documentFrequency("constructor")).toBe(2);
    expect(index.text("_value")!.documentFrequency("valueOf")).toBe(0);
  });
});
