// The watchdog's thread (see watchdog.ts): fails the run when the main thread's heartbeat stops.

import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { WatchdogStart } from "./watchdog.ts";

const checkMs = 500;

declare const self: Worker;

self.onmessage = (event: MessageEvent<WatchdogStart>) => {
  const { shared, stallMs, runSeed, directory } = event.data;
  const view = new Int32Array(shared);
  let lastBeat = Atomics.load(view, 0);
  let lastChangeAt = Date.now();
  setInterval(() => {
    const beat = Atomics.load(view, 0);
    if (beat !== lastBeat) {
      lastBeat = beat;
      lastChangeAt = Date.now();
      return;
    }
    if (Date.now() - lastChangeAt < stallMs) return;
    const executions = Array.from(view.subarray(1)).filter((execution) => execution >= 0);
    mkdirSync(directory, { recursive: true });
    const file = path.join(directory, `stall-${runSeed}.json`);
    writeFileSync(file, `${JSON.stringify({ kind: "hang", signature: "event loop blocked", runSeed, stallMs, executionsInFlight: executions }, null, 2)}\n`);
    console.log(`fuzz in-process FAILED: the event loop was blocked for ${stallMs} ms (a synchronous loop); seed ${runSeed}, executions in flight ${executions.join(" ")}; replay each with --seed ${runSeed} --replay N -> ${file}`);
    process.kill(process.pid, "SIGKILL");
  }, checkMs);
};
