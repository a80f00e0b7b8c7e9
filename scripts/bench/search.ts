// Search benchmark on the Debian package corpus (../shared/corpus/debian-packages.sh), side by
// side with SQLite FTS5 (bun:sqlite, bm25) on the same documents in the same run:
//   1. indexing docs/s; query latency p50/p99 for selective and broad queries; known-item
//      MRR@10 (query = a package's short description, answer = that package);
//   2. through a real broker: freshness lag (acknowledged → searchable) p50/p99 under a produce
//      load, and produce throughput to a searchable topic vs a plain one.
// Run: npx bun scripts/bench/search.ts [documents=63681] [--corpus file.jsonl] [--skip-broker | --broker-only]
//        [--freshness-rate records/s (default 2000)]
// Documents beyond the corpus size repeat it (for scale); MRR is measured on the first copy.

import { Database } from "bun:sqlite";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Admin, Cluster, Producer } from "../../src/client/index.ts";
import { flattenJsonText } from "../../src/search/document.ts";
import { parseSearchBody } from "../../src/search/es-dsl.ts";
import { runSearch, type IndexHandle } from "../../src/search/searcher.ts";
import { LiveSegment } from "../../src/search/live-segment.ts";
import { terms } from "../../src/search/tokenizer.ts";
import { makeTempDir, repoRoot, runOk, startBroker } from "../../tests/e2e/harness.ts";

const args = process.argv.slice(2);
const flag = (name: string) => {
  const at = args.indexOf(name);
  return at < 0 ? undefined : args.splice(at, 2)[1];
};
const skipBroker = args.includes("--skip-broker");
const brokerOnly = args.includes("--broker-only");
const corpusArgument = flag("--corpus");
const freshnessRate = Number(flag("--freshness-rate") ?? 2000);
const documentsWanted = Number(args.find((arg) => /^\d+$/.test(arg)) ?? 0);
/** Documents per segment index, as a log would roll them. */
const segmentDocuments = 8_000;
const queriesPerKind = 200;
const mrrQueries = 500;
/** Search memory of the benchmark broker: enough to keep every index chunk of the run loaded (about 200 000 Debian records at ~19.5 KB estimated each): this measures freshness, not searches beyond the budget. */
const brokerSearchMemoryMb = 8192;
const freshnessLoadPerSecond = freshnessRate;
const freshnessTickMs = 50;

interface Package {
  package: string;
  description: string;
}

async function loadCorpus(): Promise<string[]> {
  let file = corpusArgument;
  if (!file) {
    file = join(await makeTempDir("corpus"), "debian.jsonl");
    await runOk(["bash", join(repoRoot, "../shared/corpus/debian-packages.sh"), file], { timeoutMs: 120_000 });
  }
  if (!existsSync(file)) throw new Error(`Corpus "${file}" does not exist`);
  return readFileSync(file, "utf8").split("\n").filter((line) => line !== "");
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

function latency(samples: number[]): string {
  const sorted = samples.toSorted((a, b) => a - b);
  return `p50 ${percentile(sorted, 50).toFixed(2)} ms, p99 ${percentile(sorted, 99).toFixed(2)} ms`;
}

/** The text both engines index: the JSON's values, as chronik's default field does. */
function documentText(line: string): string {
  return [...flattenJsonText(line).values()].flat().join("\n");
}

function ftsQuery(text: string): string {
  return [...new Set(terms(text))].map((term) => `"${term}"`).join(" OR ");
}

const corpus = await loadCorpus();
const documentCount = documentsWanted || corpus.length;
const lines = Array.from({ length: documentCount }, (_, i) => corpus[i % corpus.length]);
console.log(`corpus: ${corpus.length} Debian packages; indexing ${documentCount} documents`);

if (!brokerOnly) await inProcessBenchmarks();
if (!skipBroker) await brokerBenchmarks();

/** Indexing, latency and MRR of chronik's segment indexes and SQLite FTS5, in this process. */
async function inProcessBenchmarks(): Promise<void> {
  // chronik's index: one live segment per segmentDocuments documents (sealed segments are measured by search-scale.ts).
  let started = performance.now();
  const segments: LiveSegment[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (i % segmentDocuments === 0) segments.push(new LiveSegment("debian", 0, i, 0));
    segments.at(-1)!.add({ offset: i, timestamp: i, key: null, headers: {}, value: lines[i], valueIsBinary: false, fields: flattenJsonText(lines[i]) });
  }
  const chronikIndexSeconds = (performance.now() - started) / 1000;

  // SQLite FTS5 on the same text.
  const sqlite = new Database(":memory:");
  sqlite.run("CREATE VIRTUAL TABLE docs USING fts5(body)");
  started = performance.now();
  const insert = sqlite.prepare("INSERT INTO docs(rowid, body) VALUES (?, ?)");
  sqlite.transaction(() => {
    for (let i = 0; i < lines.length; i++) insert.run(i, documentText(lines[i]));
  })();
  const ftsIndexSeconds = (performance.now() - started) / 1000;

  console.log(`indexing: chronik ${(documentCount / chronikIndexSeconds).toFixed(0)} docs/s (${segments.length} segment indexes), SQLite FTS5 ${(documentCount / ftsIndexSeconds).toFixed(0)} docs/s`);

  const handles: IndexHandle[] = segments.map((index) => ({ topic: index.topic, partition: 0, baseOffset: index.baseOffset, load: async () => index }));
  const ftsSearch = sqlite.prepare("SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT 10");

  async function chronikTop10(text: string): Promise<number[]> {
    const response = await runSearch(handles, parseSearchBody({ query: { match: { _value: text } }, size: 10, _source: false }));
    return response.hits.hits.map((hit) => hit.offset);
  }

  function ftsTop10(text: string): number[] {
    return (ftsSearch.all(ftsQuery(text)) as { rowid: number }[]).map((row) => row.rowid);
  }

  const packages = corpus.map((line) => JSON.parse(line) as Package);
  // Selective: a package name (few matches). Broad: common words (thousands of matches).
  const selective = Array.from({ length: queriesPerKind }, (_, i) => packages[(i * 7919) % packages.length].package.replace(/[^a-z0-9]+/g, " "));
  const broadWords = ["library", "python module", "data files", "development files", "documentation", "tool"];
  const broad = Array.from({ length: queriesPerKind }, (_, i) => broadWords[i % broadWords.length]);

  for (const [kind, queries] of [["selective", selective], ["broad", broad]] as const) {
    const chronikTimes: number[] = [];
    const ftsTimes: number[] = [];
    for (const query of queries) {
      let at = performance.now();
      await chronikTop10(query);
      chronikTimes.push(performance.now() - at);
      at = performance.now();
      ftsTop10(query);
      ftsTimes.push(performance.now() - at);
    }
    console.log(`${kind} queries (top 10): chronik ${latency(chronikTimes)}; SQLite FTS5 ${latency(ftsTimes)}`);
  }

  // Known-item search: the first line of a package's description should find that package.
  let chronikReciprocal = 0;
  let ftsReciprocal = 0;
  const sampled = Array.from({ length: Math.min(mrrQueries, packages.length) }, (_, i) => (i * 104_729) % packages.length);
  for (const position of sampled) {
    const query = packages[position].description.split("\n")[0];
    if (terms(query).length === 0) continue;
    const rank = (found: number[]) => found.findIndex((offset) => offset % corpus.length === position);
    const chronikRank = rank(await chronikTop10(query));
    const ftsRank = rank(ftsTop10(query));
    if (chronikRank >= 0) chronikReciprocal += 1 / (chronikRank + 1);
    if (ftsRank >= 0) ftsReciprocal += 1 / (ftsRank + 1);
  }
  console.log(`known-item MRR@10 over ${sampled.length} short descriptions: chronik ${(chronikReciprocal / sampled.length).toFixed(3)}, SQLite FTS5 ${(ftsReciprocal / sampled.length).toFixed(3)}`);
  sqlite.close();
}


/** Waits until `count` records of `topic` are searchable; reports how fast the broker's indexer caught up. */
async function waitIndexed(searchUrl: string, topic: string, count: number): Promise<void> {
  const started = performance.now();
  for (;;) {
    const response = await fetch(`${searchUrl}/${topic}/_search?size=0`);
    const json = (await response.json()) as { hits?: { total: { value: number } } };
    if ((json.hits?.total.value ?? 0) >= count) break;
    await Bun.sleep(20);
  }
  if (count > 0) console.log(`broker indexer: ${count} records searchable ${((performance.now() - started) / 1000).toFixed(1)} s after the last acknowledgement`);
}

/** Freshness lag and produce throughput against a real broker. */
async function brokerBenchmarks(): Promise<void> {
  const broker = await startBroker({ args: ["--segment-bytes", "16MiB", "--search-memory-mb", String(brokerSearchMemoryMb), "--log-level", "warn"] });
  const cluster = new Cluster({ brokers: broker.bootstrap });
  const searchUrl = `http://${broker.host}:${broker.httpPort}`;
  try {
    await new Admin(cluster).createTopics([
      { name: "searchable", partitions: 3, configs: { "search.enabled": "true" } },
      { name: "plain", partitions: 3 },
    ]);
    const encoder = new TextEncoder();
    const producer = new Producer(cluster, { lingerMs: 5 });
    const throughputDocuments = Math.min(lines.length, 60_000);
    for (const topic of ["plain", "searchable"]) {
      if (topic === "searchable") await waitIndexed(searchUrl, "searchable", 0);
      const at = performance.now();
      const sends: Promise<unknown>[] = [];
      for (let i = 0; i < throughputDocuments; i++) sends.push(producer.send({ topic, value: encoder.encode(lines[i]) }));
      await Promise.all(sends);
      const seconds = (performance.now() - at) / 1000;
      console.log(`produce throughput to "${topic}": ${(throughputDocuments / seconds).toFixed(0)} records/s (${throughputDocuments} Debian records, acks=all)`);
    }

    // Freshness: a steady background load on the searchable topic (below what the indexer
    // sustains; above it the lag grows without bound), and every 50 ms a marker record whose
    // time from acknowledgement to first search hit is measured.
    await waitIndexed(searchUrl, "searchable", throughputDocuments);
    let loading = true;
    const loadPerTick = Math.round((freshnessLoadPerSecond * freshnessTickMs) / 1000);
    const load = (async () => {
      for (let i = 0; loading; i++) {
        const tick = Bun.sleep(freshnessTickMs);
        const sends: Promise<unknown>[] = [];
        for (let j = 0; j < loadPerTick; j++) sends.push(producer.send({ topic: "searchable", value: encoder.encode(lines[(i * loadPerTick + j) % lines.length]) }));
        await Promise.all([...sends, tick]);
      }
    })();
    const lags: number[] = [];
    for (let marker = 0; marker < 100; marker++) {
      const word = `freshnessmarker${marker}x${Date.now()}`;
      await producer.send({ topic: "searchable", value: encoder.encode(JSON.stringify({ marker: word })) });
      const acknowledged = performance.now();
      for (;;) {
        const response = await fetch(`${searchUrl}/searchable/_search?q=marker:${word}&size=0`);
        const json = (await response.json()) as { hits: { total: { value: number } } };
        if (json.hits.total.value === 1) break;
        if (performance.now() - acknowledged > 30_000) throw new Error(`Marker "${word}" not searchable within 30 s`);
        await Bun.sleep(2);
      }
      lags.push(performance.now() - acknowledged);
      await Bun.sleep(50);
    }
    loading = false;
    await load;
    console.log(`freshness lag under a steady ${freshnessLoadPerSecond} records/s load (ack → searchable, 100 markers): ${latency(lags)}`);
  } catch (error) {
    console.error(`Broker benchmark failed; broker log:\n${broker.log.slice(-4000)}`);
    throw error;
  } finally {
    cluster.close();
    await broker.cleanup();
  }
}
