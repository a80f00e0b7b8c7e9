// Compaction of one log (cleanup.policy=compact): keep the latest record of every key.
//
// The log splits in three: the clean part (below the cleaner checkpoint, compacted before),
// the dirty part (sealed segments written since), and the uncleanable rest (the active
// segment, anything at or past the high watermark, and segments younger than
// min.compaction.lag.ms). A pass runs when dirty / (clean + dirty) bytes reaches
// min.cleanable.dirty.ratio:
//   1. a Cleaner runs the job (clean-job.ts): the latest offset of every key in the dirty part,
//      then `.cleaned` files for each segment that loses records (records keep their offsets;
//      tombstones older than delete.retention.ms go). A worker thread does it when it can,
//      otherwise the broker's thread does, pausing between chunks;
//   2. the log checkpoints the new compacted end (recovery accepts offset gaps below it);
//   3. each cleaned segment is installed: old indexes deleted, the `.cleaned` log renamed over
//      the old one, then its indexes, and the Segment object swapped, all in one synchronous
//      step so no read sees half of it.
// A crash leaves either the old segment or the new one (with indexes, or without them, which
// are then rebuilt); `.cleaned` leftovers are deleted at open.

import fs from "node:fs";
import { cleanedFileNames, runCleaningJob } from "./clean-job.ts";
import type { CleaningJob, CleaningOutcome } from "./clean-job.ts";
import type { LogSettings } from "./log-settings.ts";
import { Segment, segmentFiles } from "./segment.ts";
import type { SegmentOptions } from "./segment.ts";

export type { CleanerStats } from "./clean-job.ts";

/** Runs cleaning jobs, on the broker's thread or elsewhere. */
export interface Cleaner {
  clean(job: CleaningJob): Promise<CleaningOutcome>;
}

/** Pause of the in-process cleaner after each 256 KiB chunk, so produce and fetch get the event loop. */
const inProcessPauseMs = 1;

/** Runs jobs on the calling thread, pausing between chunks. */
export const inProcessCleaner: Cleaner = {
  clean: (job) => runCleaningJob(job, () => new Promise((resolve) => setTimeout(resolve, inProcessPauseMs))),
};

export interface CleaningPlan {
  /** Every sealed segment to rewrite: the clean ones, then the dirty ones. */
  segments: Segment[];
  /** Index in `segments` of the first dirty segment. */
  firstDirty: number;
  cleanBytes: number;
  dirtyBytes: number;
}

/** What to clean now, or null when the dirty ratio is below min.cleanable.dirty.ratio or nothing is dirty. */
export function planCleaning(
  segments: Segment[],
  state: { compactedOffset: number; highWatermark: number; nowMs: number; settings: LogSettings },
): CleaningPlan | null {
  const cleanable: Segment[] = [];
  for (const segment of segments.slice(0, -1)) {
    const newestMs = segment.newestRecordMs();
    const tooYoung = state.nowMs - newestMs < state.settings.minCompactionLagMs;
    if (segment.endOffset > state.highWatermark || tooYoung) break;
    cleanable.push(segment);
  }
  const firstDirty = cleanable.findIndex((segment) => segment.endOffset > state.compactedOffset);
  if (firstDirty < 0) return null;
  const cleanBytes = sumBytes(cleanable.slice(0, firstDirty));
  const dirtyBytes = sumBytes(cleanable.slice(firstDirty));
  if (dirtyBytes === 0 || dirtyBytes / (cleanBytes + dirtyBytes) < state.settings.minCleanableDirtyRatio) return null;
  return { segments: cleanable, firstDirty, cleanBytes, dirtyBytes };
}

/** The job for `plan`: files and numbers only, so it can cross to a worker. */
export function cleaningJob(plan: CleaningPlan, context: { dir: string; nowMs: number; settings: LogSettings; indexIntervalBytes: number }): CleaningJob {
  return {
    dir: context.dir,
    segments: plan.segments.map((segment) => ({ baseOffset: segment.baseOffset, size: segment.size, endOffset: segment.endOffset })),
    firstDirty: plan.firstDirty,
    nowMs: context.nowMs,
    deleteRetentionMs: context.settings.deleteRetentionMs,
    indexIntervalBytes: context.indexIntervalBytes,
  };
}

/**
 * Puts the `.cleaned` files of `old` in its place and returns the new segment. Log first: a
 * crash between the renames leaves the new log without indexes (rebuilt at open), never an
 * index that describes the other file. Synchronous, so no read runs in between.
 */
export function installCleaned(old: Segment, options: SegmentOptions): Segment {
  const files = segmentFiles(old.dir, old.baseOffset);
  const cleaned = cleanedFileNames(old.dir, old.baseOffset);
  // Nothing is touched unless all three are there: a half-installed segment would lose its indexes.
  const absent = Object.values(cleaned).filter((file) => !fs.existsSync(file));
  if (absent.length > 0) throw new Error(`Cannot install the cleaned segment ${old.baseOffset}: ${absent.map((file) => `"${file}"`).join(", ")} missing`);
  fs.rmSync(files.index, { force: true });
  fs.rmSync(files.timeindex, { force: true });
  fs.renameSync(cleaned.log, files.log);
  fs.renameSync(cleaned.index, files.index);
  fs.renameSync(cleaned.timeindex, files.timeindex);
  return Segment.openTrusted(old.dir, old.baseOffset, old.endOffset, options);
}

function sumBytes(segments: Segment[]): number {
  return segments.reduce((sum, segment) => sum + segment.size, 0);
}
