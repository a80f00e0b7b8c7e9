// Compaction of one log (cleanup.policy=compact): keep the latest record of every key.
//
// The log splits in three: the clean part (below the cleaner checkpoint, compacted before),
// the dirty part (sealed segments written since), and the uncleanable rest (the active
// segment, anything at or past the high watermark, and segments younger than
// min.compaction.lag.ms). A pass runs when dirty / (clean + dirty) bytes reaches
// min.cleanable.dirty.ratio:
//   1. scan the dirty part for the latest offset of every key (the offset map);
//   2. rewrite each clean and dirty segment into `<base>.log.cleaned` (+ its indexes), keeping a
//      record when no later record has its key, and dropping tombstones (null values) older
//      than delete.retention.ms; offsets are preserved, so batches may skip offsets;
//   3. swap each rewritten segment in: old indexes deleted, `.cleaned` files renamed over the
//      old ones (log first), all in one synchronous step so no read sees half a swap.
// The work yields to the event loop every few MiB, so produce and fetch never wait on it. A
// crash leaves either the old segment or the new one (with indexes, or without them, which
// are then rebuilt); `.cleaned` leftovers are deleted at open.

import fs from "node:fs";
import { promisify } from "node:util";
import { batchLogOverhead, batchSizeAt, readBatchHeader } from "../records/batch-header.ts";
import { Attributes } from "../records/batch-header.ts";
import { decodeRecordBatches } from "../records/decode-batches.ts";
import type { DecodedBatch, DecodedRecord } from "../records/decode-batches.ts";
import { rebuildBatch } from "./compacted-batch.ts";
import { readFully } from "./log-scan.ts";
import type { LogSettings } from "./log-settings.ts";
import { OffsetIndex } from "./offset-index.ts";
import { cleanedSuffix } from "./recovery.ts";
import { Segment, segmentFiles } from "./segment.ts";
import type { SegmentOptions } from "./segment.ts";
import { TimeIndex } from "./time-index.ts";

/** Keys one pass remembers; past it the pass cleans only the dirty segments whose keys fit (as Kafka's dedupe buffer). */
export const offsetMapKeysMax = 2_000_000;
/** Bytes processed between yields to the event loop. */
const cleanerChunkBytes = 256 * 1024;
/** Bytes read from a segment file at a time. */
const readChunkBytes = 256 * 1024;

const fsyncAsync = promisify(fs.fsync);

export interface CleaningPlan {
  /** Every sealed segment to rewrite: the clean ones, then the dirty ones. */
  segments: Segment[];
  /** The dirty segments, whose keys make the offset map. */
  dirty: Segment[];
  /** The new cleaner checkpoint: the end of the last dirty segment. */
  dirtyEnd: number;
  cleanBytes: number;
  dirtyBytes: number;
}

export interface CleanerStats {
  segmentsCleaned: number;
  bytesRead: number;
  bytesWritten: number;
  recordsRemoved: number;
  durationMs: number;
}

/** What to clean now, or null when the dirty ratio is below min.cleanable.dirty.ratio or nothing is dirty. */
export function planCleaning(
  segments: Segment[],
  state: { compactedOffset: number; highWatermark: number; nowMs: number; settings: LogSettings },
): CleaningPlan | null {
  const cleanable: Segment[] = [];
  for (const segment of segments.slice(0, -1)) {
    const newestMs = segment.maxTimestampOfBatches?.timestamp ?? segment.createdMs;
    const tooYoung = state.nowMs - newestMs < state.settings.minCompactionLagMs;
    if (segment.endOffset > state.highWatermark || tooYoung) break;
    cleanable.push(segment);
  }
  const dirty = cleanable.filter((segment) => segment.endOffset > state.compactedOffset);
  if (dirty.length === 0) return null;
  const cleanBytes = sumBytes(cleanable) - sumBytes(dirty);
  const dirtyBytes = sumBytes(dirty);
  if (dirtyBytes === 0 || dirtyBytes / (cleanBytes + dirtyBytes) < state.settings.minCleanableDirtyRatio) return null;
  return { segments: cleanable, dirty, dirtyEnd: dirty.at(-1)!.endOffset, cleanBytes, dirtyBytes };
}

export interface CleanContext {
  dir: string;
  nowMs: number;
  settings: LogSettings;
  segmentOptions: SegmentOptions;
  /** Called once the offset map is built, before any segment changes: checkpoints how far the log is compacted. */
  commitCompactedOffset(offset: number): Promise<void>;
  /** Puts `fresh` in place of `old` in the log; false when `old` is no longer there. */
  swap(old: Segment, fresh: Segment): boolean;
  /** True once the log closes; the pass stops between segments. */
  isClosed(): boolean;
}

/** Runs one pass of `plan`. */
export async function cleanSegments(plan: CleaningPlan, context: CleanContext): Promise<CleanerStats> {
  const startedMs = performance.now();
  const stats: CleanerStats = { segmentsCleaned: 0, bytesRead: 0, bytesWritten: 0, recordsRemoved: 0, durationMs: 0 };
  const { offsets, dirtyEnd } = await buildOffsetMap(plan, context, stats);
  await context.commitCompactedOffset(dirtyEnd);
  const tombstoneHorizonMs = context.nowMs - context.settings.deleteRetentionMs;
  for (const segment of plan.segments) {
    if (segment.baseOffset >= dirtyEnd || context.isClosed()) break;
    const keep = (record: DecodedRecord, key: string | null): boolean => {
      if (key === null) return true;
      const latest = offsets.get(key);
      if (latest !== undefined && record.offset < latest) return false;
      return record.value !== null || record.timestamp >= tombstoneHorizonMs;
    };
    const fresh = await rewriteSegment(segment, keep, context, stats);
    if (fresh === null) continue;
    if (!context.swap(segment, fresh)) {
      await fresh.close();
      break;
    }
    stats.segmentsCleaned++;
  }
  stats.durationMs = performance.now() - startedMs;
  return stats;
}

/** The latest offset of every key in the dirty segments (as many segments as offsetMapKeysMax allows). */
async function buildOffsetMap(plan: CleaningPlan, context: CleanContext, stats: CleanerStats) {
  const offsets = new Map<string, number>();
  let dirtyEnd = plan.dirty[0].baseOffset;
  for (const segment of plan.dirty) {
    const before = new Map<string, number>();
    await forEachBatch(segment, (batch) => {
      if (isKeptWhole(batch)) return;
      for (const record of batch.records) {
        const key = keyOf(record);
        if (key === null) continue;
        if (!before.has(key)) before.set(key, offsets.get(key) ?? -1);
        offsets.set(key, record.offset);
      }
    }, stats);
    if (offsets.size > offsetMapKeysMax && segment !== plan.dirty[0]) {
      // Undo this segment's keys: the pass cleans up to the previous segment.
      for (const [key, previous] of before) {
        if (previous < 0) offsets.delete(key);
        else offsets.set(key, previous);
      }
      break;
    }
    dirtyEnd = segment.endOffset;
  }
  if (context.isClosed()) return { offsets, dirtyEnd: plan.dirty[0].baseOffset };
  return { offsets, dirtyEnd };
}

/**
 * Writes the kept records of `segment` to `.cleaned` files, then swaps the files in; returns
 * the new segment, or null when nothing was removed (the old segment stays as it is).
 */
async function rewriteSegment(
  segment: Segment,
  keep: (record: DecodedRecord, key: string | null) => boolean,
  context: CleanContext,
  stats: CleanerStats,
): Promise<Segment | null> {
  const files = segmentFiles(context.dir, segment.baseOffset);
  const cleaned = { log: files.log + cleanedSuffix, index: files.index + cleanedSuffix, timeindex: files.timeindex + cleanedSuffix };
  const writer = new CleanedWriter(cleaned, segment.baseOffset, context.segmentOptions.indexIntervalBytes);
  const removedBefore = stats.recordsRemoved;
  try {
    await forEachBatch(segment, (batch, bytes) => {
      if (isKeptWhole(batch)) return writer.write(bytes);
      const kept = batch.records.filter((record) => keep(record, keyOf(record)));
      stats.recordsRemoved += batch.records.length - kept.length;
      if (kept.length === batch.records.length) writer.write(bytes);
      else if (kept.length > 0) writer.write(rebuildBatch(batch, kept));
    }, stats);
    if (stats.recordsRemoved === removedBefore) {
      writer.abandon();
      return null;
    }
    await writer.finish();
  } catch (error) {
    writer.abandon();
    throw error;
  }
  stats.bytesWritten += writer.size;
  // Log first: a crash between the renames leaves the new log without indexes (rebuilt at open),
  // never an index that describes the other file.
  fs.rmSync(files.index, { force: true });
  fs.rmSync(files.timeindex, { force: true });
  fs.renameSync(cleaned.log, files.log);
  fs.renameSync(cleaned.index, files.index);
  fs.renameSync(cleaned.timeindex, files.timeindex);
  return Segment.openTrusted(context.dir, segment.baseOffset, segment.endOffset, context.segmentOptions);
}

/** Control and transactional batches pass through untouched (chronik writes neither; replicas may). */
function isKeptWhole(batch: DecodedBatch): boolean {
  return (batch.header.attributes & (Attributes.control | Attributes.transactional)) !== 0;
}

/** Keys compare as their bytes: latin1 maps each byte to one UTF-16 unit. */
function keyOf(record: DecodedRecord): string | null {
  return record.key === null ? null : Buffer.from(record.key.buffer, record.key.byteOffset, record.key.byteLength).toString("latin1");
}

/** Decodes each batch of a sealed segment from its own read-only fd, yielding every cleanerChunkBytes. */
async function forEachBatch(
  segment: Segment,
  visit: (batch: DecodedBatch, bytes: Uint8Array) => void,
  stats: CleanerStats,
): Promise<void> {
  const fd = fs.openSync(segmentFiles(segment.dir, segment.baseOffset).log, "r");
  try {
    let chunk = new Uint8Array(readChunkBytes);
    let sinceYield = 0;
    for (let position = 0; position < segment.size; ) {
      const available = Math.min(chunk.length, segment.size - position);
      readFully(fd, chunk, Math.min(batchLogOverhead, available), position);
      const size = batchSizeAt(chunk, 0);
      if (size > chunk.length) chunk = new Uint8Array(size);
      const want = Math.min(Math.max(size, Math.min(chunk.length, segment.size - position)), segment.size - position);
      readFully(fd, chunk, want, position);
      let at = 0;
      while (at + batchLogOverhead <= want && at + batchSizeAt(chunk, at) <= want) {
        const batchSize = batchSizeAt(chunk, at);
        const bytes = chunk.subarray(at, at + batchSize);
        const [batch] = decodeRecordBatches(bytes);
        if (batch === undefined || readBatchHeader(bytes).magic !== 2) {
          throw new Error(`Cannot compact segment "${segment.baseOffset}": no whole batch at position ${position + at}`);
        }
        visit(batch, bytes);
        at += batchSize;
      }
      if (at === 0) throw new Error(`Cannot compact segment "${segment.baseOffset}": torn batch at position ${position}`);
      position += at;
      stats.bytesRead += at;
      sinceYield += at;
      if (sinceYield >= cleanerChunkBytes) {
        sinceYield = 0;
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Appends batches to a `.cleaned` log and builds its sparse indexes as segment.ts does. */
class CleanedWriter {
  size = 0;
  #paths: { log: string; index: string; timeindex: string };
  #fd: number;
  #offsetIndex: OffsetIndex;
  #timeIndex: TimeIndex;
  #indexIntervalBytes: number;
  #bytesSinceIndexEntry = 0;
  #max: { timestamp: number; offset: number } | null = null;
  #closed = false;

  constructor(paths: { log: string; index: string; timeindex: string }, baseOffset: number, indexIntervalBytes: number) {
    this.#paths = paths;
    this.#fd = fs.openSync(paths.log, "w");
    this.#offsetIndex = OffsetIndex.create(paths.index, baseOffset);
    this.#timeIndex = TimeIndex.create(paths.timeindex, baseOffset);
    this.#indexIntervalBytes = indexIntervalBytes;
  }

  write(bytes: Uint8Array): void {
    const header = readBatchHeader(bytes);
    if (this.#max === null || header.maxTimestamp > this.#max.timestamp) {
      this.#max = { timestamp: header.maxTimestamp, offset: header.baseOffset };
    }
    if (this.#bytesSinceIndexEntry > this.#indexIntervalBytes && !this.#offsetIndex.isFull && !this.#timeIndex.isFull) {
      this.#offsetIndex.append(header.baseOffset, this.size);
      this.#timeIndex.maybeAppend(this.#max);
      this.#bytesSinceIndexEntry = 0;
    }
    let written = 0;
    while (written < bytes.length) written += fs.writeSync(this.#fd, bytes, written, bytes.length - written, this.size + written);
    this.size += bytes.length;
    this.#bytesSinceIndexEntry += bytes.length;
  }

  /** The final time index entry, then fsync of all three files. */
  async finish(): Promise<void> {
    if (this.#max) this.#timeIndex.maybeAppend(this.#max);
    await Promise.all([fsyncAsync(this.#fd), this.#offsetIndex.sync(), this.#timeIndex.sync()]);
    this.#close();
  }

  abandon(): void {
    this.#close();
    for (const file of Object.values(this.#paths)) fs.rmSync(file, { force: true });
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    fs.closeSync(this.#fd);
    this.#offsetIndex.close();
    this.#timeIndex.close();
  }
}

function sumBytes(segments: Segment[]): number {
  return segments.reduce((sum, segment) => sum + segment.size, 0);
}
