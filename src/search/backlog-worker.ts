// The backlog thread: indexes stretches of partitions' backlogs into chunk files
// (backlog-chunk.ts) that indexing threads ask for (backlog-thread.ts), one at a time, on a core
// of its own.

import { type BacklogChunk, type BacklogJob, writeBacklogChunk } from "./backlog-chunk.ts";
import { collectNow } from "./garbage.ts";
import type { JobReply } from "./job-thread.ts";

declare const self: Worker;

let queue: Promise<void> = Promise.resolve();

self.onmessage = (event: MessageEvent<{ id: number; job: BacklogJob }>) => {
  const { id, job } = event.data;
  queue = queue.then(async () => {
    try {
      self.postMessage({ id, error: null, result: await writeBacklogChunk(job) } satisfies JobReply<BacklogChunk | null>);
    } catch (error) {
      self.postMessage({ id, error: error instanceof Error ? error.message : String(error) } satisfies JobReply<BacklogChunk | null>);
    }
    // The chunk's live segment, written out, is most of this thread's heap: garbage now.
    collectNow();
  });
};
