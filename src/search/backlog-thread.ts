// The indexing thread's side of the backlog thread (backlog-worker.ts): a BacklogIndexer that
// sends each job there and resolves with the chunk written. One thread serves every partition,
// one job at a time (a partition offers a job only when it is idle, so none waits in a queue).

import type { Logger } from "../logger.ts";
import type { BacklogChunk, BacklogIndexer, BacklogJob } from "./backlog-chunk.ts";
import type { FromBacklogThread, ToBacklogThread } from "./backlog-worker.ts";

/** The worker's module: beside this file from source; inside a compiled executable, at its path from the repository root. */
function workerModule(): string {
  return import.meta.url.includes("/$bunfs/") ? "./src/search/backlog-worker.ts" : new URL("./backlog-worker.ts", import.meta.url).href;
}

export class BacklogThread implements BacklogIndexer {
  #worker: Worker | null = null;
  #pending = new Map<number, { resolve: (chunk: BacklogChunk | null) => void; reject: (error: Error) => void }>();
  #nextId = 1;
  #logger: Logger;
  #stopped = false;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  get busy(): boolean {
    return this.#stopped || this.#pending.size > 0;
  }

  index(job: BacklogJob): Promise<BacklogChunk | null> {
    if (this.#stopped) return Promise.reject(new Error("Backlog thread stopped"));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#start().postMessage({ id, job } satisfies ToBacklogThread);
    });
  }

  #start(): Worker {
    if (this.#worker !== null) return this.#worker;
    const worker = new Worker(workerModule());
    worker.onmessage = (event: MessageEvent<FromBacklogThread>) => {
      const message = event.data;
      const pending = this.#pending.get(message.id);
      if (!pending) return;
      this.#pending.delete(message.id);
      if (message.error === null) pending.resolve(message.chunk);
      else pending.reject(new Error(message.error));
    };
    worker.onerror = (event) => {
      // The indexer indexes the stretch itself; a new thread starts with the next job.
      this.#logger.error("Search backlog thread failed", { error: event.message });
      this.#fail(new Error(`Search backlog thread failed: ${event.message}`));
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
    this.#fail(new Error("Backlog thread stopped"));
  }
}
