// The stall oracle: a handler that loops synchronously blocks the event loop, so no timer of the
// fuzzer can fire to call it a hang (and a real broker would stop answering everyone). A worker
// thread watches a heartbeat the main thread bumps; when it stops for `stallMs`, the worker
// writes the executions in flight to test-output/fuzz/crashes/stall-<seed>.json, prints a
// failing summary line and kills the process. Each lane publishes its execution number in a
// shared array, so the worker knows the culprit is among them (replay each with --replay N).

import { crashesDir } from "./findings.ts";

/** How long the event loop may be blocked before the run is failed as stalled. */
export const stallMsDefault = 15_000;
const heartbeatMs = 200;

export interface WatchdogStart {
  shared: SharedArrayBuffer;
  stallMs: number;
  runSeed: number;
  directory: string;
}

/** Heartbeat counter, then one execution number per lane (-1: idle). */
export class Watchdog {
  readonly #view: Int32Array;
  readonly #worker: Worker;
  readonly #beat: ReturnType<typeof setInterval>;

  constructor(options: { lanes: number; runSeed: number; stallMs?: number }) {
    const shared = new SharedArrayBuffer(4 * (1 + options.lanes));
    this.#view = new Int32Array(shared);
    this.#view.fill(-1, 1);
    this.#worker = new Worker(new URL("./watchdog-worker.ts", import.meta.url).href);
    const start: WatchdogStart = { shared, stallMs: options.stallMs ?? stallMsDefault, runSeed: options.runSeed, directory: crashesDir };
    this.#worker.postMessage(start);
    this.#worker.unref();
    this.#beat = setInterval(() => Atomics.add(this.#view, 0, 1), heartbeatMs);
  }

  /** Lane `lane` runs execution `execution` (or nothing, with -1). */
  running(lane: number, execution: number): void {
    Atomics.store(this.#view, 1 + lane, execution);
  }

  stop(): void {
    clearInterval(this.#beat);
    this.#worker.terminate();
  }
}
