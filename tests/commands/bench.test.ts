import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { LatencyRecorder } from "../../src/commands/bench.ts";
import { type Broker, chronikCommand, run, runOk, startBroker } from "../e2e/harness.ts";

const commandTimeoutMs = 60_000;

describe("LatencyRecorder", () => {
  test("average, max and nearest-rank percentiles", () => {
    const recorder = new LatencyRecorder(1000);
    for (let i = 1; i <= 1000; i++) recorder.record(i);
    expect(recorder.count).toBe(1000);
    expect(recorder.averageMs).toBe(500.5);
    expect(recorder.maxMs).toBe(1000);
    expect(recorder.percentiles([0.5, 0.99, 0.999])).toEqual([500, 990, 999]);
  });

  test("samples every k-th event past its bound, and still counts them all", () => {
    const recorder = new LatencyRecorder(3_000_000);
    for (let i = 0; i < 3_000_000; i++) recorder.record(i % 100);
    expect(recorder.count).toBe(3_000_000);
    expect(recorder.maxMs).toBe(99);
    const [p50] = recorder.percentiles([0.5]);
    expect(p50).toBeGreaterThanOrEqual(45);
    expect(p50).toBeLessThanOrEqual(55);
  });
});

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
    expect(result.stdout.toString()).toMatch(/^20000 records sent, [\d.]+ records\/sec \([\d.]+ MB\/sec\), [\d.]+ ms avg latency, [\d.]+ ms max latency, [\d.]+ ms 50th, [\d.]+ ms 99th, [\d.]+ ms 99\.9th\.\n$/);
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
    for (const key of ["recordsPerSecond", "megabytesPerSecond", "latencyP50Ms", "latencyP99Ms", "latencyP999Ms"]) expect(typeof summary[key]).toBe("number");
    const slow = await runOk([...chronikCommand(), "bench", "produce", "-b", broker.bootstrap, "-t", "slow", "--records", "300000", "--record-size", "200", "--acks", "1"], { timeoutMs: commandTimeoutMs });
    expect(slow.stdout.toString()).toStartWith("300000 records sent");
    // A run longer than a second prints progress lines; each has the same shape.
    for (const line of slow.stderr.trim().split("\n").filter((entry) => entry !== "")) expect(line).toMatch(/^\d+ records sent, [\d.]+ records\/sec/);
  }, commandTimeoutMs);

  test("bad flags and an unreachable broker are one line and a non-zero exit", async () => {
    for (const args of [["bench", "produce", "-t", "x", "--records", "0"], ["bench", "produce", "-t", "x", "--record-size", "big"], ["bench", "produce", "-t", "x", "-b", "127.0.0.1:1", "--records", "10"]]) {
      const result = await run([...chronikCommand(), ...args], { timeoutMs: commandTimeoutMs });
      expect(result.exitCode, args.join(" ")).not.toBe(0);
      expect(result.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
    }
  }, commandTimeoutMs);
});
