// How a /metrics scrape grows with partitions: a broker (started here) gets topics of 10
// partitions each, one record per partition and a group with an offset in each, in steps; after
// each step /metrics is scraped 10 times, with per-partition series on and off (one broker each),
// and the median time, the size and the series count are reported, next to /api/overview's time.
// Run: npx bun scripts/bench/metrics-scrape.ts [--steps 100,1000,5000] (partitions)

import { Cluster, Producer } from "../../src/client/index.ts";
import { startBroker, type Broker } from "../../tests/e2e/harness.ts";
import { BenchArgs, cleanUp, cleanups, percentile, progress } from "./bench-support.ts";

const args = new BenchArgs(process.argv.slice(2));
const steps = (args.value("--steps") ?? "100,1000,5000").split(",").map(Number);
const partitionsPerTopic = 10;
const scrapes = 10;

async function timed(url: string): Promise<{ ms: number; text: string }> {
  const started = performance.now();
  const text = await (await fetch(url)).text();
  return { ms: performance.now() - started, text };
}

async function medianOf(url: string): Promise<{ ms: number; bytes: number; series: number }> {
  const times: number[] = [];
  let text = "";
  for (let i = 0; i < scrapes; i++) ({ ms: times[i], text } = await timed(url));
  return { ms: percentile(times.sort((a, b) => a - b), 50), bytes: text.length, series: text.split("\n").filter((line) => line !== "" && !line.startsWith("#")).length };
}

/** Grows the broker to `partitions` partitions: new topics, a record in each partition, and the group's offsets. */
async function growTo(broker: Broker, producer: Producer, from: number, partitions: number): Promise<void> {
  const api = `http://${broker.host}:${broker.httpPort}/api`;
  for (let topic = from / partitionsPerTopic; topic < partitions / partitionsPerTopic; topic++) {
    const name = `scale-${topic}`;
    const response = await fetch(`${api}/topics`, { method: "POST", body: JSON.stringify({ name, partitions: partitionsPerTopic }) });
    if (response.status !== 201) throw new Error(`Cannot create ${name}: ${await response.text()}`);
    await Promise.all(Array.from({ length: partitionsPerTopic }, (_, partition) => producer.send({ topic: name, partition, value: new TextEncoder().encode(`record of ${name}/${partition}`) })));
    const reset = await fetch(`${api}/groups/scale-readers/reset-offsets`, { method: "POST", body: JSON.stringify({ topic: name, to: "earliest" }) });
    if (!reset.ok) throw new Error(`Cannot commit offsets of ${name}: ${await reset.text()}`);
  }
}

const brokers = {
  "per-partition on": await startBroker({ args: ["--open-files-max", "20000", ...args.rest] }),
  "per-partition off": await startBroker({ args: ["--no-metrics-partition-series", "--open-files-max", "20000", ...args.rest] }),
};
const producers = Object.values(brokers).map((broker) => {
  const cluster = new Cluster({ brokers: broker.bootstrap });
  cleanups.push(async () => cluster.close());
  return new Producer(cluster, { lingerMs: 0 });
});
for (const broker of Object.values(brokers)) cleanups.push(() => broker.cleanup());
try {
  let done = 0;
  for (const partitions of steps) {
    for (const [i, broker] of Object.values(brokers).entries()) await growTo(broker, producers[i], done, partitions);
    done = partitions;
    for (const [mode, broker] of Object.entries(brokers)) {
      const metrics = await medianOf(`http://${broker.host}:${broker.httpPort}/metrics`);
      const overview = await medianOf(`http://${broker.host}:${broker.httpPort}/api/overview`);
      progress(`${partitions} partitions, ${mode}: /metrics ${metrics.ms.toFixed(1)} ms, ${(metrics.bytes / 1024).toFixed(0)} KiB, ${metrics.series} samples; /api/overview ${overview.ms.toFixed(1)} ms`);
    }
  }
} finally {
  await cleanUp();
}
