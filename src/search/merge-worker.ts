// The merge thread: runs merges of sealed chunk files (merge.ts) that the indexing thread asks
// for (merge-thread.ts), one at a time, on a core of its own.

import { asWork } from "./garbage.ts";
import type { JobReply } from "./job-thread.ts";
import { mergeChunkFiles } from "./merge.ts";
import { CorruptIndexFileError } from "./sealed-segment.ts";

declare const self: Worker;

export type MergeJob = { dir: string; inputs: string[]; output: string };

let queue: Promise<void> = Promise.resolve();

self.onmessage = (event: MessageEvent<{ id: number; job: MergeJob }>) => {
  const { id, job } = event.data;
  queue = queue.then(() =>
    asWork(async () => {
      try {
        await mergeChunkFiles(job.dir, job.inputs, job.output);
        self.postMessage({ id, error: null, result: null } satisfies JobReply<null>);
      } catch (error) {
        const corruptFile = error instanceof CorruptIndexFileError ? (error.file ?? null) : null;
        self.postMessage({ id, error: error instanceof Error ? error.message : String(error), corruptFile } satisfies JobReply<null>);
      }
    }),
  );
};
