// When a sealed index chunk no longer matches the log it was read from, so that it must be
// rebuilt (the log is the source of truth):
// - the log start moved inside it (DeleteRecords): it holds documents below the log start,
//   which a consumer can no longer fetch;
// - compaction replaced its segment's .log with a new file (segment-source.ts): it may hold
//   documents for records compaction removed (older values of a key, expired tombstones).
// A chunk wholly below the log start is not stale but expired: it goes with its segment.

import { listSegmentBaseOffsets } from "../storage/segment.ts";
import type { ChunkRange } from "./index-manifest.ts";
import { segmentIdentity } from "./segment-source.ts";

export interface LogState {
  logStartOffset: number;
  /** The partition folder; null for a log kept in memory (no files to compare). */
  dir: string | null;
  /**
   * Compare every chunk with its segment file (after the log reported a compaction, and at
   * start); otherwise only chunks whose file is unknown are compared.
   */
  checkFiles: boolean;
}

/** The chunks of `chunks` that must be rebuilt. */
export function staleChunks(chunks: readonly ChunkRange[], state: LogState): ChunkRange[] {
  const bases = state.dir === null ? [] : listSegmentBaseOffsets(state.dir);
  const identities = new Map<number, string | null>();
  const currentIdentity = (segmentBase: number): string | null => {
    if (!identities.has(segmentBase)) identities.set(segmentBase, segmentIdentity(state.dir!, segmentBase));
    return identities.get(segmentBase)!;
  };
  return chunks.filter((chunk) => {
    if (chunk.endOffset <= state.logStartOffset) return false;
    if (chunk.fromOffset < state.logStartOffset) return true;
    if (state.dir === null || (!state.checkFiles && chunk.identity !== null)) return false;
    // A segment file that is gone (retention, the log start not reported yet) expires its chunks instead.
    const segmentBase = segmentBaseOf(bases, chunk.baseOffset);
    if (segmentBase > chunk.baseOffset) return false;
    const current = currentIdentity(segmentBase);
    return current !== null && current !== chunk.identity;
  });
}

/** The base of the segment holding `offset`: the last base at or below it (the first when none is). */
export function segmentBaseOf(bases: readonly number[], offset: number): number {
  let base = bases[0] ?? 0;
  for (const candidate of bases) if (candidate <= offset) base = candidate;
  return base;
}
