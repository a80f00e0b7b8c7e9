// A scheduler whose clock moves only when a test says so: timers fire in due order inside `advance`.

import type { Scheduler } from "../../../src/engine/groups/scheduler.ts";
import { nextTurn } from "../../support/wait.ts";

export class ManualScheduler implements Scheduler {
  #nowMs: number;
  #timers: { dueMs: number; run: () => void; id: number }[] = [];
  #nextId = 0;

  constructor(startMs = 1_000_000) {
    this.#nowMs = startMs;
  }

  now(): number {
    return this.#nowMs;
  }

  schedule(delayMs: number, run: () => void): () => void {
    const timer = { dueMs: this.#nowMs + Math.max(0, delayMs), run, id: this.#nextId++ };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((other) => other !== timer);
    };
  }

  /** A handler context's clock (`now` and `schedule`) moved by this scheduler. */
  get handlerClock(): { now: () => number; schedule: Scheduler["schedule"] } {
    return { now: () => this.now(), schedule: (delayMs, run) => this.schedule(delayMs, run) };
  }

  /** Timers still waiting. */
  get pending(): number {
    return this.#timers.length;
  }

  /** Moves the clock forward, running every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const endMs = this.#nowMs + ms;
    for (;;) {
      const due = this.#timers.filter((timer) => timer.dueMs <= endMs).sort((a, b) => a.dueMs - b.dueMs || a.id - b.id)[0];
      if (!due) break;
      this.#timers = this.#timers.filter((timer) => timer !== due);
      this.#nowMs = due.dueMs;
      due.run();
      await Promise.resolve();
    }
    this.#nowMs = endMs;
    await nextTurn();
  }
}
