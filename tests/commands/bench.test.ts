import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Broker, chronikCommand, run, runOk, startBroker } from "../e2e/harness.ts";

const commandTimeoutMs = 60_000;

describe("chronik bench", () => {
  let broker: Broker;
  beforeAll(async () => {
    broker = await startBroker();
  }, 30_000);
  afterAll(async () => {
    await broker?.cleanup();
  }, 30_000);

  test("produce sends every record from several producers and summarizes on stdout", async () => {
    const result = await runOk([...chronikCommand(), "bench", "produce", "-b", broker.bootstrap, "-t", "load", "--records", "20000", "--record-size", "64", "--producers", "3", "-z", "lz4", "-q"], { timeoutMs: commandTimeoutMs });
    expect(result.stdout.toString()).toMatch(/^20000 records sent, [\d.]+ records\/sec \([\d.]+ MB\/sec\), [\d.]+ ms avg latency, [\d.]+ ms max latency, [\d.]+ ms 50th, [\d.]+ ms 95th, [\d.]+ ms 99th, [\d.]+ ms 99\.9th\.\n$/);
    expect(result.stderr).toBe("");
    const count = await runOk([...chronikCommand(), "consume", "load", "-b", broker.bootstrap, "-e", "-q", "-f", String.raw`%V\n`], { timeoutMs: commandTimeoutMs });
    const sizes = count.stdout.toString().trim().split("\n");
    expect(sizes).toHaveLength(20000);
    expect(new Set(sizes)).toEqual(new Set(["64"]));
  }, commandTimeoutMs);

  test("consume reads to the end; --format json; progress lines go to stderr", async () => {
    const result = await runOk([...chronikCommand(), "bench", "consume", "-b", broker.bootstrap, "-t", "load", "--format", "json"], { timeoutMs: commandTimeoutMs });
    const summary = JSON.parse(result.stdout.toString());
    expect(summary).toMatchObject({ records: 20000, bytes: 20000 * 64 });
    for (const key of ["recordsPerSecond", "megabytesPerSecond", "latencyP50Ms", "latencyP95Ms", "latencyP99Ms", "latencyP999Ms"]) expect(typeof summary[key]).toBe("number");
    const slow = await runOk([...chronikCommand(), "bench", "produce", "-b", broker.bootstrap, "-t", "slow", "--records", "300000", "--record-size", "200", "--acks", "1"], { timeoutMs: commandTimeoutMs });
    expect(slow.stdout.toString()).toStartWith("300000 records sent");
    // A run longer than a second prints progress lines; each has the same shape.
    for (const line of slow.stderr.trim().split("\n").filter((entry) => entry !== "")) expect(line).toMatch(/^\d+ records sent, [\d.]+ records\/sec/);
  }, commandTimeoutMs);

  test("--throughput caps the rate and the summary has kafka-producer-perf-test's latency columns", async () => {
    // 1,500 records at 1,000/s take at least 1.5 s; unpaced they take a few milliseconds.
    const started = performance.now();
    const result = await runOk([...chronikCommand(), "bench", "produce", "-b", broker.bootstrap, "-t", "paced", "--records", "1500", "--throughput", "1000", "--format", "json", "-q"], { timeoutMs: commandTimeoutMs });
    expect(performance.now() - started).toBeGreaterThan(1400);
    const summary = JSON.parse(result.stdout.toString());
    expect(summary.records).toBe(1500);
    expect(summary.recordsPerSecond).toBeLessThanOrEqual(1050);
    expect(summary.latencyP50Ms).toBeLessThanOrEqual(summary.latencyP95Ms);
    expect(summary.latencyP95Ms).toBeLessThanOrEqual(summary.latencyP99Ms);
    expect(summary.latencyP99Ms).toBeLessThanOrEqual(summary.latencyP999Ms);
    expect(summary.latencyP999Ms).toBeLessThanOrEqual(summary.latencyMaxMs * 1.01);
    // linger.ms=0 (send at once) is a setting Kafka users measure latency with.
    const unlingered = await runOk([...chronikCommand(), "bench", "produce", "-b", broker.bootstrap, "-t", "paced", "--records", "200", "--throughput", "1000", "--linger-ms", "0", "--format", "json", "-q"], { timeoutMs: commandTimeoutMs });
    expect(JSON.parse(unlingered.stdout.toString()).records).toBe(200);
    const bad = await run([...chronikCommand(), "bench", "produce", "-b", broker.bootstrap, "-t", "paced", "--throughput", "fast"], { timeoutMs: commandTimeoutMs });
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stderr).toContain('"fast"');
  }, commandTimeoutMs);

  test("bad flags and an unreachable broker are one line and a non-zero exit", async () => {
    for (const args of [["bench", "produce", "-t", "x", "--records", "0"], ["bench", "produce", "-t", "x", "--record-size", "big"], ["bench", "produce", "-t", "x", "-b", "127.0.0.1:1", "--records", "10"]]) {
      const result = await run([...chronikCommand(), ...args], { timeoutMs: commandTimeoutMs });
      expect(result.exitCode, args.join(" ")).not.toBe(0);
      expect(result.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
    }
  }, commandTimeoutMs);
});
