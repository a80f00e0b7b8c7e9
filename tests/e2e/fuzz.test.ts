// The request fuzzer, bounded for CI: a few seconds against the dispatcher in its own process and,
// at the same time, a few seconds against a broker started by the harness. Neither may find a
// crash, a hang or a control request left unanswered; afterwards the broker is alive and another
// client (kcat -L) still gets its metadata. A failure names the seed, so the run can be repeated
// with `npx bun scripts/fuzz/requests.ts --seed S`; CHRONIK_FUZZ_SEED picks another seed.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Broker, kcat, repoRoot, run, runOk, startBroker } from "./harness.ts";

const fuzzSeconds = 8;
/** The fuzz run, plus the grace the fuzzer gives a slow last request, plus start-up. */
const runTimeoutMs = (fuzzSeconds + 20) * 1000;
const seed = process.env.CHRONIK_FUZZ_SEED ?? "20261208";

let broker: Broker;

beforeAll(async () => {
  broker = await startBroker();
}, 30_000);

afterAll(async () => {
  await broker?.cleanup();
}, 30_000);

function fuzz(args: string[]) {
  return run([`${repoRoot}/node_modules/.bin/bun`, `${repoRoot}/scripts/fuzz/requests.ts`, "--seconds", String(fuzzSeconds), "--seed", seed, ...args], { timeoutMs: runTimeoutMs });
}

describe("request fuzzer", () => {
  test("finds no crash or hang in process nor against a live broker, which keeps answering", async () => {
    const [inProcess, live] = await Promise.all([fuzz([]), fuzz(["--broker", broker.bootstrap, "--pid", String(broker.pid)])]);
    for (const [mode, result] of [["in-process", inProcess], ["live", live]] as const) {
      const summary = result.stdout.toString().trim();
      const detail = `${mode}: ${summary}\n${result.stderr.slice(-4000)}`;
      expect(result.timedOut, detail).toBe(false);
      expect(summary, detail).toStartWith(`fuzz ${mode} ok:`);
      expect(summary, detail).toMatch(/control requests answered in time: all/);
      expect(result.exitCode, detail).toBe(0);
    }
    expect(live.stdout.toString()).not.toMatch(/ 0 executions/);
    expect(broker.alive).toBe(true);
    const metadata = await runOk(kcat(broker, ["-L", "-J"]), { timeoutMs: 15_000 });
    expect(JSON.parse(metadata.stdout.toString()).brokers.length).toBe(1);
  }, 60_000);
});
