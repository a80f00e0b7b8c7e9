// The indexing thread's side of the merge thread (merge-worker.ts): a Merger that sends each
// merge there and resolves when the output file is written. One thread serves every partition;
// merges wait their turn in its queue.

import type { Logger } from "../logger.ts";
import { JobThread } from "./job-thread.ts";
import type { Merger } from "./merge.ts";
import type { MergeJob } from "./merge-worker.ts";
import { CorruptIndexFileError } from "./sealed-segment.ts";

export class MergeThread {
  readonly #thread: JobThread<MergeJob, null>;

  constructor(logger: Logger) {
    this.#thread = new JobThread("merge", "merge-worker.ts", logger, (reply) => {
      if (reply.corruptFile === undefined || reply.corruptFile === null) return new Error(reply.error);
      const error = new CorruptIndexFileError(reply.error);
      error.file = reply.corruptFile;
      return error;
    });
  }

  readonly merge: Merger = async (dir, inputs, output) => {
    await this.#thread.run({ dir, inputs, output });
  };

  stop(): void {
    this.#thread.stop();
  }
}
