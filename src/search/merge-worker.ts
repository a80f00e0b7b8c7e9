// The merge thread: runs merges of sealed chunk files (merge.ts) that the indexing thread asks
// for, one at a time, on a core of its own.

import { asWork } from "./garbage.ts";
import { mergeChunkFiles } from "./merge.ts";
import { CorruptIndexFileError } from "./sealed-segment.ts";

declare const self: Worker;

export type ToMergeThread = { id: number; dir: string; inputs: string[]; output: string };
export type FromMergeThread = { id: number; error: null } | { id: number; error: string; corruptFile: string | null };

let queue: Promise<void> = Promise.resolve();

self.onmessage = (event: MessageEvent<ToMergeThread>) => {
  const { id, dir, inputs, output } = event.data;
  queue = queue.then(() => asWork(async () => {
    try {
      await mergeChunkFiles(dir, inputs, output);
      self.postMessage({ id, error: null } satisfies FromMergeThread);
    } catch (error) {
      const corruptFile = error instanceof CorruptIndexFileError ? (error.file ?? null) : null;
      self.postMessage({ id, error: error instanceof Error ? error.message : String(error), corruptFile } satisfies FromMergeThread);
    }
  }));
};
