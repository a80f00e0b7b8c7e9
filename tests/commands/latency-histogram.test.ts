import { describe, expect, test } from "bun:test";
import { LatencyHistogram } from "../../src/commands/latency-histogram.ts";

/** Nearest-rank percentile of an exact, sorted list: what the histogram approximates. */
function exactPercentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))];
}

describe("LatencyHistogram", () => {
  test("count, average and max are exact; percentiles within 1% of nearest rank", () => {
    const histogram = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) histogram.record(i);
    expect(histogram.count).toBe(1000);
    expect(histogram.averageMs).toBe(500.5);
    expect(histogram.maxMs).toBe(1000);
    const [p50, p95, p99, p999] = histogram.percentiles([0.5, 0.95, 0.99, 0.999]);
    for (const [estimate, exact] of [[p50, 500], [p95, 950], [p99, 990], [p999, 999]]) {
      expect(Math.abs(estimate - exact) / exact).toBeLessThan(0.01);
    }
  });

  test("relative error stays under 1% across six orders of magnitude", () => {
    const histogram = new LatencyHistogram();
    const values: number[] = [];
    let seed = 7;
    for (let i = 0; i < 100_000; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      // Log-uniform between 0.01 ms and 10 s.
      const value = 0.01 * 10 ** (6 * (seed / 2 ** 31));
      values.push(value);
      histogram.record(value);
    }
    values.sort((a, b) => a - b);
    const fractions = [0.01, 0.1, 0.5, 0.9, 0.95, 0.99, 0.999, 0.9999];
    histogram.percentiles(fractions).forEach((estimate, index) => {
      const exact = exactPercentile(values, fractions[index]);
      expect(Math.abs(estimate - exact) / exact).toBeLessThan(0.01);
    });
  });

  test("memory does not grow with the number of samples", () => {
    const histogram = new LatencyHistogram();
    const before = histogram.bucketCount;
    for (let i = 0; i < 5_000_000; i++) histogram.record((i % 997) + 0.5);
    expect(histogram.bucketCount).toBe(before);
    expect(histogram.bucketCount).toBeLessThan(4096);
    expect(histogram.count).toBe(5_000_000);
    const [p50] = histogram.percentiles([0.5]);
    expect(Math.abs(p50 - 498.5) / 498.5).toBeLessThan(0.01);
  });

  test("empty, zero, tiny and huge latencies are answered sensibly", () => {
    const empty = new LatencyHistogram();
    expect(empty.percentiles([0.5, 0.99])).toEqual([0, 0]);
    expect(empty.averageMs).toBe(0);
    const edges = new LatencyHistogram();
    edges.record(0);
    edges.record(0.0001);
    edges.record(50_000_000);
    const [low, , high] = edges.percentiles([0.33, 0.5, 1]);
    expect(low).toBeLessThanOrEqual(0.001);
    // Beyond the tracked range a latency is clamped, but never reported above the true maximum.
    expect(high).toBeLessThanOrEqual(50_000_000);
    expect(edges.maxMs).toBe(50_000_000);
  });
});
