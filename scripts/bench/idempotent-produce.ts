// Idempotence cost: `kcat -P` of N records of a fixed size with enable.idempotence=true against
// the same without, in turns in one run against one broker (started here: free ports, temporary
// data folder, default --fsync always), each round to a topic of its own. librdkafka caps an
// idempotent producer at 5 requests in flight, so a third mode, plain with that same cap, tells
// the broker's cost from the client's. Reports records/s per round and the medians, and checks
// that every topic ends at exactly N records.
// Run: npx bun scripts/bench/idempotent-produce.ts [--records 1000000] [--value-bytes 100] [--rounds 3] [serve flags…]

import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { makeTempDir, runOk, startBroker } from "../../tests/e2e/harness.ts";
import { BenchArgs, cleanUp, cleanups, fixedSizeLines, percentile, processCpuSeconds, progress } from "./bench-support.ts";

const args = new BenchArgs(process.argv.slice(2));
const recordCount = args.wholeNumber("--records", 1_000_000);
const valueBytes = args.wholeNumber("--value-bytes", 100);
const rounds = args.wholeNumber("--rounds", 3);
const commandTimeoutMs = 600_000;

const folder = await makeTempDir("bench-idempotent");
cleanups.push(() => rm(folder, { recursive: true, force: true }));
const input = join(folder, "input.txt");
await writeFile(input, fixedSizeLines(recordCount, valueBytes));
const broker = await startBroker({ args: args.rest });
cleanups.push(() => broker.cleanup());
try {
  const modes: Record<string, string[]> = {
    plain: ["-X", "enable.idempotence=false"],
    "plain-5-in-flight": ["-X", "enable.idempotence=false", "-X", "max.in.flight.requests.per.connection=5"],
    idempotent: ["-X", "enable.idempotence=true"],
  };
  const rates: Record<string, number[]> = Object.fromEntries(Object.keys(modes).map((mode) => [mode, []]));
  const cpu: Record<string, number[]> = Object.fromEntries(Object.keys(modes).map((mode) => [mode, []]));
  for (let round = 0; round < rounds; round++) {
    const order = Object.keys(modes);
    for (const mode of round % 2 === 0 ? order : order.toReversed()) {
      const topic = `bench-${mode}-${round}`;
      const flags = [...modes[mode], "-X", "linger.ms=5", "-X", "queue.buffering.max.messages=1000000"];
      const cpuBefore = processCpuSeconds(broker.pid!);
      const started = performance.now();
      await runOk(["sh", "-c", `kcat -b ${broker.bootstrap} -X broker.address.family=v4 -P -t ${topic} -p 0 ${flags.join(" ")} < ${input}`], { timeoutMs: commandTimeoutMs });
      const seconds = (performance.now() - started) / 1000;
      const cpuSeconds = processCpuSeconds(broker.pid!) - cpuBefore;
      cpu[mode].push(cpuSeconds);
      const { stdout } = await runOk(["kcat", "-b", broker.bootstrap, "-X", "broker.address.family=v4", "-Q", "-t", `${topic}:0:-1`], { timeoutMs: 60_000 });
      const end = Number(/offset (\d+)/.exec(stdout.toString())?.[1]);
      if (end !== recordCount) throw new Error(`${topic} ends at offset ${end}, expected ${recordCount}`);
      rates[mode].push(recordCount / seconds);
      progress(`round ${round + 1} ${mode}: ${recordCount} × ${valueBytes} B in ${seconds.toFixed(2)} s = ${(recordCount / seconds).toFixed(0)} records/s, broker CPU ${cpuSeconds.toFixed(2)} s`);
    }
  }
  const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 50);
  const plain = median(rates.plain);
  const medians = Object.keys(modes).map((mode) => `${mode} ${median(rates[mode]).toFixed(0)} records/s (${((median(rates[mode]) / plain) * 100).toFixed(1)} %, broker CPU ${median(cpu[mode]).toFixed(2)} s)`);
  console.log(`kcat -P ${recordCount} × ${valueBytes} B, ${rounds} rounds each, medians: ${medians.join(", ")}`);
} finally {
  await cleanUp();
}
