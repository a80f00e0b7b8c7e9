// scripts/bench/search-freshness.ts as a user runs it: a short run through a real broker reports
// freshness figures and a correct final count (exit code 0), flags it does not know reach
// `chronik serve`, and a bad flag is one line with the usage (exit code 2). Figures are only
// checked for sense, never against a speed: CI machines are loaded.

import { describe, expect, test } from "bun:test";
import { join, resolve } from "node:path";

const repoRoot = resolve(import.meta.dir, "../../..");
const bun = join(repoRoot, "node_modules/.bin/bun");
const script = join(repoRoot, "scripts/bench/search-freshness.ts");
/** The run's own bounds: broker start 15 s, a probe 60 s, the final count 60 s without progress. */
const runTimeoutMs = 170_000;

async function benchmark(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const child = Bun.spawn([bun, script, ...args], { cwd: repoRoot, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text()]);
  return { exitCode: await child.exited, stdout, stderr };
}

describe("scripts/bench/search-freshness.ts", () => {
  test(
    "a short run measures freshness and finds every acknowledged record",
    async () => {
      const result = await benchmark(["--seconds", "2", "--rate", "200", "--probe-ms", "50", "--json", "--search-memory-mb", "64"]);
      if (result.exitCode !== 0) throw new Error(`Exit code ${result.exitCode}: ${result.stderr.slice(-4000)}`);
      const figures = JSON.parse(result.stdout);
      expect(figures).toMatchObject({ rate: 200, seconds: 2, partitions: 1, probeMs: 50, countCorrect: true, errors: 0 });
      expect(figures.serveArgs).toEqual(["--search-memory-mb", "64"]);
      expect(figures.acknowledged).toBeGreaterThan(0);
      expect(figures.acknowledged).toBeLessThanOrEqual(400);
      expect(figures.searchable).toBe(figures.acknowledged);
      expect(figures.probes).toBeGreaterThan(0);
      expect(figures.freshnessMs.p50).toBeGreaterThanOrEqual(0);
      expect(figures.freshnessMs.p50).toBeLessThanOrEqual(figures.freshnessMs.p99);
      expect(figures.freshnessMs.p99).toBeLessThanOrEqual(figures.freshnessMs.max);
      expect(figures.lagSamples).toBeGreaterThan(0);
      expect(figures.peakRssAnonBytes).toBeGreaterThan(0);
    },
    runTimeoutMs,
  );

  test("a bad flag value is one line and the usage, exit code 2", async () => {
    const result = await benchmark(["--rate", "5k"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('--rate must be a whole number of at least 1, not "5k"\nUsage: search-freshness.ts [--rate records/s] [--seconds N] [--partitions N] [--probe-ms N] [--json] [serve flags…]\n');
    expect(result.stdout).toBe("");
  });
});
