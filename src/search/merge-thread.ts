// The indexing thread's side of the merge thread (merge-worker.ts): a Merger that sends each
// merge there and resolves when the output file is written. One thread serves every partition;
// merges wait their turn in its queue.

import type { Logger } from "../logger.ts";
import type { Merger } from "./merge.ts";
import type { FromMergeThread, ToMergeThread } from "./merge-worker.ts";
import { CorruptIndexFileError } from "./sealed-segment.ts";

/** The worker's module: beside this file from source; inside a compiled executable, at its path from the repository root. */
function workerModule(): string {
  return import.meta.url.includes("/$bunfs/") ? "./src/search/merge-worker.ts" : new URL("./merge-worker.ts", import.meta.url).href;
}

export class MergeThread {
  #worker: Worker | null = null;
  #pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  #nextId = 1;
  #logger: Logger;
  #stopped = false;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  readonly merge: Merger = (dir, inputs, output) => {
    if (this.#stopped) return Promise.reject(new Error("Merge thread stopped"));
    const id = this.#nextId++;
    return new Promise<void>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#start().postMessage({ id, dir, inputs, output } satisfies ToMergeThread);
    });
  };

  #start(): Worker {
    if (this.#worker !== null) return this.#worker;
    const worker = new Worker(workerModule());
    worker.onmessage = (event: MessageEvent<FromMergeThread>) => {
      const message = event.data;
      const pending = this.#pending.get(message.id);
      if (!pending) return;
      this.#pending.delete(message.id);
      if (message.error === null) return pending.resolve();
      const error = message.corruptFile === null ? new Error(message.error) : new CorruptIndexFileError(message.error);
      if (error instanceof CorruptIndexFileError) error.file = message.corruptFile ?? undefined;
      pending.reject(error);
    };
    worker.onerror = (event) => {
      // A merge that failed is tried again later; a new thread starts with the next one.
      this.#logger.error("Search merge thread failed", { error: event.message });
      this.#fail(new Error(`Search merge thread failed: ${event.message}`));
    };
    this.#worker = worker;
    return worker;
  }

  #fail(error: Error): void {
    this.#worker?.terminate();
    this.#worker = null;
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }

  stop(): void {
    this.#stopped = true;
    this.#fail(new Error("Merge thread stopped"));
  }
}
