// The process: memory, CPU, open files, and how late the event loop runs timers. Bun (JSC)
// reports no garbage-collection events, so GC pauses show up only as event-loop lag: a pause
// delays every timer, and the sampler below sees that delay.

import { readdirSync } from "node:fs";
import { HistogramChild, histogramFamily, type MetricFamily, type MetricsRegistry, valueFamily } from "./registry.ts";

/** How often the event-loop sampler asks for a timer. */
export const eventLoopSampleMs = 100;

/** Event-loop lag buckets in seconds: 1 ms to 10 s. */
export const eventLoopLagBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

export interface ProcessMetricsOptions {
  /** Milliseconds, monotonic (performance.now by default). */
  now?: () => number;
  /** Seconds since the epoch when the process started. */
  startTimeSeconds?: number;
}

/** Measures event-loop lag: each sample is how much later than asked a timer fired. */
export class EventLoopLagSampler {
  readonly lag = new HistogramChild([], eventLoopLagBuckets);
  readonly #now: () => number;
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(now: () => number) {
    this.#now = now;
  }

  start(): void {
    const schedule = () => {
      const askedAt = this.#now();
      this.#timer = setTimeout(() => {
        this.lag.observe(Math.max(0, this.#now() - askedAt - eventLoopSampleMs) / 1000);
        schedule();
      }, eventLoopSampleMs);
      this.#timer.unref?.();
    };
    schedule();
  }

  stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}

function openFileCount(): number | null {
  try {
    return readdirSync("/proc/self/fd").length;
  } catch {
    return null;
  }
}

/** Registers the process collector; returns the sampler to stop at shutdown. */
export function registerProcessMetrics(registry: MetricsRegistry, options: ProcessMetricsOptions = {}): EventLoopLagSampler {
  const sampler = new EventLoopLagSampler(options.now ?? (() => performance.now()));
  const startTimeSeconds = options.startTimeSeconds ?? Math.floor(Date.now() / 1000 - process.uptime());
  sampler.start();
  registry.collect((): MetricFamily[] => {
    const memory = process.memoryUsage();
    const cpu = process.cpuUsage();
    const files = openFileCount();
    return [
      valueFamily("gauge", "process_resident_memory_bytes", "Resident memory of the process", [], [{ labels: [], value: memory.rss }]),
      valueFamily("counter", "process_cpu_seconds_total", "CPU time the process used, user and system", [], [{ labels: [], value: (cpu.user + cpu.system) / 1e6 }]),
      valueFamily("gauge", "process_start_time_seconds", "When the process started, in seconds since the epoch", [], [{ labels: [], value: startTimeSeconds }]),
      ...(files === null ? [] : [valueFamily("gauge", "process_open_fds", "Open file descriptors", [], [{ labels: [], value: files }])]),
      valueFamily("gauge", "chronik_heap_used_bytes", "JavaScript heap in use", [], [{ labels: [], value: memory.heapUsed }]),
      valueFamily("gauge", "chronik_heap_size_bytes", "JavaScript heap reserved", [], [{ labels: [], value: memory.heapTotal }]),
      valueFamily("gauge", "chronik_external_memory_bytes", "Memory of buffers and other objects outside the JavaScript heap", [], [{ labels: [], value: memory.external }]),
      histogramFamily(
        "chronik_event_loop_lag_seconds",
        `How much later than asked a ${eventLoopSampleMs} ms timer fired (garbage-collection pauses and long synchronous work show here)`,
        [],
        eventLoopLagBuckets,
        [sampler.lag.snapshot()],
      ),
    ];
  });
  return sampler;
}
