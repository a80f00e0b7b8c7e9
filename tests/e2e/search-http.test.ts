// Search against the real server: records produced through the Kafka protocol, then every
// query form of the HTTP API and the CLI checked against the expected hits.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Admin, Cluster, Producer } from "../../src/client/index.ts";
import { type Broker, chronikCommand, eventually, run, runOk, startBroker } from "./harness.ts";

const encoder = new TextEncoder();
const searchWaitMs = 15_000;

let broker: Broker;
let cluster: Cluster;
let baseUrl: string;

/** 60 log lines over 3 partitions; record i is fully determined by i. */
function logLine(i: number): Record<string, unknown> {
  return {
    id: i,
    level: i % 10 === 0 ? "error" : i % 3 === 0 ? "warn" : "info",
    message: i % 10 === 0 ? `disk full on volume ${i}` : i % 7 === 0 ? `full table scan took ${i} ms` : `request ${i} served`,
    http: { status: i % 10 === 0 ? 507 : i % 4 === 0 ? 404 : 200 },
    ...(i % 5 === 0 ? { user: { id: `u${i}` } } : {}),
  };
}
const count = 60;
const expectedIds = (test: (line: Record<string, unknown>) => boolean) =>
  Array.from({ length: count }, (_, i) => logLine(i)).filter(test).map((line) => line.id as number).sort((a, b) => a - b);

async function search(path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${baseUrl}${path}`, body === undefined ? {} : { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
  return { status: response.status, json: await response.json() };
}

async function ids(body: unknown): Promise<number[]> {
  const { status, json } = await search("/logs/_search", { size: 100, ...(body as object) });
  expect(status).toBe(200);
  return json.hits.hits.map((hit: any) => hit._source.id).sort((a: number, b: number) => a - b);
}

/** Polls until `check` passes, so a record acknowledged a moment ago has time to be indexed. */

beforeAll(async () => {
  broker = await startBroker({ args: ["--segment-bytes", "1024"] });
  baseUrl = `http://${broker.host}:${broker.httpPort}`;
  cluster = new Cluster({ brokers: broker.bootstrap });
  const created = await new Admin(cluster).createTopics([
    { name: "logs", partitions: 3, configs: { "search.enabled": "true" } },
    { name: "plain", partitions: 1 },
  ]);
  expect(created.map((result) => result.error)).toEqual([null, null]);
  const producer = new Producer(cluster, { lingerMs: 0 });
  for (let i = 0; i < count; i++) {
    await producer.send({ topic: "logs", partition: i % 3, key: encoder.encode(`k${i}`), value: encoder.encode(JSON.stringify(logLine(i))), timestamp: 1_700_000_000_000 + i * 1000 });
  }
  await producer.send({ topic: "plain", value: encoder.encode("not searchable") });
  await eventually(async () => (await search("/logs/_search?q=*&size=0")).json.hits?.total.value === count, "all records searchable", { waitMs: searchWaitMs, pollMs: 50 });
}, 60_000);

afterAll(async () => {
  cluster?.close();
  await broker?.cleanup();
}, 30_000);

describe("search over HTTP", () => {
  test("records span several segments per partition", () => {
    const logs = require("node:fs").readdirSync(`${broker.dataDir}/topics/logs/0`).filter((name: string) => name.endsWith(".log"));
    expect(logs.length).toBeGreaterThan(1);
  });

  test("match, with operator and", async () => {
    expect(await ids({ query: { match: { message: "disk" } } })).toEqual(expectedIds((line) => String(line.message).includes("disk")));
    expect(await ids({ query: { match: { message: { query: "full disk", operator: "and" } } } })).toEqual(expectedIds((line) => String(line.message).startsWith("disk full")));
    expect(await ids({ query: { match: { message: "full" } } })).toEqual(expectedIds((line) => String(line.message).includes("full")));
  });

  test("match_phrase, multi_match", async () => {
    expect(await ids({ query: { match_phrase: { message: "table scan" } } })).toEqual(expectedIds((line) => String(line.message).includes("table scan")));
    expect(await ids({ query: { match_phrase: { message: "scan table" } } })).toEqual([]);
    expect(await ids({ query: { multi_match: { query: "error", fields: ["level", "message"] } } })).toEqual(expectedIds((line) => line.level === "error"));
  });

  test("term, terms, range, exists, match_all", async () => {
    expect(await ids({ query: { term: { level: "warn" } } })).toEqual(expectedIds((line) => line.level === "warn"));
    expect(await ids({ query: { terms: { "http.status": [404, 507] } } })).toEqual(expectedIds((line) => (line.http as any).status !== 200));
    expect(await ids({ query: { range: { id: { gte: 10, lt: 15 } } } })).toEqual([10, 11, 12, 13, 14]);
    expect(await ids({ query: { range: { _timestamp: { gt: "2023-11-14T22:13:50Z" } } } })).toEqual(expectedIds((line) => (line.id as number) * 1000 + 1_700_000_000_000 > Date.parse("2023-11-14T22:13:50Z")));
    expect(await ids({ query: { exists: { field: "user.id" } } })).toEqual(expectedIds((line) => line.user !== undefined));
    expect((await ids({ query: { match_all: {} } })).length).toBe(count);
  });

  test("bool: must, should with minimum_should_match, must_not, filter", async () => {
    const query = {
      bool: {
        filter: [{ range: { id: { lt: 40 } } }],
        must_not: [{ term: { level: "error" } }],
        should: [{ term: { "http.status": 404 } }, { exists: { field: "user.id" } }],
        minimum_should_match: 1,
      },
    };
    expect(await ids({ query })).toEqual(expectedIds((line) => (line.id as number) < 40 && line.level !== "error" && ((line.http as any).status === 404 || line.user !== undefined)));
  });

  test("query_string and GET ?q= take Lucene syntax", async () => {
    const expected = expectedIds((line) => (line.http as any).status >= 400 && line.level !== "error");
    expect(await ids({ query: { query_string: { query: "http.status:>=400 AND NOT level:error" } } })).toEqual(expected);
    const { json } = await search(`/logs/_search?q=${encodeURIComponent("http.status:[400 TO 499] -level:error")}&size=100`);
    expect(json.hits.hits.map((hit: any) => hit._source.id).sort((a: number, b: number) => a - b)).toEqual(expected);
    const prefix = await search(`/_search?q=${encodeURIComponent("message:serv*")}&size=0`);
    expect(prefix.json.hits.total.value).toBe(expectedIds((line) => String(line.message).includes("served")).length);
  });

  test("from/size, sort, _source, highlight; hits carry their coordinates", async () => {
    const { json } = await search("/logs/_search", {
      query: { match: { message: "disk" } },
      sort: [{ _timestamp: "desc" }],
      from: 1,
      size: 2,
      _source: ["level"],
      highlight: { fields: { message: {} } },
    });
    expect(json.hits.total).toEqual({ value: 6, relation: "eq" });
    expect(json.hits.hits.map((hit: any) => hit.key)).toEqual(["k40", "k30"]);
    const [hit] = json.hits.hits;
    expect(hit).toMatchObject({ _index: "logs", _id: "logs/1/13", partition: 1, offset: 13, timestamp: 1_700_000_040_000, _source: { level: "error" } });
    expect(hit.highlight).toEqual({ message: ["<em>disk</em> full on volume 40"] });
  });

  test("aggregations: terms, date_histogram, min/max/avg/sum", async () => {
    const { json } = await search("/logs/_search", {
      size: 0,
      aggs: {
        levels: { terms: { field: "level" } },
        perMinute: { date_histogram: { field: "_timestamp", fixed_interval: "1m" } },
        lowest: { min: { field: "id" } },
        highest: { max: { field: "id" } },
        mean: { avg: { field: "id" } },
        total: { sum: { field: "id" } },
      },
    });
    expect(json.aggregations.levels.buckets).toEqual([
      { key: "info", doc_count: expectedIds((line) => line.level === "info").length },
      { key: "warn", doc_count: expectedIds((line) => line.level === "warn").length },
      { key: "error", doc_count: 6 },
    ]);
    expect(json.aggregations.perMinute.buckets.reduce((sum: number, bucket: any) => sum + bucket.doc_count, 0)).toBe(count);
    expect([json.aggregations.lowest.value, json.aggregations.highest.value, json.aggregations.mean.value, json.aggregations.total.value]).toEqual([0, 59, 29.5, 1770]);
  });

  test("a bad query is a 400 naming the problem; a topic without search is a 404", async () => {
    const bad = await search("/logs/_search", { query: { match: { message: "x" }, term: { level: "error" } } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.type).toBe("parsing_exception");
    expect(bad.json.error.reason).toContain("exactly one entry");
    const syntax = await search(`/logs/_search?q=${encodeURIComponent('"unclosed')}`);
    expect(syntax.status).toBe(400);
    expect(syntax.json.error.reason).toContain("missing closing quote");
    const plain = await search("/plain/_search", {});
    expect(plain.status).toBe(404);
    expect(plain.json.error.type).toBe("index_not_found_exception");
  });

  test("a topic made searchable a moment ago answers at once, not 404", async () => {
    for (let i = 0; i < 5; i++) {
      const name = `fresh-topic-${i}`;
      const created = await new Admin(cluster).createTopics([{ name, partitions: 1, configs: { "search.enabled": "true" } }]);
      expect(created[0].error).toBeNull();
      const answer = await search(`/${name}/_search?q=*`);
      expect({ name, status: answer.status }).toEqual({ name, status: 200 });
      expect(answer.json.hits.total.value).toBe(0);
    }
  });

  test("an acknowledged record is searchable shortly after", async () => {
    const producer = new Producer(cluster, { lingerMs: 0 });
    const marker = `fresh${Date.now()}`;
    await producer.send({ topic: "logs", value: encoder.encode(JSON.stringify({ message: marker })) });
    const acknowledgedAt = Date.now();
    await eventually(async () => (await search(`/logs/_search?q=${marker}`)).json.hits.total.value === 1, "the new record is found", { waitMs: searchWaitMs, pollMs: 50 });
    expect(Date.now() - acknowledgedAt).toBeLessThan(searchWaitMs);
  });
});

describe("chronik search", () => {
  test("prints a table of hits, or JSON lines, for a Lucene query", async () => {
    const url = ["--url", baseUrl];
    const table = await runOk([...chronikCommand(), "search", "-t", "logs", "level:error AND disk", "-n", "3", "--sort", "time", ...url], { timeoutMs: 20_000 });
    const lines = table.stdout.toString().trim().split("\n");
    expect(lines.length).toBe(3);
    expect(lines[0]).toStartWith("logs/2@16\t2023-11-14T22:14:10.000Z\t-\tk50\t");
    expect(table.stderr).toContain("3 of 6 hits");
    const json = await runOk([...chronikCommand(), "search", "user.id:u15", "-f", "json", ...url], { timeoutMs: 20_000 });
    expect(JSON.parse(json.stdout.toString())).toMatchObject({ _index: "logs", key: "k15", _source: { id: 15 } });
    const since = await runOk([...chronikCommand(), "search", "-t", "logs", "*", "--since", "2023-11-14T22:13:50Z", "--until", "2023-11-14T22:14:00Z", "-n", "100", "-f", "json", ...url], { timeoutMs: 20_000 });
    expect(since.stdout.toString().trim().split("\n").length).toBe(10);
  });

  test("-n 0 prints the number of hits only", async () => {
    const result = await runOk([...chronikCommand(), "search", "-t", "logs", "level:error", "-n", "0", "--url", baseUrl], { timeoutMs: 20_000 });
    expect(result.stdout.toString()).toBe("6\n");
  });

  test("a query of only an operator exits non-zero naming it", async () => {
    const result = await run([...chronikCommand(), "search", "AND", "--url", baseUrl], { timeoutMs: 20_000 });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('"AND" is an operator');
  });

  test("--url at the Kafka port says so in one line", async () => {
    const result = await run([...chronikCommand(), "search", "x", "--url", `http://${broker.host}:${broker.port}`], { timeoutMs: 20_000 });
    expect(result.exitCode).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain("is chronik's Kafka port, not its HTTP API");
    expect(result.stderr).not.toContain("verbose");
  });

  test("a bad query exits non-zero with the server's reason", async () => {
    const result = await run([...chronikCommand(), "search", "a AND (b", "--url", baseUrl], { timeoutMs: 20_000 });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('missing ")"');
  });
});
