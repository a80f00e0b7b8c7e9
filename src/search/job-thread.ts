// A worker thread that runs jobs the indexing thread sends it, one at a time: the indexing
// thread's side of the merge thread (merge-worker.ts) and the backlog thread (backlog-worker.ts).
// The thread starts with the first job; if it dies, its pending jobs fail and the next job starts
// a new one.

import type { Logger } from "../logger.ts";

/** What a job thread answers: the job's id, and its result or what went wrong. */
export type JobReply<Result> = { id: number; error: null; result: Result } | { id: number; error: string; corruptFile?: string | null };

/** The worker's module: beside this file from source; inside a compiled executable, at its path from the repository root. */
function workerModule(fileName: string): string {
  return import.meta.url.includes("/$bunfs/") ? `./src/search/${fileName}` : new URL(`./${fileName}`, import.meta.url).href;
}

export class JobThread<Job, Result> {
  readonly #name: string;
  readonly #fileName: string;
  readonly #logger: Logger;
  /** Turns a failed job's reply into the error its promise rejects with. */
  readonly #failure: (reply: Extract<JobReply<Result>, { error: string }>) => Error;
  #worker: Worker | null = null;
  #pending = new Map<number, { resolve: (result: Result) => void; reject: (error: Error) => void }>();
  #nextId = 1;
  #stopped = false;

  /** `name` names the thread in errors and logs ("merge"); `fileName` is its module beside this one. */
  constructor(name: string, fileName: string, logger: Logger, failure: (reply: Extract<JobReply<Result>, { error: string }>) => Error = (reply) => new Error(reply.error)) {
    this.#name = name;
    this.#fileName = fileName;
    this.#logger = logger;
    this.#failure = failure;
  }

  /** Whether a job is running or waiting (or the thread is stopped). */
  get busy(): boolean {
    return this.#stopped || this.#pending.size > 0;
  }

  run(job: Job): Promise<Result> {
    if (this.#stopped) return Promise.reject(new Error(`${capitalized(this.#name)} thread stopped`));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#start().postMessage({ id, job });
    });
  }

  stop(): void {
    this.#stopped = true;
    this.#fail(new Error(`${capitalized(this.#name)} thread stopped`));
  }

  #start(): Worker {
    if (this.#worker !== null) return this.#worker;
    const worker = new Worker(workerModule(this.#fileName));
    worker.onmessage = (event: MessageEvent<JobReply<Result>>) => {
      const reply = event.data;
      const pending = this.#pending.get(reply.id);
      if (!pending) return;
      this.#pending.delete(reply.id);
      if (reply.error === null) pending.resolve(reply.result);
      else pending.reject(this.#failure(reply));
    };
    worker.onerror = (event) => {
      // The caller does the job itself or tries it again later; a new thread starts with the next job.
      this.#logger.error(`Search ${this.#name} thread failed`, { error: event.message });
      this.#fail(new Error(`Search ${this.#name} thread failed: ${event.message}`));
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
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
