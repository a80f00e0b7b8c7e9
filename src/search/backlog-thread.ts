// The indexing thread's side of the backlog thread (backlog-worker.ts): a BacklogIndexer that
// sends each job there and resolves with the chunk written. One thread serves every partition,
// one job at a time (a partition offers a job only when it is idle, so none waits in a queue).

import type { Logger } from "../logger.ts";
import type { BacklogChunk, BacklogIndexer, BacklogJob } from "./backlog-chunk.ts";
import { JobThread } from "./job-thread.ts";

export class BacklogThread implements BacklogIndexer {
  readonly #thread: JobThread<BacklogJob, BacklogChunk | null>;

  constructor(logger: Logger) {
    this.#thread = new JobThread("backlog", "backlog-worker.ts", logger);
  }

  get busy(): boolean {
    return this.#thread.busy;
  }

  index(job: BacklogJob): Promise<BacklogChunk | null> {
    return this.#thread.run(job);
  }

  stop(): void {
    this.#thread.stop();
  }
}
