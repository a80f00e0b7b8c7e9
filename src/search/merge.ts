// Merging sealed chunk files into one: checked inputs (a merge copies them, so a damaged one must
// be rebuilt from the log rather than spread), then the writer's k-way merge. It runs on the
// merge thread (merge-worker.ts), beside the indexing thread, so a merge of hundreds of
// thousands of documents never holds up indexing or searches; tests call it in process.

import path from "node:path";
import { CorruptIndexFileError, openSealedSegment, type SealedSegment, verifySealedSegment } from "./sealed-segment.ts";
import { writeSealedSegment } from "./sealed-segment-writer.ts";

/** Merges the chunk files `inputs` of `dir` into `output` there; CorruptIndexFileError (with `file`) names a damaged input. */
export type Merger = (dir: string, inputs: string[], output: string) => Promise<void>;

export async function mergeChunkFiles(dir: string, inputs: string[], output: string): Promise<void> {
  const segments: SealedSegment[] = [];
  for (const name of inputs) {
    try {
      verifySealedSegment(path.join(dir, name));
      const segment = openSealedSegment(dir, name);
      if (segment === null) throw new CorruptIndexFileError(`Search index "${path.join(dir, name)}" is missing`);
      segments.push(segment);
    } catch (error) {
      if (error instanceof CorruptIndexFileError) error.file = name;
      throw error;
    }
  }
  await writeSealedSegment(path.join(dir, output), segments);
}
