import { describe, expect, test } from "bun:test";
import { EventLoopLagSampler, eventLoopSampleMs, registerProcessMetrics } from "../../src/metrics/process-metrics.ts";
import { MetricsRegistry } from "../../src/metrics/registry.ts";
import { eventually } from "../support/wait.ts";

describe("process metrics", () => {
  test("the event-loop sampler records how much later than asked its timer fired, by the injected clock", async () => {
    let now = 0;
    // The clock jumps 250 ms past the timer's 100 ms between asking and firing: 250 ms late.
    const sampler = new EventLoopLagSampler(() => now);
    sampler.start();
    now = eventLoopSampleMs + 250;
    await eventually(async () => sampler.lag.count >= 1, "a sample");
    sampler.stop();
    expect(sampler.lag.sum).toBeCloseTo(0.25, 6);
  });

  test("the collector exposes memory, CPU, start time and the event-loop histogram", async () => {
    const registry = new MetricsRegistry();
    const sampler = registerProcessMetrics(registry, { startTimeSeconds: 1_700_000_000 });
    try {
      const families = await registry.gather();
      const names = families.map((family) => family.name);
      expect(names).toEqual(expect.arrayContaining(["process_resident_memory_bytes", "process_cpu_seconds_total", "process_start_time_seconds", "chronik_heap_used_bytes", "chronik_event_loop_lag_seconds"]));
      const start = families.find((family) => family.name === "process_start_time_seconds");
      expect(start?.kind !== "histogram" && start?.series[0].value).toBe(1_700_000_000);
      const rss = families.find((family) => family.name === "process_resident_memory_bytes");
      expect(rss?.kind !== "histogram" && rss!.series[0].value).toBeGreaterThan(1_000_000);
    } finally {
      sampler.stop();
    }
  });
});
