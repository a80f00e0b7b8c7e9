// Paces `chronik bench produce --throughput N`: record n (counting from 0) is due at
// start + n/N seconds, an absolute schedule read from a clock the caller passes in. The sender
// asks how many records are due, sends them in one go, and waits once until the next is due,
// so a timer that fires late is made up on the next wake-up instead of lowering the rate, and
// there is no sleep per record (timers are too coarse for 50,000 records a second).

import { strict as assert } from "node:assert";

export class ThroughputPacer {
  readonly #recordsPerSecond: number;
  readonly #startMs: number;

  constructor(recordsPerSecond: number, startMs: number) {
    assert(recordsPerSecond > 0 && Number.isFinite(recordsPerSecond), "a pacing rate must be a positive number of records per second");
    this.#recordsPerSecond = recordsPerSecond;
    this.#startMs = startMs;
  }

  /** Records that may be sent at `nowMs` when `sent` have been sent already. */
  allowance(nowMs: number, sent: number): number {
    const due = Math.floor(((nowMs - this.#startMs) * this.#recordsPerSecond) / 1000) + 1;
    return Math.max(0, due - sent);
  }

  /** Milliseconds from `nowMs` until the record after the `sent` ones is due (0 when it is due). */
  delayMs(nowMs: number, sent: number): number {
    return Math.max(0, this.#startMs + (sent * 1000) / this.#recordsPerSecond - nowMs);
  }
}
