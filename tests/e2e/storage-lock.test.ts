// The data folder's lock, with real processes: a second `chronik serve` on the same data folder
// (other ports) refuses with one line naming the folder and the first broker's pid, and exits
// non-zero without a stack trace; after the first broker is SIGKILLed (no chance to clean up),
// a new broker starts on the folder at once. Run on the temp folder's disk and on tmpfs.

import { afterEach, describe, expect, test } from "bun:test";
import fs from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { type Broker, chronikCommand, freePort, loopbackHost, makeTempDir, run, startBroker } from "./harness.ts";

const refusalWaitMs = 20_000;

const brokers: Broker[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const broker of brokers.splice(0)) await broker.cleanup();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
}, 30_000);

async function serveSecond(dataDir: string) {
  const port = await freePort();
  let httpPort = await freePort();
  while (httpPort === port) httpPort = await freePort();
  const command = [...chronikCommand(), "serve", "--data", dataDir, "--host", loopbackHost, "--port", String(port), "--http-port", String(httpPort)];
  return await run(command, { timeoutMs: refusalWaitMs });
}

async function lockScenario(dataDir: string): Promise<void> {
  const first = await startBroker({ dataDir });
  brokers.push(first);

  const second = await serveSecond(dataDir);
  expect(second.timedOut).toBe(false);
  expect(second.exitCode).not.toBe(0);
  const lines = second.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(`"${dataDir}"`);
  expect(lines[0]).toContain(`pid ${first.pid}`);
  expect(second.stderr).not.toMatch(/^\s+at /m);
  // The first broker is unharmed.
  expect(first.alive).toBe(true);

  await first.kill9();
  const next = await startBroker({ dataDir });
  brokers.push(next);
  expect(next.alive).toBe(true);
  expect(fs.readFileSync(join(dataDir, ".lock"), "utf8").trim()).toBe(String(next.pid));
}

describe("data folder lock", () => {
  test("a second serve on the same folder refuses; a SIGKILLed holder does not block the next start", async () => {
    const dataDir = await makeTempDir("lock");
    dirs.push(dataDir);
    await lockScenario(dataDir);
  }, 60_000);

  test.skipIf(!fs.existsSync("/dev/shm"))("the same on tmpfs", async () => {
    const dataDir = await mkdtemp("/dev/shm/chronik-lock-");
    dirs.push(dataDir);
    await lockScenario(dataDir);
  }, 60_000);
});
