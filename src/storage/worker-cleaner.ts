// Compaction off the broker's thread: a Cleaner that sends jobs to a worker thread
// (cleaner-worker.ts), so the CPU work of a pass (decoding, filtering, re-encoding batches)
// never competes with produce and fetch for the event loop. The worker starts on the first job
// and is stopped by close(). If it cannot start, or dies, its jobs and later ones run on the
// calling thread instead (in chunks, see inProcessCleaner), and that is logged once.
//
// In the single executable (`bun build --compile`) the worker is an extra entry point,
// embedded under the repository-relative name `./src/storage/cleaner-worker.ts`.

import type { CleaningJob, CleaningOutcome } from "./clean-job.ts";
import type { FromCleaner, ToCleaner } from "./cleaner-worker.ts";
import { inProcessCleaner } from "./log-cleaner.ts";
import type { Cleaner } from "./log-cleaner.ts";
import type { StorageLogger } from "./logger.ts";

interface Pending {
  job: CleaningJob;
  resolve: (outcome: CleaningOutcome) => void;
  reject: (error: Error) => void;
}

/** Where the worker's module is: beside this file, or its embedded name in a compiled executable. */
function workerSpecifier(): string {
  const compiled = import.meta.url.startsWith("file:///$bunfs/");
  return compiled ? "./src/storage/cleaner-worker.ts" : new URL("./cleaner-worker.ts", import.meta.url).href;
}

export class WorkerCleaner implements Cleaner {
  #logger: StorageLogger;
  #worker: Worker | null = null;
  #pending = new Map<number, Pending>();
  #nextId = 1;
  #unavailable = false;
  #closed = false;

  constructor(options: { logger: StorageLogger }) {
    this.#logger = options.logger;
  }

  clean(job: CleaningJob): Promise<CleaningOutcome> {
    if (this.#closed) return Promise.reject(new Error("Cannot compact: the cleaner is closed"));
    const worker = this.#start();
    if (worker === null) return inProcessCleaner.clean(job);
    const id = this.#nextId++;
    const { promise, resolve, reject } = Promise.withResolvers<CleaningOutcome>();
    this.#pending.set(id, { job, resolve, reject });
    worker.postMessage({ id, job } satisfies ToCleaner);
    return promise;
  }

  /** Stops the worker; jobs in flight reject (their `.cleaned` files are swept at the next open). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#worker?.terminate();
    this.#worker = null;
    this.#failPending("the broker is stopping");
  }

  #start(): Worker | null {
    if (this.#worker !== null || this.#unavailable) return this.#worker;
    try {
      const worker = new Worker(workerSpecifier());
      worker.onmessage = (event: MessageEvent<FromCleaner>) => this.#settle(event.data);
      worker.onerror = (event) => {
        this.#logger.warn(`Compaction worker failed: ${event.message}; compacting on the broker's thread from now on`);
        this.#unavailable = true;
        this.#worker?.terminate();
        this.#worker = null;
        this.#runPendingHere();
      };
      worker.unref();
      this.#worker = worker;
    } catch (error) {
      this.#logger.warn(`Cannot start the compaction worker: ${(error as Error).message}; compacting on the broker's thread`);
      this.#unavailable = true;
    }
    return this.#worker;
  }

  #settle(message: FromCleaner): void {
    const pending = this.#pending.get(message.id);
    if (!pending) return;
    this.#pending.delete(message.id);
    if ("error" in message) pending.reject(new Error(message.error));
    else pending.resolve(message.outcome);
  }

  /** Jobs the worker took with it: run them here (a half-written `.cleaned` file is rewritten from the start). */
  #runPendingHere(): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const { job, resolve, reject } of pending) inProcessCleaner.clean(job).then(resolve, reject);
  }

  #failPending(reason: string): void {
    for (const pending of this.#pending.values()) pending.reject(new Error(`Compaction job lost: ${reason}`));
    this.#pending.clear();
  }
}
