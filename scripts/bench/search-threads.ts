// Search latency over query threads (--search-threads, src/search/query-pool.ts) on the Debian
// package corpus, selective and broad queries as in search.ts, with 1 and with 2 threads,
// through a real broker: the corpus produced to a searchable topic of 3 partitions in 2 MiB
// segments, queried over HTTP.
// Run: npx bun scripts/bench/search-threads.ts --corpus file.jsonl [--skip-broker]

import { Admin, Cluster, Producer } from "../../src/client/index.ts";
import { readFileSync } from "node:fs";
import { startBroker } from "../../tests/e2e/harness.ts";

const args = process.argv.slice(2);
const corpusAt = args.indexOf("--corpus");
if (corpusAt < 0) throw new Error("Usage: search-threads.ts --corpus file.jsonl [--skip-broker]");
const lines = readFileSync(args[corpusAt + 1], "utf8").split("\n").filter((line) => line !== "");
const skipBroker = args.includes("--skip-broker");
const queriesPerKind = 200;
const threadCounts = [1, 2];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

function latency(samples: number[]): string {
  const sorted = samples.toSorted((a, b) => a - b);
  return `p50 ${percentile(sorted, 50).toFixed(2)} ms, p99 ${percentile(sorted, 99).toFixed(2)} ms`;
}

const packages = lines.map((line) => JSON.parse(line) as { package: string });
const selective = Array.from({ length: queriesPerKind }, (_, i) => packages[(i * 7919) % packages.length].package.replace(/[^a-z0-9]+/g, " "));
const broadWords = ["library", "python module", "data files", "development files", "documentation", "tool"];
const broad = Array.from({ length: queriesPerKind }, (_, i) => broadWords[i % broadWords.length]);
const kinds = [["selective", selective], ["broad", broad]] as const;
const body = (text: string) => ({ query: { match: { _value: text } }, size: 10, _source: false });

console.log(`corpus: ${lines.length} Debian packages; load average ${(await import("node:os")).loadavg().map((load) => load.toFixed(2)).join(" ")}`);

// Through a broker (in-process figures are in search-scale.ts and search.ts).
if (!skipBroker) {
  for (const threads of threadCounts) {
    const broker = await startBroker({ args: ["--segment-bytes", "2MiB", "--search-memory-mb", "2048", "--search-threads", String(threads), "--log-level", "warn"] });
    const cluster = new Cluster({ brokers: broker.bootstrap });
    const searchUrl = `http://${broker.host}:${broker.httpPort}`;
    try {
      await new Admin(cluster).createTopics([{ name: "debian", partitions: 3, configs: { "search.enabled": "true" } }]);
      const producer = new Producer(cluster, { lingerMs: 5 });
      const encoder = new TextEncoder();
      await Promise.all(lines.map((line) => producer.send({ topic: "debian", value: encoder.encode(line) })));
      const search = async (request: unknown) => {
        const response = await fetch(`${searchUrl}/debian/_search`, { method: "POST", body: JSON.stringify(request), headers: { "content-type": "application/json" } });
        return (await response.json()) as { hits: { total: { value: number } }; _shards: { total: number } };
      };
      const started = performance.now();
      let shards = 0;
      for (;;) {
        const answer = await search({ size: 0 });
        shards = answer._shards.total;
        if (answer.hits.total.value >= lines.length) break;
        await Bun.sleep(50);
      }
      // Sealed chunks are saved (and so searched by the query threads) shortly after indexing.
      await Bun.sleep(2000);
      const stats = (await (await fetch(`${searchUrl}/_stats/search`)).json()) as Record<string, number>;
      console.log(`broker, ${threads} query thread(s): ${lines.length} records searchable ${((performance.now() - started) / 1000).toFixed(1)} s after the last acknowledgement, ${shards} index chunks`);
      for (const [kind, queries] of kinds) {
        const times: number[] = [];
        for (const [round, query] of [...queries, ...queries].entries()) {
          const at = performance.now();
          await search(body(query));
          if (round >= queries.length) times.push(performance.now() - at);
        }
        console.log(`broker over HTTP, ${kind} (top 10), ${threads} query thread(s): ${latency(times)}`);
      }
      const after = (await (await fetch(`${searchUrl}/_stats/search`)).json()) as Record<string, number>;
      console.log(`  resident sealed indexes ${after.residentIndexes} (before the queries ${stats.residentIndexes}), active ${(after.activeBytes / 1024 / 1024).toFixed(1)} MiB`);
    } finally {
      cluster.close();
      await broker.cleanup();
    }
  }
}
