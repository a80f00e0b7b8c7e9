// A partition log on disk: a directory of segments (see segment.ts), the last one active.
// Appends assign offsets by patching baseOffset in place, write with one writeSync, and
// resolve when the fsync policy says the data is durable. Reads return whole stored batches.

import path from "node:path";
import { assignOffsets } from "./assign-offsets.ts";
import { syncDirectory, writeCheckpoint } from "./checkpoint.ts";
import { FlushScheduler } from "./group-commit.ts";
import { defaultStorageLogger } from "./logger.ts";
import type { StorageLogger } from "./logger.ts";
import { LogFailedError, OffsetOutOfRangeError } from "./partition-log.ts";
import type { AppendOptions, AppendResult, PartitionLog, ReadResult, TimestampAndOffset } from "./partition-log.ts";
import { logStartOffsetFileName, recoverLog, recoveryPointFileName } from "./recovery.ts";
import { Segment } from "./segment.ts";

export const FsyncPolicy = {
  /** Acknowledge an append only once its bytes are fsynced (group commit). */
  always: "always",
  /** Acknowledge after the write; fsync the active segment every fsyncIntervalMs. */
  interval: "interval",
  /** Acknowledge after the write; the OS writes back (segments are still fsynced at roll and close). */
  never: "never",
} as const;
export type FsyncPolicy = (typeof FsyncPolicy)[keyof typeof FsyncPolicy];

export interface FileLogOptions {
  /** Roll the active segment before it would pass this size. Default 1 GiB, at most 2 GiB - 1. */
  segmentBytes?: number;
  /** Roll the active segment once its first batch is this old. Default 7 days. */
  segmentMs?: number;
  /** Bytes of log between sparse index entries. Default 4096. */
  indexIntervalBytes?: number;
  fsync?: FsyncPolicy;
  /** Period of the background fsync under fsync "interval". Default 1000. */
  fsyncIntervalMs?: number;
  /** The broker's shared scheduler, so fsyncs group across partitions. Default: one for this log. */
  flushScheduler?: FlushScheduler;
  logger?: StorageLogger;
  /** Sealed segments kept open (fd and indexes) for reads. Default 4. */
  openSegmentsMax?: number;
  /** Clock for segment age. Default Date.now. */
  now?: () => number;
}

/** Positions in a segment are int32 in the offset index. */
export const segmentBytesMax = 2 ** 31 - 1;
/** Offsets relative to a segment's base are int32 in both indexes. */
const relativeOffsetMax = 2 ** 31 - 1;

const defaults = {
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * 24 * 60 * 60 * 1000,
  indexIntervalBytes: 4096,
  fsync: FsyncPolicy.always,
  fsyncIntervalMs: 1000,
  openSegmentsMax: 4,
} as const;

type ResolvedOptions = Required<Omit<FileLogOptions, "flushScheduler">> & { flushScheduler: FlushScheduler };

/** The durable end under fsync "always": an offset and where it lies on disk. */
interface DurablePoint {
  offset: number;
  segment: Segment;
  position: number;
  truncations: number;
}

export class FileLog implements PartitionLog {
  readonly dir: string;
  #options: ResolvedOptions;
  #segments: Segment[];
  #logStartOffset: number;
  #durable: DurablePoint;
  /** Counts truncations, so an fsync that finishes after one cannot vouch for rewritten bytes. */
  #truncations = 0;
  /** Sealing of the segment rolled last; appends into its successor wait for it under "always". */
  #rolling: Promise<void> = Promise.resolve();
  #intervalTimer: ReturnType<typeof setTimeout> | null = null;
  /** Sealed segments with open files, least recently used first. */
  #openSealed: Segment[] = [];
  #failure: Error | null = null;
  #closed = false;

  private constructor(dir: string, options: ResolvedOptions, segments: Segment[], logStartOffset: number) {
    this.dir = dir;
    this.#options = options;
    this.#segments = segments;
    this.#logStartOffset = logStartOffset;
    const active = this.#active;
    this.#durable = { offset: active.endOffset, segment: active, position: active.size, truncations: 0 };
  }

  /** Opens (creating if needed) the partition directory `dir`, recovering it after a crash. */
  static async open(dir: string, options: FileLogOptions = {}): Promise<FileLog> {
    const resolved: ResolvedOptions = {
      ...defaults,
      logger: defaultStorageLogger,
      now: Date.now,
      ...options,
      flushScheduler: options.flushScheduler ?? new FlushScheduler(),
    };
    validateOptions(resolved);
    const recovered = await recoverLog(dir, {
      indexIntervalBytes: resolved.indexIntervalBytes,
      logger: resolved.logger,
      fsync: resolved.flushScheduler.sync,
      nowMs: resolved.now(),
    });
    return new FileLog(dir, resolved, recovered.segments, recovered.logStartOffset);
  }

  get logStartOffset(): number {
    return this.#logStartOffset;
  }

  get logEndOffset(): number {
    return this.#active.endOffset;
  }

  get highWatermark(): number {
    return this.#options.fsync === FsyncPolicy.always ? this.#durable.offset : this.logEndOffset;
  }

  /** Number of segments, for tests and metrics. */
  get segmentCount(): number {
    return this.#segments.length;
  }

  get #active(): Segment {
    return this.#segments.at(-1)!;
  }

  async append(batches: Uint8Array, options: AppendOptions = {}): Promise<AppendResult> {
    this.#checkWritable();
    const baseOffset = this.logEndOffset;
    const infos = assignOffsets(batches, baseOffset, options.logAppendTime);
    const lastOffset = infos.at(-1)!.lastOffset;
    if (this.#shouldRoll(batches.length, lastOffset)) this.#roll();
    const segment = this.#active;
    segment.append(batches, infos, this.#options.now());
    const result = { baseOffset, lastOffset, logAppendTime: options.logAppendTime ?? -1, logStartOffset: this.#logStartOffset };
    if (this.#options.fsync === FsyncPolicy.always) {
      await this.#makeDurable(segment);
    } else if (this.#options.fsync === FsyncPolicy.interval) {
      this.#scheduleIntervalFlush();
    }
    return result;
  }

  async read(offset: number, maxBytes: number): Promise<ReadResult> {
    this.#checkOpen();
    this.#checkInRange(offset);
    const highWatermark = this.highWatermark;
    const result = { bytes: new Uint8Array(0), highWatermark, logStartOffset: this.#logStartOffset };
    if (offset >= highWatermark) return result;
    for (let n = this.#segmentIndexFor(offset); n < this.#segments.length; n++) {
      const segment = this.#segments[n];
      const limit = this.#readLimit(segment, highWatermark);
      const position = segment.locate(offset, limit);
      this.#touch(segment);
      if (position !== null) return { ...result, bytes: segment.read(position, limit, maxBytes) };
    }
    return result;
  }

  /** Only records below the high watermark count: they are the only ones a consumer can fetch. */
  async offsetForTimestamp(timestamp: number): Promise<TimestampAndOffset | null> {
    this.#checkOpen();
    for (const segment of this.#segments) {
      if (segment.endOffset <= this.#logStartOffset) continue;
      const max = segment.maxTimestampOfBatches;
      if (max === null || max.timestamp < timestamp) continue;
      const found = segment.findTimestamp(timestamp, this.#logStartOffset);
      this.#touch(segment);
      if (found) return found.offset < this.highWatermark ? found : null;
    }
    return null;
  }

  maxTimestamp(): TimestampAndOffset | null {
    this.#checkOpen();
    let best: Segment | null = null;
    for (const segment of this.#segments) {
      const max = segment.maxTimestampOfBatches;
      if (max && (best === null || max.timestamp > best.maxTimestampOfBatches!.timestamp)) best = segment;
    }
    if (best === null) return null;
    this.#touch(best);
    return best.maxTimestamp();
  }

  async truncateTo(offset: number): Promise<void> {
    await this.#rolling.catch(() => {});
    this.#checkWritable();
    if (offset >= this.logEndOffset) return;
    this.#checkInRange(offset);
    const keep = this.#segmentIndexFor(offset);
    // Lower the recovery point first: a crash mid-truncation then rescans what was touched.
    const recoveryPoint = Math.min(this.#segments[keep].baseOffset, this.#durable.offset);
    await writeCheckpoint(path.join(this.dir, recoveryPointFileName), recoveryPoint);
    this.#truncations++;
    const removed = this.#segments.splice(keep + 1);
    this.#openSealed = this.#openSealed.filter((open) => !removed.includes(open) && open !== this.#active);
    for (const segment of removed.toReversed()) await segment.delete();
    this.#active.truncateTo(offset);
    if (this.#durable.offset > this.logEndOffset || removed.includes(this.#durable.segment)) {
      const active = this.#active;
      this.#durable = { offset: active.endOffset, segment: active, position: active.size, truncations: this.#truncations };
    }
  }

  async advanceLogStartOffset(offset: number): Promise<void> {
    this.#checkWritable();
    if (offset <= this.#logStartOffset) return;
    if (offset > this.highWatermark) throw new OffsetOutOfRangeError(offset, this.#logStartOffset, this.highWatermark);
    this.#logStartOffset = offset;
    await writeCheckpoint(path.join(this.dir, logStartOffsetFileName), offset);
    while (this.#segments.length > 1 && this.#segments[0].endOffset <= offset) {
      const [segment] = this.#segments.splice(0, 1);
      this.#openSealed = this.#openSealed.filter((open) => open !== segment);
      await segment.delete();
    }
  }

  /** Flushes the active segment and its indexes, checkpoints the log end, and closes every file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#intervalTimer) clearTimeout(this.#intervalTimer);
    await this.#rolling.catch(() => {});
    if (this.#failure === null) {
      await this.#active.flushAll(this.#options.flushScheduler.sync);
      await writeCheckpoint(path.join(this.dir, recoveryPointFileName), this.logEndOffset);
    }
    await Promise.all(this.#segments.map((segment) => segment.close()));
  }

  #shouldRoll(appendBytes: number, lastOffset: number): boolean {
    const active = this.#active;
    if (active.size === 0) return false;
    return (
      active.size + appendBytes > this.#options.segmentBytes ||
      this.#options.now() - active.createdMs > this.#options.segmentMs ||
      lastOffset - active.baseOffset > relativeOffsetMax ||
      active.indexIsFull
    );
  }

  /**
   * Starts a new active segment. In the background the old one is sealed (final time entry,
   * fsync of log and indexes), the directory fsynced so the new file survives a crash, and the
   * recovery point checkpointed at the new segment's base.
   */
  #roll(): void {
    const sealed = this.#active;
    const next = Segment.create(this.dir, sealed.endOffset, this.#options.now(), this.#options);
    this.#segments.push(next);
    const previous = this.#rolling;
    this.#rolling = (async () => {
      await previous;
      await sealed.seal(this.#options.flushScheduler.sync);
      await syncDirectory(this.dir);
      await writeCheckpoint(path.join(this.dir, recoveryPointFileName), next.baseOffset);
    })();
    this.#rolling.catch((error: unknown) => this.#fail(error, `sealing segment at offset ${sealed.baseOffset}`));
    this.#touch(sealed);
  }

  /** Waits for the fsync round covering `segment`, then moves the durable end (fsync "always"). */
  async #makeDurable(segment: Segment): Promise<void> {
    const point = { offset: segment.endOffset, segment, position: segment.size, truncations: this.#truncations };
    try {
      await Promise.all([segment.syncLog(this.#options.flushScheduler.sync), this.#rolling]);
    } catch (error) {
      throw this.#fail(error, `fsync of segment at offset ${segment.baseOffset}`);
    }
    if (point.truncations === this.#truncations && point.offset > this.#durable.offset) this.#durable = point;
  }

  #scheduleIntervalFlush(): void {
    if (this.#intervalTimer !== null) return;
    this.#intervalTimer = setTimeout(() => {
      this.#intervalTimer = null;
      this.#active.syncLog(this.#options.flushScheduler.sync).catch((error: unknown) => this.#fail(error, "interval fsync"));
    }, this.#options.fsyncIntervalMs);
    this.#intervalTimer.unref?.();
  }

  /** Bytes of `segment` a reader may see given the high watermark. */
  #readLimit(segment: Segment, highWatermark: number): number {
    if (highWatermark >= segment.endOffset) return segment.size;
    return this.#durable.segment === segment ? this.#durable.position : 0;
  }

  /** Index of the segment whose range holds `offset` (the last with baseOffset <= offset). */
  #segmentIndexFor(offset: number): number {
    let low = 0;
    let high = this.#segments.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if (this.#segments[middle].baseOffset <= offset) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  /** Keeps at most openSegmentsMax sealed segments' files open, closing the least recently used. */
  #touch(segment: Segment): void {
    if (segment === this.#active) return;
    this.#openSealed = this.#openSealed.filter((open) => open !== segment);
    this.#openSealed.push(segment);
    while (this.#openSealed.length > this.#options.openSegmentsMax) {
      const oldest = this.#openSealed.findIndex((open) => open.release());
      if (oldest < 0) break;
      this.#openSealed.splice(oldest, 1);
    }
  }

  #fail(error: unknown, during: string): Error {
    const failure = new LogFailedError(`Log "${this.dir}" failed during ${during}: ${(error as Error)?.message ?? error}`);
    if (this.#failure === null) this.#options.logger.warn(failure.message);
    this.#failure ??= failure;
    return failure;
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error(`Log "${this.dir}" is closed`);
  }

  #checkWritable(): void {
    this.#checkOpen();
    if (this.#failure) throw this.#failure;
  }

  #checkInRange(offset: number): void {
    if (offset < this.#logStartOffset || offset > this.logEndOffset) {
      throw new OffsetOutOfRangeError(offset, this.#logStartOffset, this.logEndOffset);
    }
  }
}

function validateOptions(options: ResolvedOptions): void {
  const check = (name: string, value: number, max = Number.MAX_SAFE_INTEGER) => {
    if (!Number.isSafeInteger(value) || value < 1 || value > max) {
      throw new Error(`Invalid log option ${name} "${value}": expected an integer from 1 to ${max}`);
    }
  };
  check("segmentBytes", options.segmentBytes, segmentBytesMax);
  check("segmentMs", options.segmentMs);
  check("indexIntervalBytes", options.indexIntervalBytes, segmentBytesMax);
  check("fsyncIntervalMs", options.fsyncIntervalMs);
  check("openSegmentsMax", options.openSegmentsMax);
  if (!Object.values(FsyncPolicy).includes(options.fsync)) throw new Error(`Invalid log option fsync "${options.fsync}"`);
}
