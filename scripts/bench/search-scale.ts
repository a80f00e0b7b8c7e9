// Search at the scale of a stream (issue 10): generated JSON log lines (log-corpus.ts, ~180 bytes
// each, deterministic) produced through a real broker with `--search-all-topics`, side by side
// with SQLite FTS5 indexing the same lines in this process (fts5-log-index.ts). It reports:
//   - indexing: chronik's records/s from the first produce until every record is searchable
//     (polled with `_search?size=0`), FTS5's docs/s for the same lines;
//   - index bytes (`.search` files; FTS5 shadow tables + B-tree indexes) against log bytes
//     (`.log` files; the `logs` table);
//   - the broker's RSS and RssAnon, peak sampled every 200 ms, and VmHWM;
//   - how long after that the merges of the backlog's chunks settled (`mergingPartitions` of
//     /_stats/search at 0): queries are measured after, on a quiet broker;
//   - query latency p50/p99 for selective, boolean, broad, phrase, range and `terms`-aggregation
//     queries (chronik over HTTP with an Elasticsearch body, size 10; FTS5 the count plus the top
//     10 rows), then the same after a broker restart (first query, then p50/p99) and a reopened
//     SQLite database;
//   - hit counts of every query in both engines; a mismatch makes the exit code 1.
// Run: npx bun scripts/bench/search-scale.ts [--records 1000000] [--partitions 1] [--json]
//        [--index-timeout 3600] [--query-runs 50] [--query-seconds 60] [--query-timeout 300]
//        [--skip-restart] [serve flags…, e.g. --search-memory-mb 256 --search-threads 1]
// Flags the script does not know are passed to `chronik serve`. Progress goes to stderr; the
// table (or, with --json, one JSON object) to stdout.

import { readdirSync, statSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { Admin, Cluster, Producer } from "../../src/client/index.ts";
import { Fts5LogIndex, type FtsQuery, type FtsResult, topHits } from "./fts5-log-index.ts";
import { logLines, vocabulary } from "./log-corpus.ts";
import { type Broker, makeTempDir, startBroker } from "../../tests/e2e/harness.ts";
import { BenchArgs, cleanUp, cleanups, MemorySampler, percentile, progress } from "./bench-support.ts";

const usage = "Usage: search-scale.ts [--records N] [--partitions N] [--json] [--index-timeout s] [--query-runs N] [--query-seconds s] [--query-timeout s] [--skip-restart] [serve flags…]";
const args = new BenchArgs(process.argv.slice(2));
/** A bad flag: one line and the usage, no stack trace, exit code 2. */
const wholeNumber = (name: string, fallback: number): number => {
  try {
    return args.wholeNumber(name, fallback);
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    process.exit(2);
  }
};
const records = wholeNumber("--records", 1_000_000);
const partitions = wholeNumber("--partitions", 1);
const indexTimeoutMs = wholeNumber("--index-timeout", 3600) * 1000;
const queryRuns = wholeNumber("--query-runs", 50);
/** A query kind stops after this long even if it has not done its runs: today's chronik can take many seconds a query. */
const querySecondsMax = wholeNumber("--query-seconds", 60);
const queryTimeoutMs = wholeNumber("--query-timeout", 300) * 1000;
const jsonOutput = args.switch("--json");
const skipRestart = args.switch("--skip-restart");
/** What is left goes to `chronik serve`. */
const serveArgs = args.rest;
const topic = "logs";
const rssSampleMs = 200;
const searchablePollMs = 250;
const producerBufferBytes = 32 * 1024 * 1024;

/** One query in both engines' terms. */
interface ScaleQuery {
  kind: string;
  /** What it is, for the table: a Lucene query string or an aggregation. */
  description: string;
  body: Record<string, unknown>;
  fts: FtsQuery;
}

/** Latencies of one query kind in one engine, with what it found. */
interface Latency {
  runs: number;
  p50Ms: number;
  p99Ms: number;
  /** The first run's latency: after a restart, the cold one. */
  firstMs: number;
  /** The first run's hit count: after a restart, it may be short of the last while the unsealed part is indexed again. */
  firstHits: number;
  hits: number;
  buckets?: Record<string, number>;
  /** The broker's peak RssAnon while these queries ran (chronik only). */
  peakRssAnonBytes?: number;
}

function queries(): ScaleQuery[] {
  const words = vocabulary();
  // The selective user: the middle line's, so the query has hits at every --records.
  const middle = [...logLines(Math.floor(records / 2) + 1)].at(-1)!;
  const user = (JSON.parse(middle) as { user: string }).user;
  const queryString = (kind: string, text: string, fts: FtsQuery): ScaleQuery => ({
    kind,
    description: text,
    body: { query: { query_string: { query: text } }, size: topHits },
    fts,
  });
  return [
    queryString("selective", `user:${user}`, { match: `user : "${user}"` }),
    queryString("boolean", "level:error AND service:billing", { match: `level : "error" AND service : "billing"` }),
    queryString("broad", `message:${words[0]}`, { match: `message : "${words[0]}"` }),
    queryString("phrase", `message:"${words[0]} ${words[1]}"`, { match: `message : "${words[0]} ${words[1]}"` }),
    queryString("range", "latency_ms:[500 TO *]", { latencyAtLeastMs: 500 }),
    {
      kind: "terms agg",
      description: "terms on service (size 50)",
      body: { size: 0, aggs: { services: { terms: { field: "service", size: 50 } } } },
      fts: { termsField: "service" },
    },
  ];
}


/** Runs `query` up to queryRuns times or querySecondsMax seconds, whichever ends first. */
async function measure(query: () => Promise<FtsResult> | FtsResult): Promise<Latency> {
  const times: number[] = [];
  const started = performance.now();
  let result: FtsResult = { hits: -1 };
  let firstHits = -1;
  while (times.length < queryRuns && (times.length === 0 || performance.now() - started < querySecondsMax * 1000)) {
    const at = performance.now();
    result = await query();
    times.push(performance.now() - at);
    if (times.length === 1) firstHits = result.hits;
  }
  const sorted = times.toSorted((a, b) => a - b);
  return { runs: times.length, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), firstMs: times[0], firstHits, hits: result.hits, buckets: result.buckets };
}



interface FtsFigures {
  indexSeconds: number;
  docsPerSecond: number;
  indexBytes: number;
  documentBytes: number;
  warm: Record<string, Latency>;
  reopened: Record<string, Latency>;
}

async function ftsBenchmark(scaleQueries: ScaleQuery[]): Promise<FtsFigures> {
  const dir = await makeTempDir("scale-fts5");
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const fts = new Fts5LogIndex(dir);
  try {
    progress(`SQLite FTS5: indexing ${records} lines in ${dir}`);
    const indexSeconds = fts.index(records);
    const sizes = fts.sizes();
    const warm: Record<string, Latency> = {};
    for (const query of scaleQueries) warm[query.kind] = await measure(() => fts.run(query.fts));
    fts.reopen();
    const reopened: Record<string, Latency> = {};
    for (const query of scaleQueries) reopened[query.kind] = await measure(() => fts.run(query.fts));
    progress(`SQLite FTS5: ${(records / indexSeconds).toFixed(0)} docs/s`);
    return { indexSeconds, docsPerSecond: records / indexSeconds, indexBytes: sizes.indexBytes, documentBytes: sizes.documentBytes, warm, reopened };
  } finally {
    fts.close();
  }
}


/** Bytes of the files under `dir` whose names end in each of `suffixes`. */
function bytesBySuffix(dir: string, suffixes: string[]): Record<string, number> {
  const totals: Record<string, number> = Object.fromEntries(suffixes.map((suffix) => [suffix, 0]));
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const suffix = suffixes.find((candidate) => entry.name.endsWith(candidate));
    if (suffix !== undefined) totals[suffix] += statSync(join(entry.parentPath, entry.name)).size;
  }
  return totals;
}

async function searchBroker(broker: Broker, body: Record<string, unknown>, timeoutMs = queryTimeoutMs): Promise<FtsResult> {
  const response = await fetch(`http://${broker.host}:${broker.httpPort}/${topic}/_search`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const json = (await response.json()) as { hits?: { total: { value: number } }; aggregations?: { services: { buckets: { key: string; doc_count: number }[] } }; error?: unknown };
  if (response.status !== 200 || json.hits === undefined) throw new Error(`Search "${JSON.stringify(body)}" failed with status ${response.status}: ${JSON.stringify(json).slice(0, 500)}`);
  const buckets = json.aggregations?.services.buckets;
  return { hits: json.hits.total.value, buckets: buckets === undefined ? undefined : Object.fromEntries(buckets.map((bucket) => [bucket.key, bucket.doc_count])) };
}

/**
 * Polls the hit count of everything until it reaches `records`; throws past `deadline` (Date.now()
 * ms). A 404 counts as none yet: the broker starts a topic's indexers up to 200 ms after creating it.
 */
async function waitSearchable(broker: Broker, deadline: number): Promise<void> {
  let seen = 0;
  for (;;) {
    const remainingMs = deadline - Date.now();
    if (remainingMs <= 0) throw new Error(`Not all records searchable within --index-timeout ${indexTimeoutMs / 1000} s: ${seen} of ${records}`);
    try {
      seen = (await searchBroker(broker, { size: 0 }, remainingMs)).hits;
    } catch (error) {
      if (!(error as Error).message.includes("index_not_found_exception") && Date.now() < deadline) throw error;
    }
    if (seen >= records) return;
    await Bun.sleep(searchablePollMs);
  }
}

/**
 * Polls /_stats/search until no partition has a merge running or due; returns the seconds it took.
 * Queries are measured after it: right after a backlog, merges of its chunks share the cores.
 */
async function waitMergesSettled(broker: Broker, deadline: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    const response = await fetch(`http://${broker.host}:${broker.httpPort}/_stats/search`, { signal: AbortSignal.timeout(queryTimeoutMs) });
    const stats = (await response.json()) as { mergingPartitions?: number };
    if (stats.mergingPartitions === 0) return (performance.now() - started) / 1000;
    if (Date.now() > deadline) throw new Error(`Merges not settled within --index-timeout ${indexTimeoutMs / 1000} s: ${stats.mergingPartitions} partitions merging`);
    await Bun.sleep(searchablePollMs);
  }
}

/** Produces every line (acks=all) as fast as the broker takes them; returns the seconds until the last acknowledgement. */
async function produceAll(cluster: Cluster): Promise<number> {
  const producer = new Producer(cluster, { acks: -1, bufferBytesMax: producerBufferBytes });
  const encoder = new TextEncoder();
  let failure: Error | null = null;
  const started = performance.now();
  let index = 0;
  for (const line of logLines(records)) {
    if (producer.bufferFull) await producer.waitForCapacity();
    if (failure !== null) throw failure;
    producer.produce({ topic, partition: index++ % partitions, value: encoder.encode(line) }, (error) => {
      failure ??= error;
    });
  }
  await producer.close();
  if (failure !== null) throw failure;
  return (performance.now() - started) / 1000;
}

interface ChronikFigures {
  produceSeconds: number;
  indexSeconds: number;
  recordsPerSecond: number;
  /** Seconds from all searchable until no merge was running or due. */
  settleSeconds: number;
  searchBytes: number;
  logBytes: number;
  rssAfterIndexingBytes: number;
  rssAnonAfterIndexingBytes: number;
  peakRssBytes: number;
  peakRssAnonBytes: number;
  hwmBytes: number;
  warm: Record<string, Latency>;
  restart?: { searchableAgainSeconds: number; peakRssBytes: number; peakRssAnonBytes: number; queries: Record<string, Latency> };
}

async function chronikBenchmark(scaleQueries: ScaleQuery[]): Promise<ChronikFigures> {
  const brokerArgs = ["--search-all-topics", "--log-level", "warn", ...serveArgs];
  progress(`chronik: starting a broker (serve ${brokerArgs.join(" ")})`);
  const broker = await startBroker({ args: brokerArgs });
  cleanups.push(() => broker.cleanup());
  const cluster = new Cluster({ brokers: broker.bootstrap });
  cleanups.push(async () => cluster.close());
  let sampler = new MemorySampler(broker, rssSampleMs);
  cleanups.push(async () => sampler.stop());
  try {
    await new Admin(cluster).createTopics([{ name: topic, partitions }]);
    progress(`chronik: producing ${records} lines to "${topic}" (${partitions} partitions, acks=all)`);
    const started = performance.now();
    const produceSeconds = await produceAll(cluster);
    progress(`chronik: produced in ${produceSeconds.toFixed(1)} s; waiting until all are searchable`);
    await waitSearchable(broker, Date.now() + indexTimeoutMs - (performance.now() - started));
    const indexSeconds = (performance.now() - started) / 1000;
    progress(`chronik: all searchable after ${indexSeconds.toFixed(1)} s`);
    const after = sampler.sample();
    const settleSeconds = await waitMergesSettled(broker, Date.now() + indexTimeoutMs);
    progress(`chronik: merges settled ${settleSeconds.toFixed(1)} s later`);
    const warm: Record<string, Latency> = {};
    for (const query of scaleQueries) {
      sampler.startWindow();
      warm[query.kind] = await measure(() => searchBroker(broker, query.body));
      sampler.sample();
      warm[query.kind].peakRssAnonBytes = sampler.windowPeakRssAnonBytes;
      progress(`chronik: ${query.kind} p50 ${warm[query.kind].p50Ms.toFixed(1)} ms over ${warm[query.kind].runs} runs`);
    }
    const files = bytesBySuffix(broker.dataDir, [".search", ".log"]);
    const figures: ChronikFigures = {
      produceSeconds, indexSeconds, recordsPerSecond: records / indexSeconds, settleSeconds,
      searchBytes: files[".search"], logBytes: files[".log"],
      rssAfterIndexingBytes: after.rssBytes, rssAnonAfterIndexingBytes: after.rssAnonBytes,
      peakRssBytes: sampler.peakRssBytes, peakRssAnonBytes: sampler.peakRssAnonBytes, hwmBytes: sampler.hwmBytes,
      warm,
    };
    if (skipRestart) return figures;
    progress("chronik: restarting the broker (cold cache)");
    await broker.stop();
    sampler.stop();
    await broker.start();
    sampler = new MemorySampler(broker, rssSampleMs);
    figures.restart = await afterRestart(broker, sampler, scaleQueries);
    return figures;
  } catch (error) {
    console.error(`chronik benchmark failed; broker log:\n${broker.log.slice(-4000)}`);
    throw error;
  }
}

/** The first query of each kind as soon as the broker is healthy again, then p50/p99 once everything is searchable. */
async function afterRestart(broker: Broker, sampler: MemorySampler, scaleQueries: ScaleQuery[]): Promise<NonNullable<ChronikFigures["restart"]>> {
  const queriesAfter: Record<string, Latency> = {};
  const started = performance.now();
  for (const query of scaleQueries) {
    const at = performance.now();
    const first = await searchBroker(broker, query.body);
    queriesAfter[query.kind] = { runs: 1, p50Ms: 0, p99Ms: 0, firstMs: performance.now() - at, firstHits: first.hits, hits: first.hits, buckets: first.buckets };
  }
  await waitSearchable(broker, Date.now() + indexTimeoutMs);
  const searchableAgainSeconds = (performance.now() - started) / 1000;
  for (const query of scaleQueries) {
    sampler.startWindow();
    const measured = await measure(() => searchBroker(broker, query.body));
    sampler.sample();
    measured.peakRssAnonBytes = sampler.windowPeakRssAnonBytes;
    queriesAfter[query.kind] = { ...measured, firstMs: queriesAfter[query.kind].firstMs, firstHits: queriesAfter[query.kind].firstHits };
    progress(`chronik after restart: ${query.kind} first ${queriesAfter[query.kind].firstMs.toFixed(1)} ms, p50 ${measured.p50Ms.toFixed(1)} ms`);
  }
  return { searchableAgainSeconds, peakRssBytes: sampler.peakRssBytes, peakRssAnonBytes: sampler.peakRssAnonBytes, queries: queriesAfter };
}

/** Whether both engines found the same: hit counts, and bucket counts of the aggregation. */
function sameHits(chronik: Latency, fts: Latency): boolean {
  if (chronik.hits !== fts.hits) return false;
  if (chronik.buckets === undefined && fts.buckets === undefined) return true;
  const keys = new Set([...Object.keys(chronik.buckets ?? {}), ...Object.keys(fts.buckets ?? {})]);
  return [...keys].every((key) => chronik.buckets?.[key] === fts.buckets?.[key]);
}

const megabytes = (bytes: number) => `${(bytes / 1_000_000).toFixed(1)} MB`;
const milliseconds = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 2 : 1)} ms`);
const latencyCell = (latency: Latency) =>
  `p50 ${milliseconds(latency.p50Ms)}, p99 ${milliseconds(latency.p99Ms)} (${latency.runs} runs)${latency.peakRssAnonBytes === undefined ? "" : `; peak RssAnon ${megabytes(latency.peakRssAnonBytes)}`}`;

function table(scaleQueries: ScaleQuery[], chronik: ChronikFigures, fts: FtsFigures, mismatches: string[]): string {
  const rows: [string, string, string][] = [
    ["records", `${records} (${partitions} partition${partitions === 1 ? "" : "s"})`, `${records}`],
    ["produce (acks=all)", `${(records / chronik.produceSeconds).toFixed(0)} records/s (${chronik.produceSeconds.toFixed(1)} s)`, "–"],
    ["indexing", `${chronik.recordsPerSecond.toFixed(0)} records/s (${chronik.indexSeconds.toFixed(1)} s until all searchable)`, `${fts.docsPerSecond.toFixed(0)} docs/s (${fts.indexSeconds.toFixed(1)} s)`],
    ["merges settled (queries measured after)", `${chronik.settleSeconds.toFixed(1)} s after all searchable`, "–"],
    ["index bytes / log bytes", `${megabytes(chronik.searchBytes)} / ${megabytes(chronik.logBytes)} = ${(chronik.searchBytes / chronik.logBytes).toFixed(2)}`, `${megabytes(fts.indexBytes)} / ${megabytes(fts.documentBytes)} = ${(fts.indexBytes / fts.documentBytes).toFixed(2)}`],
    ["RSS / RssAnon when searchable", `${megabytes(chronik.rssAfterIndexingBytes)} / ${megabytes(chronik.rssAnonAfterIndexingBytes)}`, "–"],
    ["peak RSS / RssAnon (VmHWM)", `${megabytes(chronik.peakRssBytes)} / ${megabytes(chronik.peakRssAnonBytes)} (${megabytes(chronik.hwmBytes)})`, "–"],
  ];
  for (const query of scaleQueries) rows.push([`${query.kind}: ${query.description}`, latencyCell(chronik.warm[query.kind]), latencyCell(fts.warm[query.kind])]);
  for (const query of scaleQueries) {
    const same = sameHits(chronik.warm[query.kind], fts.warm[query.kind]);
    rows.push([`hits: ${query.kind}`, `${chronik.warm[query.kind].hits}`, `${fts.warm[query.kind].hits}${same ? " (equal)" : "  MISMATCH"}`]);
  }
  if (chronik.restart !== undefined) {
    rows.push(["after restart: all searchable again", `within ${chronik.restart.searchableAgainSeconds.toFixed(1)} s of healthy (first queries included)`, "–"]);
    rows.push(["after restart: peak RSS / RssAnon", `${megabytes(chronik.restart.peakRssBytes)} / ${megabytes(chronik.restart.peakRssAnonBytes)}`, "–"]);
    for (const query of scaleQueries) {
      const cold = chronik.restart.queries[query.kind];
      const reopened = fts.reopened[query.kind];
      rows.push([`after restart: ${query.kind}`, `first ${milliseconds(cold.firstMs)} (${cold.firstHits} hits); ${latencyCell(cold)}`, `first ${milliseconds(reopened.firstMs)}; ${latencyCell(reopened)}`]);
    }
  }
  const widths = [0, 1, 2].map((column) => Math.max(...[["", "chronik", "SQLite FTS5"], ...rows].map((row) => row[column].length)));
  const line = (row: string[]) => `| ${row.map((cell, column) => cell.padEnd(widths[column])).join(" | ")} |`;
  const lines = [line(["", "chronik", "SQLite FTS5"]), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)];
  lines.push(mismatches.length === 0 ? "hit counts: equal for every query" : `hit counts: MISMATCH for ${mismatches.join(", ")}`);
  return lines.join("\n");
}

async function main(): Promise<number> {
  const scaleQueries = queries();
  const fts = await ftsBenchmark(scaleQueries);
  const chronik = await chronikBenchmark(scaleQueries);
  const mismatches = scaleQueries.filter((query) => !sameHits(chronik.warm[query.kind], fts.warm[query.kind])).map((query) => query.kind);
  for (const query of scaleQueries) {
    const cold = chronik.restart?.queries[query.kind];
    if (cold !== undefined && !sameHits(cold, fts.warm[query.kind])) mismatches.push(`${query.kind} after restart`);
  }
  if (jsonOutput) {
    console.log(JSON.stringify({ records, partitions, serveArgs, queries: scaleQueries.map(({ kind, description }) => ({ kind, description })), chronik, fts, mismatches }, null, 2));
  } else {
    console.log(table(scaleQueries, chronik, fts, mismatches));
  }
  return mismatches.length === 0 ? 0 : 1;
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  console.error((error as Error).stack ?? String(error));
} finally {
  await cleanUp();
}
process.exit(exitCode);
