// The backlog thread: indexes stretches of partitions' backlogs into chunk files
// (backlog-chunk.ts) that indexing threads ask for, one at a time, on a core of its own.

import { type BacklogChunk, type BacklogJob, writeBacklogChunk } from "./backlog-chunk.ts";
import { collectNow } from "./garbage.ts";

declare const self: Worker;

export type ToBacklogThread = { id: number; job: BacklogJob };
export type FromBacklogThread = { id: number; chunk: BacklogChunk | null; error: null } | { id: number; chunk: null; error: string };

let queue: Promise<void> = Promise.resolve();

self.onmessage = (event: MessageEvent<ToBacklogThread>) => {
  const { id, job } = event.data;
  queue = queue.then(async () => {
    try {
      self.postMessage({ id, chunk: await writeBacklogChunk(job), error: null } satisfies FromBacklogThread);
    } catch (error) {
      self.postMessage({ id, chunk: null, error: error instanceof Error ? error.message : String(error) } satisfies FromBacklogThread);
    }
    // The chunk's live segment, written out, is most of this thread's heap: garbage now.
    collectNow();
  });
};
