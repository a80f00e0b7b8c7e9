// What the broker benchmarks (search-scale.ts, search-freshness.ts) share: releasing temporary
// files and the broker on exit or Ctrl-C, progress lines, percentiles, and the broker's memory
// sampled from /proc.

import { readFileSync } from "node:fs";

/** Temp dirs and the broker, released on exit and on Ctrl-C. */
export const cleanups: Array<() => Promise<void>> = [];
let cleaning: Promise<void> | undefined;

/** Releases everything once; a second call (a second Ctrl-C) waits for the first instead of cutting it short. */
export function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error) => console.error(`Cleanup failed: ${(error as Error).message}`));
  })();
  return cleaning;
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (cleaning === undefined) console.error(`${signal}: stopping the broker and removing temporary files`);
    void cleanUp().finally(() => process.exit(130));
  });
}

export const progress = (text: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${text}`);

/** The nearest-rank percentile `p` of ascending `sorted`; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

/** A process whose memory is sampled: the broker (tests/e2e/harness.ts), or a child of a bench. */
export interface SampledProcess {
  readonly pid: number | undefined;
  readonly alive: boolean;
}

/** Peak RSS and RssAnon of a process (the broker), sampled from /proc/<pid>/status. */
export class MemorySampler {
  peakRssBytes = 0;
  peakRssAnonBytes = 0;
  /** The kernel's own peak (VmHWM) as of the last sample. */
  hwmBytes = 0;
  /** Peak RssAnon since the last startWindow(): what one phase (a kind of query) adds. */
  windowPeakRssAnonBytes = 0;
  #timer: ReturnType<typeof setInterval>;

  constructor(
    readonly broker: SampledProcess,
    sampleMs: number,
  ) {
    this.#timer = setInterval(() => this.sample(), sampleMs);
  }

  /** The current figures (and updates the peaks). */
  sample(): { rssBytes: number; rssAnonBytes: number } {
    const pid = this.broker.pid;
    if (pid === undefined || !this.broker.alive) return { rssBytes: 0, rssAnonBytes: 0 };
    let status = "";
    try {
      status = readFileSync(`/proc/${pid}/status`, "utf8");
    } catch {
      return { rssBytes: 0, rssAnonBytes: 0 };
    }
    const kilobytes = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
    const figures = { rssBytes: kilobytes("VmRSS"), rssAnonBytes: kilobytes("RssAnon") };
    this.peakRssBytes = Math.max(this.peakRssBytes, figures.rssBytes);
    this.peakRssAnonBytes = Math.max(this.peakRssAnonBytes, figures.rssAnonBytes);
    this.windowPeakRssAnonBytes = Math.max(this.windowPeakRssAnonBytes, figures.rssAnonBytes);
    this.hwmBytes = Math.max(this.hwmBytes, kilobytes("VmHWM"));
    return figures;
  }

  /** Starts a new window for windowPeakRssAnonBytes, from the current figure. */
  startWindow(): void {
    this.windowPeakRssAnonBytes = 0;
    this.sample();
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

/** A bad flag of a benchmark: reported as one line and the usage, without a stack trace. */
/** CPU seconds (user + system) a process has used so far, from /proc. */
export function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  // utime and stime are fields 14 and 15 of the line; clock ticks are 100 per second on Linux.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** `count` lines of exactly `bytes` characters each: the line's number, padded with x. */
export function fixedSizeLines(count: number, bytes: number): string {
  const filler = "x".repeat(bytes);
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const number = String(i);
    lines.push(number + filler.slice(number.length));
  }
  return lines.join("\n") + "\n";
}

export class UsageError extends Error {}

/**
 * The command line of a benchmark, consumed as flags are read: what is left at the end goes to
 * `chronik serve`.
 */
export class BenchArgs {
  readonly rest: string[];

  constructor(args: string[]) {
    this.rest = [...args];
  }

  /** The value after `name`, taken out of the rest; undefined when absent. */
  value(name: string): string | undefined {
    const at = this.rest.indexOf(name);
    return at < 0 ? undefined : this.rest.splice(at, 2)[1];
  }

  /** Whether the switch `name` was given, taken out of the rest. */
  switch(name: string): boolean {
    const at = this.rest.indexOf(name);
    if (at >= 0) this.rest.splice(at, 1);
    return at >= 0;
  }

  /** A whole number of at least 1 ("1_000_000" and "1,000,000" read too); UsageError otherwise. */
  wholeNumber(name: string, fallback: number): number {
    const text = this.value(name);
    if (text === undefined) return fallback;
    const value = Number(text.replaceAll("_", "").replaceAll(",", ""));
    if (!Number.isInteger(value) || value < 1) throw new UsageError(`${name} must be a whole number of at least 1, not "${text}"`);
    return value;
  }
}
