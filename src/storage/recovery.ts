// Opening a partition directory after a clean close or a crash.
//
// The recovery-point checkpoint is the offset below which every segment is known to be
// fsynced, indexes included. Sealed segments wholly below it are trusted (their indexes are
// sanity-checked when first used). The last segment is trusted when its headers lead exactly
// to the recovery point (a clean close). Every other segment is scanned batch by batch:
// header sane, batch inside the file, CRC valid, offsets continuing. The first bad or torn
// batch ends the log: the file is truncated there, later segments are deleted, and it is
// logged. Scanned segments are then fsynced and the recovery point moves to the log end.

import fs from "node:fs";
import path from "node:path";
import { readCheckpoint, syncDirectory, tempSuffix, writeCheckpoint } from "./checkpoint.ts";
import { listSegmentBaseOffsets, removeSegmentFiles, Segment, segmentFileName } from "./segment.ts";
import type { SegmentOptions } from "./segment.ts";

export const recoveryPointFileName = "recovery-point";
export const logStartOffsetFileName = "log-start-offset";
/** Checkpoint of the compacted end: segments below it were cleaned and may skip offsets. */
export const cleanerOffsetFileName = "cleaner-offset";
/** Suffix of segment files the cleaner is writing; leftovers from a crash are deleted at open. */
export const cleanedSuffix = ".cleaned";

export interface RecoveredLog {
  /** Ascending by base offset; never empty; the last one takes appends. */
  segments: Segment[];
  logStartOffset: number;
}

export interface RecoveryOptions extends SegmentOptions {
  fsync: (fd: number) => Promise<void>;
  nowMs: number;
}

/** Loads (and repairs) the segments of the partition in `dir`, creating it when new. */
export async function recoverLog(dir: string, options: RecoveryOptions): Promise<RecoveredLog> {
  fs.mkdirSync(dir, { recursive: true });
  removeLeftovers(dir);
  const recoveryPoint = readCheckpoint(path.join(dir, recoveryPointFileName), options.logger) ?? 0;
  const baseOffsets = listSegmentBaseOffsets(dir);
  const checkpointedStart = readCheckpoint(path.join(dir, logStartOffsetFileName), options.logger);
  const segments: Segment[] = [];
  const scanned: Segment[] = [];
  for (let n = 0; n < baseOffsets.length; n++) {
    const baseOffset = baseOffsets[n];
    const nextBase = baseOffsets[n + 1];
    const trusted = nextBase === undefined
      ? Segment.openTrustedActive(dir, baseOffset, recoveryPoint, options)
      : nextBase <= recoveryPoint ? Segment.openTrusted(dir, baseOffset, nextBase, options) : null;
    if (trusted) {
      segments.push(trusted);
      continue;
    }
    const { segment, problem, cutBytes } = Segment.recover(dir, baseOffset, options);
    segments.push(segment);
    scanned.push(segment);
    // A compacted segment may have lost its last records; its offsets still reach the next base.
    if (problem === null && nextBase !== undefined && segment.endOffset < nextBase && nextBase <= options.compactedBelow()) {
      segment.coverGapTo(nextBase);
    }
    const endsShort = nextBase !== undefined && segment.endOffset !== nextBase;
    if (problem === null && !endsShort) continue;
    const reason = problem ?? `it ends at offset ${segment.endOffset}, short of the next segment at ${nextBase}`;
    const later = baseOffsets.slice(n + 1);
    options.logger.warn(
      `Recovered "${dir}": truncated ${cutBytes} bytes at position ${segment.size} (offset ${segment.endOffset}) ` +
        `of "${segmentFileName(baseOffset, ".log")}": ${reason}` +
        (later.length > 0 ? `; deleted ${later.length} later segments from offset ${later[0]}` : ""),
    );
    await deleteSegmentFiles(dir, later);
    break;
  }
  const fresh = segments.length === 0;
  if (fresh) segments.push(Segment.create(dir, checkpointedStart ?? 0, options.nowMs, options));
  await flushScanned(dir, segments, scanned, options);
  const logEndOffset = segments.at(-1)!.endOffset;
  if (recoveryPoint !== logEndOffset) {
    // The checkpoint's own directory fsync also makes files created by the scan durable.
    await writeCheckpoint(path.join(dir, recoveryPointFileName), logEndOffset);
  } else if (fresh || scanned.length > 0) {
    await syncDirectory(dir);
  }
  return { segments, logStartOffset: startOffset(dir, segments, checkpointedStart, options) };
}

/** Scanned segments become trustworthy: sealed ones are sealed again, the last one flushed. */
async function flushScanned(dir: string, segments: Segment[], scanned: Segment[], options: RecoveryOptions): Promise<void> {
  const last = segments.at(-1)!;
  await Promise.all(scanned.map((segment) => (segment === last ? segment.flushAll(options.fsync) : segment.seal(options.fsync))));
  for (const segment of scanned) if (segment !== last) segment.release();
}

/** The log start: the checkpoint, but never below the first segment nor past the log end. */
function startOffset(dir: string, segments: Segment[], checkpointed: number | null, options: RecoveryOptions): number {
  const first = segments[0].baseOffset;
  const logEndOffset = segments.at(-1)!.endOffset;
  const start = Math.max(checkpointed ?? first, first);
  if (start <= logEndOffset) return start;
  options.logger.warn(`Log start offset ${start} of "${dir}" is past the recovered log end ${logEndOffset}; using the log end`);
  return logEndOffset;
}

async function deleteSegmentFiles(dir: string, baseOffsets: number[]): Promise<void> {
  for (const baseOffset of baseOffsets.toReversed()) await removeSegmentFiles(dir, baseOffset);
}

/** Temp files of interrupted atomic writes and cleanings, and index files whose log is gone. */
function removeLeftovers(dir: string): void {
  const names = new Set(fs.readdirSync(dir));
  for (const name of names) {
    const orphanIndex = /^(\d{20})\.(index|timeindex|txnindex)$/.exec(name);
    if (name.endsWith(tempSuffix) || name.endsWith(cleanedSuffix) || (orphanIndex && !names.has(`${orphanIndex[1]}.log`))) {
      fs.rmSync(path.join(dir, name), { force: true });
    }
  }
}
