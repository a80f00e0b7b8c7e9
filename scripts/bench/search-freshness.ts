// Search freshness under a steady produce rate (issue 10: "freshness p99 ≤ 1 s while producing
// 5,000 records/s for 10 minutes"), through a real broker started with `--search-all-topics`.
// Records are log-corpus lines (log-corpus.ts) with one more JSON field, `"seq": "s<n>"` (s0, s1, …:
// a keyword, found through its postings as a user's id would be, not by scanning a number column),
// produced with chronik's Producer (acks=all) at --rate records/s, paced by the wall clock: a
// producer that falls behind catches up, but never sends more than 50 ms worth at once.
//   - Freshness of a record: from its produce acknowledgement to the first search response that
//     finds it. Every --probe-ms the highest seq acknowledged so far is probed: `POST
//     /<topic>/_search` with a `term` query on `seq`, repeated until its total is 1. Probes run
//     independently (a slow one does not delay the next), at most 20 at once; a probe due while
//     20 run is skipped and counted.
//   - Indexing lag: every second, the records acknowledged minus the hit count of everything.
//   - The broker's RSS and RssAnon, peak sampled from /proc/<pid>/status, and VmHWM.
//   - After the run: every acknowledged record is searchable, exactly once (the hit count of
//     everything equals the records acknowledged); the exit code is 1 otherwise (2 for a bad flag).
// Run: npx bun scripts/bench/search-freshness.ts [--rate 5000] [--seconds 600] [--partitions 1]
//        [--probe-ms 100] [--json] [serve flags…, e.g. --search-memory-mb 256]
// Flags the script does not know are passed to `chronik serve`. Progress goes to stderr; the
// table (or, with --json, one JSON object) to stdout.

import { Admin, Cluster, Producer } from "../../src/client/index.ts";
import { logLines } from "./log-corpus.ts";
import { type Broker, startBroker } from "../../tests/e2e/harness.ts";
import { BenchArgs, cleanUp, cleanups, MemorySampler, percentile, progress, UsageError } from "./bench-support.ts";

const usage = "Usage: search-freshness.ts [--rate records/s] [--seconds N] [--partitions N] [--probe-ms N] [--json] [serve flags…]";
const args = new BenchArgs(process.argv.slice(2));

let options: ReturnType<typeof parseOptions>;
function parseOptions() {
  return {
    rate: args.wholeNumber("--rate", 5000),
    seconds: args.wholeNumber("--seconds", 600),
    partitions: args.wholeNumber("--partitions", 1),
    probeMs: args.wholeNumber("--probe-ms", 100),
    jsonOutput: args.switch("--json"),
    /** What is left goes to `chronik serve`. */
    serveArgs: args.rest,
  };
}

const topic = "logs";
const rssSampleMs = 250;
const lagSampleMs = 1000;
/** The pacer wakes this often and sends what the wall clock says is due. */
const paceTickMs = 20;
/** At most this much of the rate is sent at once, even when behind. */
const paceBurstMs = 50;
/** Records buffered in the producer, at most: about 40 000 log lines. */
const producerBufferBytes = 8 * 1024 * 1024;
const probesInFlightMax = 20;
/** A probe polls again after a tenth of its age so far, within these bounds: the error is about a tenth. */
const probePollMinMs = 5;
const probePollMaxMs = 50;
/** A probe gives up (counted as timed out) after this long. */
const probeTimeoutMs = 60_000;
/** Poll latencies kept for percentiles (a uniform sample beyond that). */
const pollLatencySampleMax = 100_000;
const searchTimeoutMs = 30_000;
/** The final count check gives up when the hit count has not moved for this long. */
const finalStallMs = 60_000;
const finalPollMs = 250;
const indexerStartWaitMs = 15_000;





/** The hit count of `query` (everything when absent); null while the topic's indexers are not started yet (404). */
async function searchCount(broker: Broker, query?: Record<string, unknown>): Promise<number | null> {
  const body = JSON.stringify(query === undefined ? { size: 0 } : { size: 0, query });
  const response = await fetch(`http://${broker.host}:${broker.httpPort}/${topic}/_search`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    signal: AbortSignal.timeout(searchTimeoutMs),
  });
  const json = (await response.json()) as { hits?: { total: { value: number } }; error?: { type?: string } };
  if (response.status === 404 && json.error?.type === "index_not_found_exception") return null;
  if (response.status !== 200 || json.hits === undefined) throw new Error(`Search ${body} failed with status ${response.status}: ${JSON.stringify(json).slice(0, 500)}`);
  return json.hits.total.value;
}

/** What the producer has had acknowledged so far; written by the delivery callback. */
interface Acknowledged {
  count: number;
  /** The highest seq acknowledged, and when (performance.now()). */
  highestSeq: number;
  highestAt: number;
  failure: Error | null;
}

interface ProduceFigures {
  sent: number;
  seconds: number;
  /** The most records the pacer was behind the wall clock's schedule. */
  behindMax: number;
}

/** Sends records at `options.rate` until `options.seconds` have passed, then waits for every acknowledgement. */
async function produceSteadily(cluster: Cluster, acknowledged: Acknowledged): Promise<ProduceFigures> {
  const { rate, seconds, partitions } = options;
  const producer = new Producer(cluster, { acks: -1, bufferBytesMax: producerBufferBytes });
  const encoder = new TextEncoder();
  const onDelivery = (error: Error | null, _metadata: unknown, seq: number) => {
    if (error !== null) {
      acknowledged.failure ??= error;
      return;
    }
    acknowledged.count++;
    if (seq > acknowledged.highestSeq) {
      acknowledged.highestSeq = seq;
      acknowledged.highestAt = performance.now();
    }
  };
  const lines = logLines(rate * seconds);
  const burstMax = Math.max(1, Math.round((rate * paceBurstMs) / 1000));
  const started = performance.now();
  const endAt = started + seconds * 1000;
  let sent = 0;
  let behindMax = 0;
  const scheduled = rate * seconds;
  // The loop may run one tick past endAt, so that what falls due at the very end is sent too.
  for (let now = started; sent < scheduled && now < endAt + paceBurstMs && acknowledged.failure === null; now = performance.now()) {
    const due = Math.min(scheduled, Math.floor(((now - started) * rate) / 1000)) - sent;
    behindMax = Math.max(behindMax, due);
    for (let i = 0; i < Math.min(due, burstMax) && !producer.bufferFull; i++, sent++) {
      const line = lines.next().value as string;
      const value = encoder.encode(`{"seq":"s${sent}",${line.slice(1)}`);
      producer.produce({ topic, partition: sent % partitions, value }, onDelivery, sent);
    }
    if (producer.bufferFull) await producer.waitForCapacity();
    else await Bun.sleep(paceTickMs);
  }
  await producer.close();
  if (acknowledged.failure !== null) throw acknowledged.failure;
  return { sent, seconds: (performance.now() - started) / 1000, behindMax };
}

/** Freshness probes: launched every --probe-ms, each polling its seq until a search finds it. */
class Prober {
  readonly freshnessMs: number[] = [];
  /** When the record of the largest freshness was acknowledged, in seconds since the probes started. */
  worstAtSeconds = Number.NaN;
  /** Probes due while probesInFlightMax were running. */
  skipped = 0;
  /** Probes due when nothing new had been acknowledged since the last one. */
  idle = 0;
  timedOut = 0;
  errors = 0;
  firstError: string | null = null;
  polls = 0;
  readonly pollLatencyMs = new Float64Array(pollLatencySampleMax);
  #inFlight = 0;
  #lastSeq = -1;
  #timer: ReturnType<typeof setInterval>;
  #settled: Array<() => void> = [];
  readonly #startedAt = performance.now();
  #worstMs = -1;

  constructor(readonly broker: Broker, readonly acknowledged: Acknowledged) {
    this.#timer = setInterval(() => this.#launch(), options.probeMs);
  }

  /** Stops launching probes and waits for those running (each ends within probeTimeoutMs). */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    while (this.#inFlight > 0) await new Promise<void>((resolve) => this.#settled.push(resolve));
  }

  #launch(): void {
    const { highestSeq, highestAt } = this.acknowledged;
    if (highestSeq <= this.#lastSeq) {
      this.idle++;
      return;
    }
    if (this.#inFlight >= probesInFlightMax) {
      this.skipped++;
      return;
    }
    this.#lastSeq = highestSeq;
    this.#inFlight++;
    void this.#probe(highestSeq, highestAt).finally(() => {
      this.#inFlight--;
      for (const wake of this.#settled.splice(0)) wake();
    });
  }

  async #probe(seq: number, acknowledgedAt: number): Promise<void> {
    const query = { term: { seq: `s${seq}` } };
    for (;;) {
      const sentAt = performance.now();
      let found: number | null;
      try {
        found = await searchCount(this.broker, query);
      } catch (error) {
        this.errors++;
        this.firstError ??= (error as Error).message;
        return;
      }
      const now = performance.now();
      this.#recordPoll(now - sentAt);
      const ageMs = now - acknowledgedAt;
      if (found !== null && found >= 1) {
        this.freshnessMs.push(ageMs);
        if (ageMs > this.#worstMs) [this.#worstMs, this.worstAtSeconds] = [ageMs, (acknowledgedAt - this.#startedAt) / 1000];
        return;
      }
      if (ageMs > probeTimeoutMs) {
        this.timedOut++;
        return;
      }
      await Bun.sleep(Math.min(probePollMaxMs, Math.max(probePollMinMs, ageMs / 10)));
    }
  }

  /** Keeps a uniform sample of poll latencies (reservoir sampling), so memory stays bounded. */
  #recordPoll(latencyMs: number): void {
    const at = this.polls < pollLatencySampleMax ? this.polls : Math.floor(Math.random() * (this.polls + 1));
    if (at < pollLatencySampleMax) this.pollLatencyMs[at] = latencyMs;
    this.polls++;
  }
}

/** Indexing lag in records, sampled every second: acknowledged minus searchable. */
class LagSampler {
  lagMax = 0;
  samples = 0;
  /** Samples whose search failed (the run goes on: one slow search should not end a 10-minute run). */
  errors = 0;
  #running = true;
  readonly #done: Promise<void>;

  constructor(readonly broker: Broker, readonly acknowledged: Acknowledged) {
    this.#done = this.#loop();
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#done;
  }

  async #loop(): Promise<void> {
    while (this.#running) {
      const next = performance.now() + lagSampleMs;
      try {
        const searchable = (await searchCount(this.broker)) ?? 0;
        this.lagMax = Math.max(this.lagMax, this.acknowledged.count - searchable);
        this.samples++;
      } catch (error) {
        if (this.errors++ === 0) progress(`Lag sample failed: ${(error as Error).message}`);
      }
      await Bun.sleep(Math.max(0, next - performance.now()));
    }
  }
}

/**
 * Waits until the topic answers searches: the broker starts a topic's indexers up to 200 ms after
 * creating it, and the first probes would otherwise measure that start instead of freshness.
 */
async function waitIndexerStarted(broker: Broker): Promise<void> {
  const deadline = performance.now() + indexerStartWaitMs;
  while ((await searchCount(broker)) === null) {
    if (performance.now() > deadline) throw new Error(`Topic "${topic}" was not searchable within ${indexerStartWaitMs} ms of its creation`);
    await Bun.sleep(finalPollMs);
  }
}

/** Polls the hit count of everything until it reaches `acknowledged` or stops moving for finalStallMs. */
async function finalCount(broker: Broker, acknowledged: number): Promise<{ searchable: number; seconds: number }> {
  const started = performance.now();
  let searchable = -1;
  let movedAt = started;
  for (;;) {
    const seen = (await searchCount(broker)) ?? 0;
    if (seen !== searchable) movedAt = performance.now();
    searchable = seen;
    if (searchable >= acknowledged || performance.now() - movedAt > finalStallMs) break;
    await Bun.sleep(finalPollMs);
  }
  return { searchable, seconds: (performance.now() - started) / 1000 };
}

interface Figures {
  produce: ProduceFigures;
  acknowledged: number;
  probes: number;
  freshnessMs: { p50: number; p90: number; p99: number; p999: number; max: number };
  worstAtSeconds: number;
  skipped: number;
  idle: number;
  timedOut: number;
  errors: number;
  firstError: string | null;
  polls: number;
  pollLatencyMs: { p50: number; p99: number };
  lagMaxRecords: number;
  lagSamples: number;
  lagErrors: number;
  peakRssBytes: number;
  peakRssAnonBytes: number;
  hwmBytes: number;
  searchable: number;
  /** Seconds after the last acknowledgement until the final count was reached (or gave up). */
  catchUpSeconds: number;
  countCorrect: boolean;
  /** This process's own CPU time (user + system) while producing and probing. */
  benchmarkCpuSeconds: number;
}

async function run(): Promise<Figures> {
  const brokerArgs = ["--search-all-topics", "--log-level", "warn", ...options.serveArgs];
  progress(`starting a broker (serve ${brokerArgs.join(" ")})`);
  const broker = await startBroker({ args: brokerArgs });
  cleanups.push(() => broker.cleanup());
  const cluster = new Cluster({ brokers: broker.bootstrap });
  cleanups.push(async () => cluster.close());
  const memory = new MemorySampler(broker, rssSampleMs);
  cleanups.push(async () => memory.stop());
  try {
    await new Admin(cluster).createTopics([{ name: topic, partitions: options.partitions }]);
    await waitIndexerStarted(broker);
    const acknowledged: Acknowledged = { count: 0, highestSeq: -1, highestAt: 0, failure: null };
    const prober = new Prober(broker, acknowledged);
    const lag = new LagSampler(broker, acknowledged);
    progress(`producing ${options.rate} records/s for ${options.seconds} s to "${topic}" (${options.partitions} partitions, acks=all), probing every ${options.probeMs} ms`);
    const report = setInterval(() => progress(`${acknowledged.count} acknowledged, ${prober.freshnessMs.length} probes, lag max ${lag.lagMax}`), 10_000);
    const cpuBefore = process.cpuUsage();
    let produce: ProduceFigures;
    try {
      produce = await produceSteadily(cluster, acknowledged);
    } finally {
      clearInterval(report);
      await Promise.all([prober.stop(), lag.stop()]);
    }
    const cpu = process.cpuUsage(cpuBefore);
    progress(`produced ${acknowledged.count} records in ${produce.seconds.toFixed(1)} s; checking that every one is searchable`);
    const final = await finalCount(broker, acknowledged.count);
    memory.sample();
    const sorted = prober.freshnessMs.toSorted((a, b) => a - b);
    const polls = prober.pollLatencyMs.subarray(0, Math.min(prober.polls, pollLatencySampleMax)).toSorted();
    return {
      produce,
      acknowledged: acknowledged.count,
      probes: sorted.length,
      freshnessMs: { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), p999: percentile(sorted, 99.9), max: sorted.at(-1) ?? Number.NaN },
      worstAtSeconds: prober.worstAtSeconds,
      skipped: prober.skipped,
      idle: prober.idle,
      timedOut: prober.timedOut,
      errors: prober.errors,
      firstError: prober.firstError,
      polls: prober.polls,
      pollLatencyMs: { p50: percentile(polls, 50), p99: percentile(polls, 99) },
      lagMaxRecords: lag.lagMax,
      lagSamples: lag.samples,
      lagErrors: lag.errors,
      peakRssBytes: memory.peakRssBytes,
      peakRssAnonBytes: memory.peakRssAnonBytes,
      hwmBytes: memory.hwmBytes,
      searchable: final.searchable,
      catchUpSeconds: final.seconds,
      countCorrect: final.searchable === acknowledged.count,
      benchmarkCpuSeconds: (cpu.user + cpu.system) / 1e6,
    };
  } catch (error) {
    console.error(`Benchmark failed; broker log:\n${broker.log.slice(-4000)}`);
    throw error;
  }
}

const megabytes = (bytes: number) => `${(bytes / 1_000_000).toFixed(1)} MB`;
const milliseconds = (ms: number) => (Number.isNaN(ms) ? "–" : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 2 : 1)} ms`);

function table(figures: Figures): string {
  const { produce, freshnessMs } = figures;
  const rows: [string, string][] = [
    ["records acknowledged (acks=all)", `${figures.acknowledged} of ${options.rate * options.seconds} scheduled (${options.partitions} partition${options.partitions === 1 ? "" : "s"})`],
    ["achieved rate", `${(figures.acknowledged / produce.seconds).toFixed(0)} records/s over ${produce.seconds.toFixed(1)} s (target ${options.rate}; the pacer at most ${((1000 * produce.behindMax) / options.rate).toFixed(0)} ms behind)`],
    ["freshness p50 / p90", `${milliseconds(freshnessMs.p50)} / ${milliseconds(freshnessMs.p90)}`],
    ["freshness p99 / p99.9 / max", `${milliseconds(freshnessMs.p99)} / ${milliseconds(freshnessMs.p999)} / ${milliseconds(freshnessMs.max)} (max: acknowledged ${figures.worstAtSeconds.toFixed(1)} s into the run)`],
    ["probes measured", `${figures.probes} (every ${options.probeMs} ms)`],
    ["probes skipped", `${figures.skipped} (${probesInFlightMax} in flight${figures.skipped === 0 ? "" : ": the percentiles are a lower bound"}), ${figures.idle} (nothing new acknowledged)`],
    ["probes timed out / failed", `${figures.timedOut} (after ${probeTimeoutMs / 1000} s) / ${figures.errors}${figures.firstError === null ? "" : `: ${figures.firstError}`}`],
    ["probe searches", `${figures.polls}, latency p50 ${milliseconds(figures.pollLatencyMs.p50)}, p99 ${milliseconds(figures.pollLatencyMs.p99)}`],
    ["indexing lag max", `${figures.lagMaxRecords} records (${figures.lagSamples} samples, one a second${figures.lagErrors === 0 ? "" : `; ${figures.lagErrors} failed`})`],
    ["broker peak RSS / RssAnon (VmHWM)", `${megabytes(figures.peakRssBytes)} / ${megabytes(figures.peakRssAnonBytes)} (${megabytes(figures.hwmBytes)})`],
    ["benchmark's own CPU", `${figures.benchmarkCpuSeconds.toFixed(1)} s (${((100 * figures.benchmarkCpuSeconds) / produce.seconds).toFixed(0)} % of a core while producing)`],
    ["final count", `${figures.searchable} searchable of ${figures.acknowledged} acknowledged: ${figures.countCorrect ? "equal" : "WRONG"} (${figures.catchUpSeconds.toFixed(1)} s after the last acknowledgement)`],
  ];
  const widths = [0, 1].map((column) => Math.max(...[["", ""], ...rows].map((row) => row[column].length)));
  const line = (row: string[]) => `| ${row.map((cell, column) => cell.padEnd(widths[column])).join(" | ")} |`;
  return [line(["", ""]), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join("\n");
}

async function main(): Promise<number> {
  if (args.switch("--help") || args.switch("-h")) {
    console.log(usage);
    return 0;
  }
  options = parseOptions();
  const figures = await run();
  if (options.jsonOutput) {
    const { rate, seconds, partitions, probeMs, serveArgs } = options;
    console.log(JSON.stringify({ rate, seconds, partitions, probeMs, serveArgs, ...figures }, null, 2));
  } else {
    console.log(table(figures));
  }
  return figures.countCorrect ? 0 : 1;
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  if (error instanceof UsageError) exitCode = 2;
  console.error(error instanceof UsageError ? `${error.message}\n${usage}` : ((error as Error).stack ?? String(error)));
} finally {
  await cleanUp();
}
process.exit(exitCode);
