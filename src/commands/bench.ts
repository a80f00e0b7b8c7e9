// `chronik bench produce|consume`: load tests like kafka-producer-perf-test and
// kafka-consumer-perf-test. produce sends N records of B bytes from K producers (each with its
// own connections), as fast as the broker takes them or paced to --throughput records/s, and
// measures each record's latency from send to acknowledgement; consume reads N records (or to
// the end) and measures each poll. Latencies go into a fixed-size histogram
// (latency-histogram.ts). Once a second a progress line goes to stderr; the summary (records/s,
// MB/s, latency avg/max/p50/p95/p99/p99.9, kafka-producer-perf-test's columns) goes to stdout.

import { Command, Option } from "@commander-js/extra-typings";
import { type Cluster, Consumer, defaultProducerOptions, Producer } from "../client/index.ts";
import { brokersHelp, collect, CommandError, configHelp, logLevels, openCluster, resolveClientSettings, runClientCommand, setHelp } from "./client-command.ts";
import { LatencyHistogram } from "./latency-histogram.ts";
import { choice, parseByteSize, parseNonNegativeInteger, parsePositiveInteger } from "./options.ts";
import { producerOptions } from "./produce.ts";
import { ThroughputPacer } from "./throughput-pacer.ts";

const progressIntervalMs = 1000;
const mebibyte = 1024 * 1024;
/**
 * Shortest wait between paced sends. Timers fire at millisecond granularity at best: waiting at
 * least this long sends records in small bursts (50 at 50,000/s) instead of waking per record.
 */
const pacingWaitMinMs = 1;

export interface BenchSummary {
  records: number;
  bytes: number;
  elapsedMs: number;
  recordsPerSecond: number;
  megabytesPerSecond: number;
  latencyAvgMs: number;
  latencyMaxMs: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
  latencyP99Ms: number;
  latencyP999Ms: number;
}

function summarize(records: number, bytes: number, elapsedMs: number, latency: LatencyHistogram): BenchSummary {
  const seconds = Math.max(elapsedMs, 1) / 1000;
  const [p50, p95, p99, p999] = latency.percentiles([0.5, 0.95, 0.99, 0.999]);
  return {
    records,
    bytes,
    elapsedMs: Math.round(elapsedMs),
    recordsPerSecond: Math.round((records / seconds) * 10) / 10,
    megabytesPerSecond: Math.round((bytes / mebibyte / seconds) * 100) / 100,
    latencyAvgMs: round2(latency.averageMs),
    latencyMaxMs: round2(latency.maxMs),
    latencyP50Ms: round2(p50),
    latencyP95Ms: round2(p95),
    latencyP99Ms: round2(p99),
    latencyP999Ms: round2(p999),
  };
}

const round2 = (value: number) => Math.round(value * 100) / 100;

function summaryLine(verb: string, summary: BenchSummary): string {
  return (
    `${summary.records} records ${verb}, ${summary.recordsPerSecond.toFixed(1)} records/sec (${summary.megabytesPerSecond.toFixed(2)} MB/sec), ` +
    `${summary.latencyAvgMs.toFixed(2)} ms avg latency, ${summary.latencyMaxMs.toFixed(2)} ms max latency, ` +
    `${summary.latencyP50Ms.toFixed(2)} ms 50th, ${summary.latencyP95Ms.toFixed(2)} ms 95th, ${summary.latencyP99Ms.toFixed(2)} ms 99th, ${summary.latencyP999Ms.toFixed(2)} ms 99.9th.\n`
  );
}

/** Prints a progress line on stderr every second (that second's rates, latency so far) until stopped. */
function progress(verb: string, counters: { records: number; bytes: number }, latency: LatencyHistogram, quiet: boolean): () => void {
  if (quiet) return () => {};
  let last = { at: performance.now(), records: 0, bytes: 0 };
  const timer = setInterval(() => {
    const now = performance.now();
    const seconds = (now - last.at) / 1000;
    const records = counters.records - last.records;
    const bytes = counters.bytes - last.bytes;
    process.stderr.write(
      `${records} records ${verb}, ${(records / seconds).toFixed(1)} records/sec (${(bytes / mebibyte / seconds).toFixed(2)} MB/sec), ` +
        `${latency.averageMs.toFixed(2)} ms avg latency, ${latency.maxMs.toFixed(2)} ms max latency so far.\n`,
    );
    last = { at: now, records: counters.records, bytes: counters.bytes };
  }, progressIntervalMs);
  return () => clearInterval(timer);
}

interface ProduceLoad {
  topic: string;
  value: Uint8Array;
  /** Records this producer sends. */
  records: number;
  /** Records per second for this producer, or null to send as fast as the broker takes them. */
  recordsPerSecond: number | null;
}

interface ProduceTally {
  latency: LatencyHistogram;
  counters: { records: number; bytes: number };
  failure: Error | null;
}

/**
 * Sends one producer's share: as many records as the pacer says are due, then one wait for the
 * next. Each record's send time travels as its delivery tag, so one callback serves them all.
 */
async function sendLoad(producer: Producer, load: ProduceLoad, tally: ProduceTally): Promise<void> {
  const onDelivery = (error: Error | null, _metadata: unknown, sentAtMs: number) => {
    if (error !== null) {
      tally.failure ??= error;
      return;
    }
    tally.latency.record(performance.now() - sentAtMs);
    tally.counters.records++;
    tally.counters.bytes += load.value.length;
  };
  const pacer = load.recordsPerSecond === null ? null : new ThroughputPacer(load.recordsPerSecond, performance.now());
  let sent = 0;
  while (sent < load.records && tally.failure === null) {
    let due = load.records - sent;
    if (pacer !== null) {
      due = Math.min(due, pacer.allowance(performance.now(), sent));
      if (due === 0) {
        await Bun.sleep(Math.max(pacingWaitMinMs, pacer.delayMs(performance.now(), sent)));
        continue;
      }
    }
    for (; due > 0 && !producer.bufferFull; due--, sent++) producer.produce({ topic: load.topic, value: load.value }, onDelivery, performance.now());
    if (producer.bufferFull) await producer.waitForCapacity();
  }
  await producer.flush();
}

function produceBenchCommand() {
  return new Command("produce")
    .description("Send records (as fast as the broker takes them, or at --throughput) and report throughput and latency")
    .requiredOption("-t, --topic <topic>", "topic to write to (created if the broker auto-creates topics)")
    .option("--records <n>", "records to send in all", parsePositiveInteger, 1_000_000)
    .option("--record-size <size>", "bytes per record value", parseByteSize, 100)
    .option("--throughput <n>", "send at most this many records per second in all, on an even schedule (default: no limit)", parsePositiveInteger)
    .option("--producers <n>", "producers sending in parallel, each with its own connections", parsePositiveInteger, 1)
    .option("--acks <acks>", "0, 1, -1 or all (default: all)")
    .addOption(new Option("-z, --compression <codec>", "compression codec").choices(["none", "gzip", "snappy", "lz4", "zstd"] as const))
    .option("--linger-ms <ms>", `how long a batch waits for more records; 0 sends at once (default: ${defaultProducerOptions.lingerMs})`, parseNonNegativeInteger)
    .option("--batch-bytes <size>", "close a batch at this many bytes", parseByteSize)
    .option("--format <format>", "summary as text (kafka-producer-perf-test style) or json", choice(["text", "json"] as const), "text" as "text" | "json")
    .option("-q, --quiet", "no progress lines on stderr")
    .option("-b, --brokers <list>", brokersHelp)
    .option("-X, --set <key=value>", setHelp, collect, [] as string[])
    .option("--config <file>", configHelp)
    .option("--log-level <level>", "debug, info, warn or error", choice(logLevels), "warn" as const)
    .addHelpText(
      "after",
      [
        "",
        "Latency is measured per record from send to acknowledgement; percentiles are within 0.5%.",
        "",
        "Examples:",
        "  chronik bench produce -t bench --records 1000000 --record-size 100",
        "  chronik bench produce -t bench --producers 4 -z lz4 --acks 1",
        "  chronik bench produce -t bench --records 500000 --throughput 25000   latency at a steady 25,000 records/s",
        "",
      ].join("\n"),
    )
    .action(async (options) => {
      await runClientCommand("bench produce", async () => {
        const settings = resolveClientSettings(options);
        const value = new Uint8Array(options.recordSize);
        for (let i = 0; i < value.length; i++) value[i] = 0x61 + ((i * 7) % 26);
        const tally: ProduceTally = { latency: new LatencyHistogram(), counters: { records: 0, bytes: 0 }, failure: null };
        const clusters: Cluster[] = [];
        let stopProgress = () => {};
        let started = performance.now();
        try {
          // Connections and metadata first, so that neither the clock nor the progress lines count them.
          const producers = await Promise.all(
            Array.from({ length: options.producers }, async () => {
              const cluster = openCluster(settings);
              clusters.push(cluster);
              await cluster.topic(options.topic, { allowAutoTopicCreation: true });
              return new Producer(cluster, producerOptions(settings, options));
            }),
          );
          stopProgress = progress("sent", tally.counters, tally.latency, options.quiet === true);
          started = performance.now();
          const share = (index: number) => Math.floor(options.records / options.producers) + (index < options.records % options.producers ? 1 : 0);
          const recordsPerSecond = options.throughput === undefined ? null : options.throughput / options.producers;
          await Promise.all(producers.map((producer, index) => sendLoad(producer, { topic: options.topic, value, records: share(index), recordsPerSecond }, tally)));
        } finally {
          stopProgress();
          for (const cluster of clusters) cluster.close();
        }
        if (tally.failure !== null) throw new CommandError(`Stopped after ${tally.counters.records} records: ${(tally.failure as Error).message}`);
        const summary = summarize(tally.counters.records, tally.counters.bytes, performance.now() - started, tally.latency);
        process.stdout.write(options.format === "json" ? `${JSON.stringify(summary)}\n` : summaryLine("sent", summary));
      });
    });
}

function consumeBenchCommand() {
  return new Command("consume")
    .description("Read records as fast as the broker serves them and report throughput and poll latency")
    .requiredOption("-t, --topic <topic>", "topic to read from the beginning")
    .option("--records <n>", "stop after this many records (default: the end offsets at start)", parsePositiveInteger)
    .option("--format <format>", "summary as text or json", choice(["text", "json"] as const), "text" as "text" | "json")
    .option("-q, --quiet", "no progress lines on stderr")
    .option("-b, --brokers <list>", brokersHelp)
    .option("-X, --set <key=value>", setHelp, collect, [] as string[])
    .option("--config <file>", configHelp)
    .option("--log-level <level>", "debug, info, warn or error", choice(logLevels), "warn" as const)
    .addHelpText("after", "\nExample:\n  chronik bench consume -t bench\n")
    .action(async (options) => {
      await runClientCommand("bench consume", async () => {
        const cluster = openCluster(resolveClientSettings(options));
        const latency = new LatencyHistogram();
        const counters = { records: 0, bytes: 0 };
        let stopProgress = () => {};
        let started = performance.now();
        try {
          const consumer = new Consumer(cluster, { topic: options.topic, start: "beginning", stopAtEnd: options.records === undefined });
          await consumer.start();
          stopProgress = progress("read", counters, latency, options.quiet === true);
          started = performance.now();
          const wanted = options.records ?? Infinity;
          while (counters.records < wanted) {
            const asked = performance.now();
            const chunks = await consumer.poll();
            if (chunks === null) break;
            latency.record(performance.now() - asked);
            for (const chunk of chunks) {
              for (const record of chunk.records) {
                counters.records++;
                counters.bytes += (record.value?.length ?? 0) + (record.key?.length ?? 0);
              }
            }
          }
        } finally {
          stopProgress();
          cluster.close();
        }
        const summary = summarize(counters.records, counters.bytes, performance.now() - started, latency);
        process.stdout.write(options.format === "json" ? `${JSON.stringify(summary)}\n` : summaryLine("read", summary));
      });
    });
}

export function benchCommand() {
  return new Command("bench")
    .description("Measure produce or consume throughput and latency against a cluster")
    .addCommand(produceBenchCommand())
    .addCommand(consumeBenchCommand());
}
