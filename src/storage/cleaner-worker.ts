// The compaction worker thread: runs cleaning jobs (clean-job.ts) sent by WorkerCleaner, one
// at a time, and answers each with its outcome or its error. It only reads sealed segments
// and writes `.cleaned` files; the broker's thread installs them.

import { runCleaningJob } from "./clean-job.ts";
import type { CleaningJob, CleaningOutcome } from "./clean-job.ts";

declare const self: Worker;

export type ToCleaner = { id: number; job: CleaningJob };
export type FromCleaner = { id: number; outcome: CleaningOutcome } | { id: number; error: string };

/** Nothing else shares this thread: no need to pause between chunks. */
const noPause = () => Promise.resolve();

let queue: Promise<void> = Promise.resolve();

self.onmessage = (event: MessageEvent<ToCleaner>) => {
  const { id, job } = event.data;
  queue = queue.then(async () => {
    try {
      self.postMessage({ id, outcome: await runCleaningJob(job, noPause) } satisfies FromCleaner);
    } catch (error) {
      self.postMessage({ id, error: (error as Error)?.message ?? String(error) } satisfies FromCleaner);
    }
  });
};
