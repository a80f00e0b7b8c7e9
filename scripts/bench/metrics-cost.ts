// Metrics cost: `kcat -P` of N records of a fixed size into a broker with metrics on (scraped
// every second, as Prometheus would) and into one with --no-metrics, in turns in one run (both
// started here: free ports, temporary data folders, default --fsync always), each round to a
// topic of its own. Reports records/s and broker CPU per round and the medians, and checks that
// every topic ends at exactly N records.
// Run: npx bun scripts/bench/metrics-cost.ts [--records 1000000] [--value-bytes 100] [--rounds 5] [serve flags…]

import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { makeTempDir, runOk, startBroker, type Broker } from "../../tests/e2e/harness.ts";
import { BenchArgs, cleanUp, cleanups, fixedSizeLines, percentile, processCpuSeconds, progress } from "./bench-support.ts";

const args = new BenchArgs(process.argv.slice(2));
const recordCount = args.wholeNumber("--records", 1_000_000);
const valueBytes = args.wholeNumber("--value-bytes", 100);
const rounds = args.wholeNumber("--rounds", 5);
const scrapeIntervalMs = 1_000;
const commandTimeoutMs = 600_000;

/** Scrapes /metrics every second until stopped; returns how many scrapes and their largest size. */
function startScraping(broker: Broker): () => Promise<{ scrapes: number; bytesMax: number }> {
  let scrapes = 0;
  let bytesMax = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const text = await (await fetch(`http://${broker.host}:${broker.httpPort}/metrics`)).text();
      scrapes++;
      bytesMax = Math.max(bytesMax, text.length);
      await Bun.sleep(scrapeIntervalMs);
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    return { scrapes, bytesMax };
  };
}

const folder = await makeTempDir("bench-metrics");
cleanups.push(() => rm(folder, { recursive: true, force: true }));
const input = join(folder, "input.txt");
await writeFile(input, fixedSizeLines(recordCount, valueBytes));
const brokers: Record<string, Broker> = {
  "metrics on": await startBroker({ args: args.rest }),
  "metrics off": await startBroker({ args: ["--no-metrics", ...args.rest] }),
};
for (const broker of Object.values(brokers)) cleanups.push(() => broker.cleanup());
try {
  const rates: Record<string, number[]> = { "metrics on": [], "metrics off": [] };
  const cpu: Record<string, number[]> = { "metrics on": [], "metrics off": [] };
  for (let round = 0; round < rounds; round++) {
    const order = Object.keys(brokers);
    for (const mode of round % 2 === 0 ? order : order.toReversed()) {
      const broker = brokers[mode];
      const topic = `bench-${round}`;
      const stopScraping = mode === "metrics on" ? startScraping(broker) : null;
      const cpuBefore = processCpuSeconds(broker.pid!);
      const started = performance.now();
      await runOk(["sh", "-c", `kcat -b ${broker.bootstrap} -X broker.address.family=v4 -P -t ${topic} -p 0 -X linger.ms=5 -X queue.buffering.max.messages=1000000 < ${input}`], { timeoutMs: commandTimeoutMs });
      const seconds = (performance.now() - started) / 1000;
      const cpuSeconds = processCpuSeconds(broker.pid!) - cpuBefore;
      const scraped = await stopScraping?.();
      const { stdout } = await runOk(["kcat", "-b", broker.bootstrap, "-X", "broker.address.family=v4", "-Q", "-t", `${topic}:0:-1`], { timeoutMs: 60_000 });
      const end = Number(/offset (\d+)/.exec(stdout.toString())?.[1]);
      if (end !== recordCount) throw new Error(`${mode}: ${topic} ends at offset ${end}, expected ${recordCount}`);
      rates[mode].push(recordCount / seconds);
      cpu[mode].push(cpuSeconds);
      const scrapeNote = scraped ? `, ${scraped.scrapes} scrapes of up to ${scraped.bytesMax} B` : "";
      progress(`round ${round + 1} ${mode}: ${recordCount} × ${valueBytes} B in ${seconds.toFixed(2)} s = ${(recordCount / seconds).toFixed(0)} records/s, broker CPU ${cpuSeconds.toFixed(2)} s${scrapeNote}`);
    }
  }
  const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 50);
  const off = median(rates["metrics off"]);
  const on = median(rates["metrics on"]);
  console.log(
    `kcat -P ${recordCount} × ${valueBytes} B, ${rounds} rounds each, medians: metrics off ${off.toFixed(0)} records/s (broker CPU ${median(cpu["metrics off"]).toFixed(2)} s), ` +
      `metrics on ${on.toFixed(0)} records/s (${((on / off) * 100).toFixed(1)} %, broker CPU ${median(cpu["metrics on"]).toFixed(2)} s)`,
  );
} finally {
  await cleanUp();
}
