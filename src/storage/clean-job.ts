// The heavy half of a compaction pass, on files only (no Segment objects), so it can run on a
// worker thread as well as on the broker's: read the dirty segments for the latest offset of
// every key, then write each segment's surviving records to `<base>.log.cleaned` with its
// `.index.cleaned` and `.timeindex.cleaned`, all fsynced. Installing the cleaned files in the
// log (renames and the in-memory swap) is the log's job (see log-cleaner.ts).

import fs from "node:fs";
import { promisify } from "node:util";
import { Attributes, batchLogOverhead, batchSizeAt, readBatchHeader } from "../records/batch-header.ts";
import { decodeRecordBatches } from "../records/decode-batches.ts";
import type { DecodedBatch, DecodedRecord } from "../records/decode-batches.ts";
import { rebuildBatch } from "./compacted-batch.ts";
import { readFully } from "./log-scan.ts";
import { OffsetIndex } from "./offset-index.ts";
import { cleanedSuffix } from "./recovery.ts";
import { segmentFiles } from "./segment.ts";
import { TimeIndex } from "./time-index.ts";

/** Keys one pass remembers; past it the pass cleans only the dirty segments whose keys fit (as Kafka's dedupe buffer). */
export const offsetMapKeysMax = 2_000_000;
/** Bytes read from a segment file at a time, and processed between two calls of the job's pause. */
const readChunkBytes = 256 * 1024;

const fsyncAsync = promisify(fs.fsync);

/** A sealed segment as the job sees it. */
export interface SegmentFile {
  baseOffset: number;
  /** Bytes of its .log file. */
  size: number;
  /** Offset after it (the next segment's base offset). */
  endOffset: number;
}

export interface CleaningJob {
  dir: string;
  /** Every sealed segment to rewrite, ascending: the clean ones, then the dirty ones. */
  segments: SegmentFile[];
  /** Index in `segments` of the first dirty segment. */
  firstDirty: number;
  nowMs: number;
  deleteRetentionMs: number;
  indexIntervalBytes: number;
}

export interface CleanerStats {
  segmentsCleaned: number;
  bytesRead: number;
  bytesWritten: number;
  recordsRemoved: number;
  durationMs: number;
}

export interface CleaningOutcome {
  /** The new compacted end: the end of the last dirty segment whose keys fit in the offset map. */
  dirtyEnd: number;
  /** Base offsets of the segments whose `.cleaned` files are written and ready to install. */
  cleaned: number[];
  stats: CleanerStats;
}

/** Called between chunks of work: the broker's thread yields there, a worker does not need to. */
export type Pause = () => Promise<void>;

export function cleanedFileNames(dir: string, baseOffset: number): { log: string; index: string; timeindex: string } {
  const files = segmentFiles(dir, baseOffset);
  return { log: files.log + cleanedSuffix, index: files.index + cleanedSuffix, timeindex: files.timeindex + cleanedSuffix };
}

/** Runs the job: the offset map, then the `.cleaned` files of every segment that loses records. */
export async function runCleaningJob(job: CleaningJob, pause: Pause): Promise<CleaningOutcome> {
  const startedMs = performance.now();
  const stats: CleanerStats = { segmentsCleaned: 0, bytesRead: 0, bytesWritten: 0, recordsRemoved: 0, durationMs: 0 };
  const { offsets, dirtyEnd } = await buildOffsetMap(job, pause, stats);
  const tombstoneHorizonMs = job.nowMs - job.deleteRetentionMs;
  const keep = (record: DecodedRecord, key: string | null): boolean => {
    if (key === null) return true;
    const latest = offsets.get(key);
    if (latest !== undefined && record.offset < latest) return false;
    return record.value !== null || record.timestamp >= tombstoneHorizonMs;
  };
  const cleaned: number[] = [];
  try {
    for (const segment of job.segments) {
      if (segment.baseOffset >= dirtyEnd) break;
      if (await rewriteSegment(job, segment, keep, { pause, stats })) cleaned.push(segment.baseOffset);
    }
  } catch (error) {
    removeCleanedFiles(job.dir, cleaned);
    throw error;
  }
  stats.segmentsCleaned = cleaned.length;
  stats.durationMs = performance.now() - startedMs;
  return { dirtyEnd, cleaned, stats };
}

/** Deletes the `.cleaned` files of these segments (a pass that will not be installed). */
export function removeCleanedFiles(dir: string, baseOffsets: number[]): void {
  for (const baseOffset of baseOffsets) {
    for (const file of Object.values(cleanedFileNames(dir, baseOffset))) fs.rmSync(file, { force: true });
  }
}

/** The latest offset of every key in the dirty segments (as many segments as offsetMapKeysMax allows). */
async function buildOffsetMap(job: CleaningJob, pause: Pause, stats: CleanerStats) {
  const offsets = new Map<string, number>();
  const dirty = job.segments.slice(job.firstDirty);
  let dirtyEnd = dirty[0].baseOffset;
  for (const segment of dirty) {
    const before = new Map<string, number>();
    await forEachBatch(job.dir, segment, { pause, stats }, (batch) => {
      if (isKeptWhole(batch)) return;
      for (const record of batch.records) {
        const key = keyOf(record);
        if (key === null) continue;
        if (!before.has(key)) before.set(key, offsets.get(key) ?? -1);
        offsets.set(key, record.offset);
      }
    });
    if (offsets.size > offsetMapKeysMax && segment !== dirty[0]) {
      // Undo this segment's keys: the pass cleans up to the previous segment.
      for (const [key, previous] of before) {
        if (previous < 0) offsets.delete(key);
        else offsets.set(key, previous);
      }
      break;
    }
    dirtyEnd = segment.endOffset;
  }
  return { offsets, dirtyEnd };
}

/** Writes the kept records of `segment` to its `.cleaned` files; false (and no files) when nothing was removed. */
async function rewriteSegment(
  job: CleaningJob,
  segment: SegmentFile,
  keep: (record: DecodedRecord, key: string | null) => boolean,
  progress: { pause: Pause; stats: CleanerStats },
): Promise<boolean> {
  const writer = new CleanedWriter(cleanedFileNames(job.dir, segment.baseOffset), segment.baseOffset, job.indexIntervalBytes);
  const removedBefore = progress.stats.recordsRemoved;
  try {
    await forEachBatch(job.dir, segment, progress, (batch, bytes) => {
      if (isKeptWhole(batch)) return writer.write(bytes);
      const kept = batch.records.filter((record) => keep(record, keyOf(record)));
      progress.stats.recordsRemoved += batch.records.length - kept.length;
      if (kept.length === batch.records.length) writer.write(bytes);
      else if (kept.length > 0) writer.write(rebuildBatch(batch, kept));
    });
    if (progress.stats.recordsRemoved === removedBefore) {
      writer.abandon();
      return false;
    }
    await writer.finish();
  } catch (error) {
    writer.abandon();
    throw error;
  }
  progress.stats.bytesWritten += writer.size;
  return true;
}

/** Control and transactional batches pass through untouched (chronik writes neither; replicas may). */
function isKeptWhole(batch: DecodedBatch): boolean {
  return (batch.header.attributes & (Attributes.control | Attributes.transactional)) !== 0;
}

/** Keys compare as their bytes: latin1 maps each byte to one UTF-16 unit. */
function keyOf(record: DecodedRecord): string | null {
  return record.key === null ? null : Buffer.from(record.key.buffer, record.key.byteOffset, record.key.byteLength).toString("latin1");
}

/** Decodes each batch of a sealed segment from its own read-only fd, pausing after every chunk. */
async function forEachBatch(
  dir: string,
  segment: SegmentFile,
  progress: { pause: Pause; stats: CleanerStats },
  visit: (batch: DecodedBatch, bytes: Uint8Array) => void,
): Promise<void> {
  const fd = fs.openSync(segmentFiles(dir, segment.baseOffset).log, "r");
  try {
    let chunk = new Uint8Array(readChunkBytes);
    for (let position = 0; position < segment.size; ) {
      const left = segment.size - position;
      readFully(fd, chunk, Math.min(batchLogOverhead, left), position);
      const firstSize = batchSizeAt(chunk, 0);
      if (firstSize > chunk.length) chunk = new Uint8Array(firstSize);
      const want = Math.min(chunk.length, left);
      readFully(fd, chunk, want, position);
      let at = 0;
      while (at + batchLogOverhead <= want && at + batchSizeAt(chunk, at) <= want) {
        const bytes = chunk.subarray(at, at + batchSizeAt(chunk, at));
        const [batch] = decodeRecordBatches(bytes);
        if (batch === undefined || readBatchHeader(bytes).magic !== 2) {
          throw new Error(`Cannot compact segment "${segment.baseOffset}" of "${dir}": no whole batch at position ${position + at}`);
        }
        visit(batch, bytes);
        at += bytes.length;
      }
      if (at === 0) throw new Error(`Cannot compact segment "${segment.baseOffset}" of "${dir}": torn batch at position ${position}`);
      position += at;
      progress.stats.bytesRead += at;
      await progress.pause();
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
