// One segment: a .log file of whole batches plus its sparse .index and .timeindex. The
// segment knows its byte size, its offset range and its largest timestamp; it finds batches
// by offset or time, reads whole batches, and truncates. The FileLog decides when to roll.

import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { batchHeaderSize, batchLogOverhead, batchSizeAt, readBatchHeader } from "../records/batch-header.ts";
import type { BatchHeader } from "../records/batch-header.ts";
import { IndexCorruptError } from "./index-file.ts";
import { batchBytesMax, batchHeaderProblem, readFully, scanLog } from "./log-scan.ts";
import type { BatchInfo } from "./log-scan.ts";
import type { StorageLogger } from "./logger.ts";
import { OffsetIndex } from "./offset-index.ts";
import { StorageWriteError } from "./partition-log.ts";
import type { OffsetPosition } from "./offset-index.ts";
import type { TimestampAndOffset } from "./partition-log.ts";
import { firstRecordAtOrAfter } from "./record-timestamps.ts";
import { TimeIndex, timeIndexEntryBytes } from "./time-index.ts";

const unlinkAsync = promisify(fs.unlink);

export interface SegmentOptions {
  indexIntervalBytes: number;
  logger: StorageLogger;
  /**
   * Offset below which the log was compacted: batches there may skip offsets (removed records),
   * so a scan accepts any base offset that moves forward. 0 for a log never compacted.
   */
  compactedBelow: () => number;
}

/** `00000000000000000042.log`: the zero-padded base offset names all three files. */
export function segmentFileName(baseOffset: number, suffix: ".log" | ".index" | ".timeindex"): string {
  return String(baseOffset).padStart(20, "0") + suffix;
}

/** Base offsets of the segments in `dir`, ascending (from the .log file names). */
export function listSegmentBaseOffsets(dir: string): number[] {
  return fs
    .readdirSync(dir)
    .filter((name) => /^\d{20}\.log$/.test(name))
    .map((name) => Number(name.slice(0, 20)))
    .sort((a, b) => a - b);
}

interface Indexes {
  offset: OffsetIndex;
  time: TimeIndex;
}

export class Segment {
  readonly dir: string;
  readonly baseOffset: number;
  #options: SegmentOptions;
  #createdMs: number;
  #logFd: number | null = null;
  #size: number;
  #endOffset: number;
  #indexes: Indexes | null;
  /** Largest timestamp and the base offset of the first batch carrying it. */
  #max: TimestampAndOffset | null;
  /** The same maximum resolved to the exact record, computed on demand. */
  #exactMax: TimestampAndOffset | null = null;
  #bytesSinceIndexEntry = 0;
  #sealed: boolean;
  #pendingSyncs = new Set<Promise<void>>();
  #headerScratch = new Uint8Array(batchHeaderSize);

  private constructor(
    dir: string,
    baseOffset: number,
    state: { size: number; endOffset: number; max: TimestampAndOffset | null; createdMs: number; sealed: boolean },
    indexes: Indexes | null,
    options: SegmentOptions,
  ) {
    this.dir = dir;
    this.baseOffset = baseOffset;
    this.#createdMs = state.createdMs;
    this.#size = state.size;
    this.#endOffset = state.endOffset;
    this.#max = state.max;
    this.#sealed = state.sealed;
    this.#indexes = indexes;
    this.#options = options;
  }

  /** A new, empty segment; existing files of the same name are emptied. */
  static create(dir: string, baseOffset: number, createdMs: number, options: SegmentOptions): Segment {
    const files = segmentFiles(dir, baseOffset);
    const fd = fs.openSync(files.log, "w+");
    const indexes = { offset: OffsetIndex.create(files.index, baseOffset), time: TimeIndex.create(files.timeindex, baseOffset) };
    const state = { size: 0, endOffset: baseOffset, max: null, createdMs, sealed: false };
    const segment = new Segment(dir, baseOffset, state, indexes, options);
    segment.#logFd = fd;
    return segment;
  }

  /**
   * A segment wholly below the recovery point: its files were fsynced when it was sealed.
   * Only the last time index entry is read now (the segment's largest timestamp); the indexes
   * load, and are sanity-checked, on first use. An unreadable time index is rebuilt at once, and
   * so are index files that are missing (a crash while compaction swapped the segment's files):
   * left to first use, a segment nobody reads would stay without them, even an empty one.
   */
  static openTrusted(dir: string, baseOffset: number, endOffset: number, options: SegmentOptions): Segment {
    const files = segmentFiles(dir, baseOffset);
    const stat = fs.statSync(files.log);
    const state = { size: stat.size, endOffset, max: null, createdMs: createdMsOf(stat), sealed: true };
    const segment = new Segment(dir, baseOffset, state, null, options);
    const missing = [files.index, files.timeindex].filter((file) => !fs.existsSync(file));
    const max = lastTimeIndexEntry(files.timeindex, baseOffset, endOffset);
    if (missing.length > 0) {
      segment.#rebuildIndexes(`${missing.map((file) => `"${file}"`).join(" and ")} missing`);
    } else if (max === null && stat.size > 0) {
      segment.#rebuildIndexes(`time index "${files.timeindex}" is missing, torn or empty`);
    } else {
      segment.#max = max;
    }
    return segment;
  }

  /**
   * The last segment, trusted when it ends exactly at the recovery point (a clean close): its
   * indexes must pass their sanity checks and the batch headers after the last index entry
   * must lead exactly to the end of the file at offset `recoveryPoint`. Null when not, and
   * the caller scans the segment instead.
   */
  static openTrustedActive(dir: string, baseOffset: number, recoveryPoint: number, options: SegmentOptions): Segment | null {
    const files = segmentFiles(dir, baseOffset);
    const stat = fs.statSync(files.log);
    let indexes: Indexes;
    try {
      const limits = { logBytes: stat.size, endOffset: recoveryPoint };
      indexes = { offset: OffsetIndex.load(files.index, baseOffset, limits), time: TimeIndex.load(files.timeindex, baseOffset, limits) };
    } catch (error) {
      if (error instanceof IndexCorruptError) return null;
      throw error;
    }
    const state = { size: stat.size, endOffset: recoveryPoint, max: indexes.time.last, createdMs: createdMsOf(stat), sealed: false };
    const segment = new Segment(dir, baseOffset, state, indexes, options);
    const lastEntry = indexes.offset.count > 0 ? indexes.offset.entry(indexes.offset.count - 1) : { offset: baseOffset, position: 0 };
    if (segment.#walkHeadersToEnd(lastEntry) === recoveryPoint) return segment;
    segment.#closeFiles();
    return null;
  }

  /** Hops batch headers from `start` to the end of the file; the offset reached, or -1 if the walk breaks. */
  #walkHeadersToEnd(start: OffsetPosition): number {
    let position = start.position;
    let offset = start.offset;
    while (position + batchHeaderSize <= this.#size) {
      readFully(this.#fd(), this.#headerScratch, batchHeaderSize, position);
      if (batchHeaderProblem(this.#headerScratch, 0, offset) !== null) return -1;
      const header = readBatchHeader(this.#headerScratch);
      const size = header.batchLength + batchLogOverhead;
      if (this.#max === null || header.maxTimestamp > this.#max.timestamp) {
        this.#max = { timestamp: header.maxTimestamp, offset: header.baseOffset };
      }
      this.#bytesSinceIndexEntry += size;
      position += size;
      offset = header.baseOffset + header.lastOffsetDelta + 1;
    }
    return position === this.#size ? offset : -1;
  }

  /**
   * Verifies the whole .log file batch by batch, rebuilding both indexes as it goes. The first
   * bad batch ends the segment: the file is truncated there. Returns the segment and why it
   * was cut (null when the file was whole).
   */
  static recover(dir: string, baseOffset: number, options: SegmentOptions): { segment: Segment; problem: string | null; cutBytes: number } {
    const files = segmentFiles(dir, baseOffset);
    const fd = fs.openSync(files.log, "r+");
    const stat = fs.fstatSync(fd);
    const indexes = { offset: OffsetIndex.create(files.index, baseOffset), time: TimeIndex.create(files.timeindex, baseOffset) };
    const state = { size: 0, endOffset: baseOffset, max: null, createdMs: createdMsOf(stat), sealed: false };
    const segment = new Segment(dir, baseOffset, state, indexes, options);
    segment.#logFd = fd;
    const range = { position: 0, size: stat.size, expectedOffset: baseOffset, gapsBelow: options.compactedBelow() };
    const scan = scanLog(fd, range, (batch) => segment.#track(batch));
    if (scan.end < stat.size) fs.ftruncateSync(fd, scan.end);
    return { segment, problem: scan.problem, cutBytes: stat.size - scan.end };
  }

  /** When the segment took its first batch (or its file was created, for segments found on disk). */
  get createdMs(): number {
    return this.#createdMs;
  }

  get size(): number {
    return this.#size;
  }

  /** Offset after the last batch (the next segment's base offset once sealed). */
  get endOffset(): number {
    return this.#endOffset;
  }

  /**
   * In a compacted part of the log the last records of a segment may be gone; its offsets
   * still run up to the next segment's base, which becomes its end.
   */
  coverGapTo(offset: number): void {
    if (offset > this.#endOffset) this.#endOffset = offset;
  }

  get sealed(): boolean {
    return this.#sealed;
  }

  /** True when an index is full and the segment must roll before taking more batches. */
  get indexIsFull(): boolean {
    const indexes = this.#loadIndexes();
    return indexes.offset.isFull || indexes.time.isFull;
  }

  /** Largest timestamp, with the base offset of the first batch that carries it. */
  get maxTimestampOfBatches(): TimestampAndOffset | null {
    return this.#max;
  }

  /**
   * When the segment's newest record was written, for retention and the compaction lag: its
   * largest timestamp, or, when no batch carries one (empty, or -1: unknown), the time its
   * log file was last written, as Kafka's LogSegment.largestTimestamp does. A negative
   * timestamp never makes a segment look old.
   */
  newestRecordMs(): number {
    if (this.#max !== null && this.#max.timestamp >= 0) return this.#max.timestamp;
    try {
      return fs.statSync(segmentFiles(this.dir, this.baseOffset).log).mtimeMs;
    } catch {
      return this.#createdMs;
    }
  }

  /** The first record carrying the segment's largest timestamp (reads that batch once). */
  maxTimestamp(): TimestampAndOffset | null {
    if (this.#max === null || this.#exactMax !== null) return this.#exactMax ?? this.#max;
    const position = this.locate(this.#max.offset, this.#size);
    if (position === null) throw new Error(`Cannot find batch at offset ${this.#max.offset} in ${this.#describe()}`);
    this.#exactMax = firstRecordAtOrAfter(this.#readBatch(position), this.#max.timestamp, 0);
    return this.#exactMax ?? this.#max;
  }

  /**
   * Appends batches already stamped with their offsets. `batches` give positions relative
   * to `bytes`; the write is one writeSync at the end of the file.
   */
  append(bytes: Uint8Array, batches: BatchInfo[], nowMs: number): void {
    if (this.#sealed) throw new Error(`Cannot append to sealed ${this.#describe()}`);
    const start = this.#size;
    if (start === 0) this.#createdMs = nowMs;
    let written = 0;
    try {
      while (written < bytes.length) written += fs.writeSync(this.#fd(), bytes, written, bytes.length - written, start + written);
    } catch (error) {
      // A partial write (a full disk) is cut off, so the segment ends at its last whole batch.
      if (written > 0) fs.ftruncateSync(this.#fd(), start);
      throw new StorageWriteError(`Cannot write ${bytes.length} bytes to ${this.#describe()}: ${(error as Error).message}`);
    }
    for (const batch of batches) this.#track({ ...batch, position: start + batch.position });
  }

  /** fsyncs the log through `fsync` (the group-commit scheduler), tracked so close waits for it. */
  syncLog(fsync: (fd: number) => Promise<void>): Promise<void> {
    const pending = fsync(this.#fd()).finally(() => this.#pendingSyncs.delete(pending));
    this.#pendingSyncs.add(pending);
    return pending;
  }

  /** Position of the first batch whose last offset is >= `offset`, below `limit`; null if none. */
  locate(offset: number, limit: number): number | null {
    let position = this.#loadIndexes().offset.lookup(offset).position;
    while (position < limit) {
      const header = this.#header(position);
      if (header.baseOffset + header.lastOffsetDelta >= offset) return position;
      position += header.batchLength + batchLogOverhead;
    }
    return null;
  }

  /** Whole batches from `position`: up to `maxBytes`, at least one, never past `limit`. */
  read(position: number, limit: number, maxBytes: number): Uint8Array {
    if (position >= limit) return new Uint8Array(0);
    const firstSize = this.#header(position).batchLength + batchLogOverhead;
    const want = Math.min(limit - position, Math.max(maxBytes, firstSize));
    const buffer = new Uint8Array(want);
    readFully(this.#fd(), buffer, want, position);
    let end = 0;
    while (end + batchLogOverhead <= want && end + batchSizeAt(buffer, end) <= want) end += batchSizeAt(buffer, end);
    if (end === 0) throw new Error(`Cannot read batch at position ${position} of ${this.#describe()}: it crosses ${limit}`);
    return buffer.subarray(0, end);
  }

  /** First record at or after `timestamp` with offset >= `offsetMin`, or null. */
  findTimestamp(timestamp: number, offsetMin: number): TimestampAndOffset | null {
    if (this.#max === null || this.#max.timestamp < timestamp) return null;
    const indexes = this.#loadIndexes();
    const startOffset = Math.max(indexes.time.lookup(timestamp), offsetMin);
    let position = indexes.offset.lookup(startOffset).position;
    while (position < this.#size) {
      const header = this.#header(position);
      if (header.maxTimestamp >= timestamp && header.baseOffset + header.lastOffsetDelta >= offsetMin) {
        const found = firstRecordAtOrAfter(this.#readBatch(position), timestamp, offsetMin);
        if (found) return found;
      }
      position += header.batchLength + batchLogOverhead;
    }
    return null;
  }

  /** Cuts the batch holding `offset` and everything after; the segment takes appends again. */
  truncateTo(offset: number): void {
    const position = this.locate(offset, this.#size);
    if (position === null) return;
    const cutOffset = this.#header(position).baseOffset;
    const indexes = this.#loadIndexes();
    fs.ftruncateSync(this.#fd(), position);
    indexes.offset.truncateToOffset(cutOffset);
    indexes.time.truncateToOffset(cutOffset);
    this.#size = position;
    this.#endOffset = cutOffset;
    this.#sealed = false;
    this.#bytesSinceIndexEntry = 0;
    this.#recomputeMax(indexes);
  }

  /**
   * Makes the segment trustworthy as it stands: the time index gets the segment's largest
   * timestamp as its last entry, then the log and both indexes are fsynced.
   */
  async flushAll(fsync: (fd: number) => Promise<void>): Promise<void> {
    const indexes = this.#loadIndexes();
    if (this.#max) indexes.time.maybeAppend(this.#max);
    // Tracked like syncLog, so release() cannot close an index fd under its fsync.
    const indexSyncs = Promise.all([indexes.offset.sync(), indexes.time.sync()]).then(() => {});
    const pending = indexSyncs.finally(() => this.#pendingSyncs.delete(pending));
    this.#pendingSyncs.add(pending);
    await Promise.all([this.syncLog(fsync), pending]);
  }

  /** Stops appends and flushes everything (see flushAll). */
  async seal(fsync: (fd: number) => Promise<void>): Promise<void> {
    this.#sealed = true;
    await this.flushAll(fsync);
  }

  /**
   * Closes the files of an idle segment (they reopen on the next use); a sealed segment also
   * drops its indexes from memory. False when an fsync is in flight.
   */
  release(): boolean {
    if (this.#pendingSyncs.size > 0) return false;
    this.#closeFiles();
    return true;
  }

  get isOpen(): boolean {
    return this.#logFd !== null || this.#indexes !== null;
  }

  /** Waits for pending fsyncs, then closes every file. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#pendingSyncs]);
    this.#closeFiles();
  }

  /** Closes and removes the segment's files. */
  async delete(): Promise<void> {
    await this.close();
    await removeSegmentFiles(this.dir, this.baseOffset);
  }

  #track(batch: BatchInfo): void {
    if (this.#max === null || batch.maxTimestamp > this.#max.timestamp) {
      this.#max = { timestamp: batch.maxTimestamp, offset: batch.baseOffset };
      this.#exactMax = null;
    }
    const indexes = this.#indexes!;
    const indexHasRoom = !indexes.offset.isFull && !indexes.time.isFull;
    if (this.#bytesSinceIndexEntry > this.#options.indexIntervalBytes && indexHasRoom) {
      indexes.offset.append(batch.baseOffset, batch.position);
      indexes.time.maybeAppend(this.#max);
      this.#bytesSinceIndexEntry = 0;
    }
    this.#bytesSinceIndexEntry += batch.size;
    this.#size = batch.position + batch.size;
    this.#endOffset = batch.lastOffset + 1;
  }

  /** After a truncation: the last surviving time entry, then every batch after its indexed position. */
  #recomputeMax(indexes: Indexes): void {
    const last = indexes.time.last;
    this.#max = last;
    this.#exactMax = null;
    let position = indexes.offset.lookup(last?.offset ?? this.baseOffset).position;
    while (position < this.#size) {
      const header = this.#header(position);
      if (this.#max === null || header.maxTimestamp > this.#max.timestamp) {
        this.#max = { timestamp: header.maxTimestamp, offset: header.baseOffset };
      }
      position += header.batchLength + batchLogOverhead;
    }
  }

  #loadIndexes(): Indexes {
    if (this.#indexes) return this.#indexes;
    const files = segmentFiles(this.dir, this.baseOffset);
    try {
      const limits = { logBytes: this.#size, endOffset: this.#endOffset };
      const indexes = { offset: OffsetIndex.load(files.index, this.baseOffset, limits), time: TimeIndex.load(files.timeindex, this.baseOffset, limits) };
      this.#indexes = indexes;
      return indexes;
    } catch (error) {
      if (!(error instanceof IndexCorruptError)) throw error;
      return this.#rebuildIndexes(error.message);
    }
  }

  /** Rebuilds both indexes of a sealed segment from its log, which is the source of truth. */
  #rebuildIndexes(reason: string): Indexes {
    const files = segmentFiles(this.dir, this.baseOffset);
    this.#options.logger.warn(`Rebuilding indexes of "${files.log}": ${reason}`);
    const indexes = { offset: OffsetIndex.create(files.index, this.baseOffset), time: TimeIndex.create(files.timeindex, this.baseOffset) };
    this.#indexes = indexes;
    this.#max = null;
    this.#bytesSinceIndexEntry = 0;
    const size = this.#size;
    const endOffset = this.#endOffset;
    const range = { position: 0, size, expectedOffset: this.baseOffset, gapsBelow: this.#options.compactedBelow() };
    const scan = scanLog(this.#fd(), range, (batch) => this.#track(batch));
    if (scan.problem) {
      this.#options.logger.warn(`Segment "${files.log}" is damaged at position ${scan.end}: ${scan.problem}; indexed up to there`);
    }
    this.#size = size;
    this.#endOffset = Math.max(endOffset, scan.nextOffset);
    if (this.#max) indexes.time.maybeAppend(this.#max);
    return indexes;
  }

  #fd(): number {
    this.#logFd ??= fs.openSync(segmentFiles(this.dir, this.baseOffset).log, "r+");
    return this.#logFd;
  }

  #header(position: number): BatchHeader {
    if (position + batchHeaderSize > this.#size) {
      throw new Error(`Cannot read batch header at position ${position} of ${this.#describe()}: past the end`);
    }
    readFully(this.#fd(), this.#headerScratch, batchHeaderSize, position);
    const header = readBatchHeader(this.#headerScratch);
    const size = header.batchLength + batchLogOverhead;
    if (header.magic !== 2 || size < batchHeaderSize || size > batchBytesMax || position + size > this.#size) {
      throw new Error(`Cannot read batch at position ${position} of ${this.#describe()}: bad header`);
    }
    return header;
  }

  #readBatch(position: number): Uint8Array {
    const size = this.#header(position).batchLength + batchLogOverhead;
    const bytes = new Uint8Array(size);
    readFully(this.#fd(), bytes, size, position);
    return bytes;
  }

  #closeFiles(): void {
    if (this.#logFd !== null) fs.closeSync(this.#logFd);
    this.#logFd = null;
    this.#indexes?.offset.close();
    this.#indexes?.time.close();
    if (this.#sealed) this.#indexes = null;
  }

  #describe(): string {
    return `segment "${segmentFiles(this.dir, this.baseOffset).log}"`;
  }
}

export function segmentFiles(dir: string, baseOffset: number): { log: string; index: string; timeindex: string } {
  return {
    log: path.join(dir, segmentFileName(baseOffset, ".log")),
    index: path.join(dir, segmentFileName(baseOffset, ".index")),
    timeindex: path.join(dir, segmentFileName(baseOffset, ".timeindex")),
  };
}

/** Removes a segment's files (its .txnindex too), the log first: index files without a log are swept at open. */
export async function removeSegmentFiles(dir: string, baseOffset: number): Promise<void> {
  const files = segmentFiles(dir, baseOffset);
  for (const file of [files.log, files.index, files.timeindex, files.log.replace(/\.log$/, ".txnindex")]) {
    await unlinkAsync(file).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
    });
  }
}

/** Segment age counts from file creation; filesystems without a birth time fall back to mtime. */
function createdMsOf(stat: fs.Stats): number {
  return stat.birthtimeMs > 0 ? stat.birthtimeMs : stat.mtimeMs;
}

/** The last entry of a time index file, if the file is whole and the entry lies inside the segment. */
function lastTimeIndexEntry(file: string, baseOffset: number, endOffset: number): TimestampAndOffset | null {
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch {
    return null;
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0 || size % timeIndexEntryBytes !== 0) return null;
    const bytes = new Uint8Array(timeIndexEntryBytes);
    readFully(fd, bytes, timeIndexEntryBytes, size - timeIndexEntryBytes);
    const view = new DataView(bytes.buffer);
    const timestamp = view.getInt32(0) * 0x1_0000_0000 + view.getUint32(4);
    const offset = baseOffset + view.getInt32(8);
    return offset >= baseOffset && offset < endOffset ? { timestamp, offset } : null;
  } finally {
    fs.closeSync(fd);
  }
}
