// Group commit: many appends, one fsync round. Callers ask for "everything written to this
// fd so far is on disk"; requests arriving while a round is in flight wait for the next
// round, which fsyncs each dirty fd once however many appends touched it. N concurrent
// producers therefore cost about one round, not N fsyncs. fsync runs on libuv's thread pool
// (async fs.fsync), so the event loop keeps serving while the disk works.

import fs from "node:fs";
import { promisify } from "node:util";

const fsyncAsync = promisify(fs.fsync);

/** Told about each fsync and each round, for metrics. */
export interface FlushObserver {
  /** One fsync took this many seconds (failed ones too). */
  fsynced(seconds: number): void;
  /** A round made this many waiting writes durable (the group-commit batch size). */
  round(waiters: number): void;
}

export interface FlushSchedulerOptions {
  /** The fsync to run per fd; tests inject a counting or failing one. */
  fsync?: (fd: number) => Promise<void>;
  observer?: FlushObserver;
  /** Monotonic milliseconds, for timing fsyncs (performance.now by default). */
  now?: () => number;
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** One per broker: every FileLog's durable writes go through it so their fsyncs are grouped. */
export class FlushScheduler {
  #fsync: (fd: number) => Promise<void>;
  readonly #observer: FlushObserver | undefined;
  readonly #now: () => number;
  /** fds waiting for the next round, with the callers waiting on each. */
  #queued = new Map<number, Waiter[]>();
  #roundInFlight = false;
  #roundStartQueued = false;
  #roundCount = 0;
  #fsyncCount = 0;

  constructor(options: FlushSchedulerOptions = {}) {
    this.#fsync = options.fsync ?? fsyncAsync;
    this.#observer = options.observer;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Rounds started so far (a round fsyncs every queued fd once, in parallel). */
  get roundCount(): number {
    return this.#roundCount;
  }

  /** fsync calls made so far. */
  get fsyncCount(): number {
    return this.#fsyncCount;
  }

  /** Resolves once everything written to `fd` before this call is on disk; rejects if the fsync fails. */
  sync = (fd: number): Promise<void> => {
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    const waiters = this.#queued.get(fd);
    if (waiters) waiters.push({ resolve, reject });
    else this.#queued.set(fd, [{ resolve, reject }]);
    this.#maybeStartRound();
    return promise;
  };

  /** Starts a round after the current task, so appends made in the same tick share it. */
  #maybeStartRound(): void {
    if (this.#roundInFlight || this.#roundStartQueued || this.#queued.size === 0) return;
    this.#roundStartQueued = true;
    queueMicrotask(() => {
      this.#roundStartQueued = false;
      void this.#runRound();
    });
  }

  async #runRound(): Promise<void> {
    if (this.#roundInFlight || this.#queued.size === 0) return;
    this.#roundInFlight = true;
    const round = this.#queued;
    this.#queued = new Map();
    this.#roundCount++;
    this.#fsyncCount += round.size;
    const observer = this.#observer;
    if (observer) {
      let waiting = 0;
      for (const waiters of round.values()) waiting += waiters.length;
      observer.round(waiting);
    }
    await Promise.all(
      [...round].map(async ([fd, waiters]) => {
        const startedAt = observer ? this.#now() : 0;
        try {
          await this.#fsync(fd);
          observer?.fsynced((this.#now() - startedAt) / 1000);
          for (const waiter of waiters) waiter.resolve();
        } catch (error) {
          observer?.fsynced((this.#now() - startedAt) / 1000);
          for (const waiter of waiters) waiter.reject(error);
        }
      }),
    );
    this.#roundInFlight = false;
    this.#maybeStartRound();
  }
}
