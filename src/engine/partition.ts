// A partition as the broker sees it: its log plus the fetchers parked on it.
// Long-polling fetches wait here for new data instead of sleeping in a loop.

import type { AppendResult, PartitionLog } from "../storage/partition-log.ts";

export class Partition {
  readonly topic: string;
  readonly index: number;
  readonly log: PartitionLog;
  #waiters = new Set<() => void>();

  constructor(topic: string, index: number, log: PartitionLog) {
    this.topic = topic;
    this.index = index;
    this.log = log;
  }

  /**
   * Appends validated batches. The write is issued synchronously (so calls keep their order);
   * the promise settles once the data is as durable as the flush policy promises.
   */
  append(batches: Uint8Array, options?: { logAppendTime?: number }): Promise<AppendResult> {
    const appended = this.log.append(batches, options);
    // Fetchers read up to the high watermark, which moves when the append is durable.
    appended.then(() => this.#wakeWaiters(), () => {});
    return appended;
  }

  /** Calls `wake` once, the next time new data becomes readable. Returns a function that cancels the wait. */
  onNextData(wake: () => void): () => void {
    this.#waiters.add(wake);
    return () => this.#waiters.delete(wake);
  }

  /** The partition is going away (its topic was deleted): parked fetchers answer now instead of at max_wait. */
  detach(): void {
    this.#wakeWaiters();
  }

  #wakeWaiters(): void {
    if (this.#waiters.size === 0) return;
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }
}
