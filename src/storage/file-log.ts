// A partition log on disk: a directory of segments (see segment.ts), the last one active.
// Appends assign offsets by patching baseOffset in place, write with one writeSync, and
// resolve when the fsync policy says the data is durable. Reads return whole stored batches.
// Retention (retention.ts), compaction (log-cleaner.ts), DeleteRecords and truncation change
// the set of segments, one at a time, through the log's maintenance chain.

import fs from "node:fs";
import path from "node:path";
import { assignOffsets } from "./assign-offsets.ts";
import { readCheckpoint, syncDirectory, writeCheckpoint } from "./checkpoint.ts";
import { FsyncPolicy, resolveFileLogOptions } from "./file-log-options.ts";
import type { FileLogOptions, ResolvedFileLogOptions } from "./file-log-options.ts";
import { removeCleanedFiles } from "./clean-job.ts";
import { cleaningJob, installCleaned, planCleaning } from "./log-cleaner.ts";
import type { CleanerStats } from "./log-cleaner.ts";
import { compacts, defaultLogSettings, deletesSegments, mergeLogSettings } from "./log-settings.ts";
import type { LogSettings } from "./log-settings.ts";
import { LogFailedError, OffsetOutOfRangeError, StorageWriteError } from "./partition-log.ts";
import type { AppendOptions, AppendResult, PartitionLog, ReadResult, TimestampAndOffset } from "./partition-log.ts";
import { ProducerSnapshotFiles } from "./producer-snapshot-files.ts";
import { TransactionIndexFiles } from "./transaction-index.ts";
import { cleanerOffsetFileName, logStartOffsetFileName, recoverLog, recoveryPointFileName } from "./recovery.ts";
import { expiredSegmentCount } from "./retention.ts";
import { Segment } from "./segment.ts";
import type { SegmentOptions } from "./segment.ts";

export { FsyncPolicy } from "./file-log-options.ts";
export type { FileLogOptions } from "./file-log-options.ts";

/** Offsets relative to a segment's base are int32 in both indexes. */
const relativeOffsetMax = 2 ** 31 - 1;

/** The durable end under fsync "always": an offset and where it lies on disk. */
interface DurablePoint {
  offset: number;
  segment: Segment;
  position: number;
  truncations: number;
}

export class FileLog implements PartitionLog {
  readonly dir: string;
  readonly producerSnapshots: ProducerSnapshotFiles;
  readonly transactionIndexes: TransactionIndexFiles;
  #rollListener: ((baseOffset: number, sealedBaseOffset: number) => void) | null = null;
  #options: ResolvedFileLogOptions;
  #settings: LogSettings;
  #segmentOptions: SegmentOptions;
  /** Offset below which the log was compacted (the cleaner checkpoint); shared with the segments. */
  #compacted: { offset: number };
  #segments: Segment[];
  #logStartOffset: number;
  #durable: DurablePoint;
  /** Counts truncations, so an fsync that finishes after one cannot vouch for rewritten bytes. */
  #truncations = 0;
  /** Sealing of the segment rolled last; appends into its successor wait for it under "always". */
  #rolling: Promise<void> = Promise.resolve();
  /** Retention, compaction, DeleteRecords and truncation run one at a time, in this chain. */
  #maintenance: Promise<unknown> = Promise.resolve();
  /** Sealed segments replaced by cleaned ones since open (see segmentsRewritten). */
  #segmentsRewritten = 0;
  /** True while a cleaning job runs: close() does not wait for it (its result is discarded). */
  #cleaning = false;
  #intervalTimer: ReturnType<typeof setTimeout> | null = null;
  /**
   * Base of the first segment whose indexes could not be written when it was sealed (a full
   * disk): the recovery point stays at or below it, so the next open rebuilds them.
   */
  #recoveryPointCeiling = Number.MAX_SAFE_INTEGER;
  #failure: Error | null = null;
  #closed = false;

  private constructor(
    dir: string,
    options: ResolvedFileLogOptions,
    settings: LogSettings,
    recovered: { segments: Segment[]; logStartOffset: number; segmentOptions: SegmentOptions; compacted: { offset: number } },
  ) {
    this.dir = dir;
    this.producerSnapshots = new ProducerSnapshotFiles(dir, options.logger);
    this.transactionIndexes = new TransactionIndexFiles(dir);
    this.#options = options;
    this.#settings = settings;
    this.#segments = recovered.segments;
    this.#logStartOffset = recovered.logStartOffset;
    this.#segmentOptions = recovered.segmentOptions;
    this.#compacted = recovered.compacted;
    const active = this.#active;
    this.#durable = { offset: active.endOffset, segment: active, position: active.size, truncations: 0 };
    for (const segment of this.#segments) if (segment.isOpen) options.fileBudget.touch(segment);
  }

  /** Opens (creating if needed) the partition directory `dir`, recovering it after a crash. */
  static async open(dir: string, options: FileLogOptions = {}): Promise<FileLog> {
    const resolved = resolveFileLogOptions(options);
    const settings = mergeLogSettings(defaultLogSettings, options);
    fs.mkdirSync(dir, { recursive: true });
    const compacted = { offset: readCheckpoint(path.join(dir, cleanerOffsetFileName), resolved.logger) ?? 0 };
    const segmentOptions: SegmentOptions = {
      indexIntervalBytes: resolved.indexIntervalBytes,
      logger: resolved.logger,
      compactedBelow: () => compacted.offset,
    };
    const recovered = await recoverLog(dir, {
      ...segmentOptions,
      fsync: resolved.flushScheduler.sync,
      nowMs: resolved.now(),
    });
    return new FileLog(dir, resolved, settings, { ...recovered, segmentOptions, compacted });
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

  /** Bytes of every segment's .log file. */
  get sizeBytes(): number {
    return this.#segments.reduce((sum, segment) => sum + segment.size, 0);
  }

  /** The settings in force (segment rolling, retention, compaction). */
  get settings(): Readonly<LogSettings> {
    return this.#settings;
  }

  /** Offset below which the log has been compacted (0 when never). */
  get compactedOffset(): number {
    return this.#compacted.offset;
  }

  /**
   * How many sealed segments compaction has replaced since open. Each replacement keeps the
   * segment's base offset but installs a new file with fewer records; readers that keep
   * something derived from a segment (the search index) compare this counter to notice.
   */
  get segmentsRewritten(): number {
    return this.#segmentsRewritten;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Replaces some settings (after AlterConfigs); they apply from the next append and maintenance pass. */
  configure(settings: Partial<LogSettings>): void {
    this.#settings = mergeLogSettings(this.#settings, settings);
  }

  onRoll(listener: (baseOffset: number, sealedBaseOffset: number) => void): void {
    this.#rollListener = listener;
  }

  segmentBaseOffsets(): number[] {
    return this.#segments.map((segment) => segment.baseOffset);
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
    this.#options.fileBudget.touch(segment);
    try {
      segment.append(batches, infos, this.#options.now());
    } catch (error) {
      // A failed write that was cut back leaves the log whole: later appends may succeed.
      if (error instanceof StorageWriteError) throw error;
      throw this.#fail(error, `write to segment at offset ${segment.baseOffset}`);
    }
    const result = { baseOffset, lastOffset, logAppendTime: options.logAppendTime ?? -1, logStartOffset: this.#logStartOffset };
    if (this.#options.fsync === FsyncPolicy.always) {
      await this.#makeDurable(segment);
    } else if (this.#options.fsync === FsyncPolicy.interval) {
      this.#scheduleIntervalFlush();
    }
    return result;
  }

  async read(offset: number, maxBytes: number, upTo = Number.MAX_SAFE_INTEGER): Promise<ReadResult> {
    this.#checkOpen();
    this.#checkInRange(offset);
    const highWatermark = this.highWatermark;
    const result = { bytes: new Uint8Array(0), highWatermark, logStartOffset: this.#logStartOffset };
    if (offset >= Math.min(highWatermark, upTo)) return result;
    for (let n = this.#segmentIndexFor(offset); n < this.#segments.length; n++) {
      const segment = this.#segments[n];
      if (segment.baseOffset >= upTo) break;
      let limit = this.#readLimit(segment, highWatermark);
      // `upTo` is where a batch starts: the read ends before it.
      if (upTo < segment.endOffset) limit = Math.min(limit, segment.locate(upTo, limit) ?? limit);
      const position = segment.locate(offset, limit);
      this.#touch(segment);
      if (position !== null) return { ...result, bytes: segment.read(position, limit, maxBytes), position };
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

  truncateTo(offset: number): Promise<void> {
    return this.#exclusive(async () => {
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
      for (const segment of removed.toReversed()) await this.#deleteSegment(segment);
      this.#active.truncateTo(offset);
      if (this.#durable.offset > this.logEndOffset || removed.includes(this.#durable.segment)) {
        const active = this.#active;
        this.#durable = { offset: active.endOffset, segment: active, position: active.size, truncations: this.#truncations };
      }
    });
  }

  /** DeleteRecords: moves the log start to `offset` (at most the high watermark) and drops segments wholly below it. */
  advanceLogStartOffset(offset: number): Promise<void> {
    return this.#exclusive(async () => {
      this.#checkWritable();
      if (offset <= this.#logStartOffset) return;
      if (offset > this.highWatermark) throw new OffsetOutOfRangeError(offset, this.#logStartOffset, this.highWatermark);
      await this.#moveLogStart(offset);
    });
  }

  /**
   * Retention (cleanup.policy with delete): deletes the oldest whole segments whose newest
   * record is older than retention.ms, or while the log is over retention.bytes. Only data
   * below the high watermark goes; the active segment goes too when everything expired (a new
   * empty one is rolled first, as Kafka does). Resolves to the number of segments deleted.
   */
  enforceRetention(): Promise<number> {
    return this.#exclusive(async () => {
      if (this.#closed || this.#failure !== null || !deletesSegments(this.#settings.cleanupPolicy)) return 0;
      await this.#rolling.catch(() => {});
      const count = expiredSegmentCount(this.#segments, { settings: this.#settings, nowMs: this.#options.now(), highWatermark: this.highWatermark });
      if (count === 0) return 0;
      const newStart = this.#segments[count - 1].endOffset;
      if (count === this.#segments.length) {
        this.#roll();
        await this.#rolling;
      }
      const before = this.#segments.length;
      await this.#moveLogStart(Math.max(newStart, this.#logStartOffset));
      const deleted = before - this.#segments.length;
      this.#options.logger.info(`Retention deleted ${deleted} segments of "${this.dir}"; log start offset is now ${this.#logStartOffset}`);
      return deleted;
    });
  }

  /**
   * One compaction pass (cleanup.policy with compact) when the dirty part is at least
   * min.cleanable.dirty.ratio of the cleanable log; null when there was nothing to do. The
   * cleaner rewrites sealed segments into `.cleaned` files off to the side; they are swapped in
   * here, each atomically (see log-cleaner.ts).
   */
  compact(): Promise<CleanerStats | null> {
    return this.#exclusive(async () => {
      if (this.#closed || this.#failure !== null || !compacts(this.#settings.cleanupPolicy)) return null;
      await this.#rolling.catch(() => {});
      const nowMs = this.#options.now();
      const state = { compactedOffset: this.#compacted.offset, highWatermark: this.highWatermark, nowMs, settings: this.#settings };
      const plan = planCleaning(this.#segments, state);
      if (plan === null) return null;
      const job = cleaningJob(plan, { dir: this.dir, nowMs, settings: this.#settings, indexIntervalBytes: this.#options.indexIntervalBytes });
      this.#cleaning = true;
      const outcome = await this.#options.cleaner.clean(job).finally(() => (this.#cleaning = false));
      if (this.#closed) {
        removeCleanedFiles(this.dir, outcome.cleaned);
        return null;
      }
      // Checkpoint first: from then on segments below it may skip offsets, and recovery must accept that.
      if (outcome.dirtyEnd > this.#compacted.offset) {
        await writeCheckpoint(path.join(this.dir, cleanerOffsetFileName), outcome.dirtyEnd);
        this.#compacted.offset = outcome.dirtyEnd;
      }
      for (const baseOffset of outcome.cleaned) {
        const old = plan.segments.find((segment) => segment.baseOffset === baseOffset)!;
        this.#swapSegment(old, installCleaned(old, this.#segmentOptions));
      }
      await syncDirectory(this.dir);
      return outcome.stats;
    });
  }

  /** Flushes the active segment and its indexes, checkpoints the log end, and closes every file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#intervalTimer) clearTimeout(this.#intervalTimer);
    await this.#rolling.catch(() => {});
    // A cleaning job may run for a long time; it only reads segments, and its result is discarded.
    if (!this.#cleaning) await this.#maintenance.catch(() => {});
    if (this.#failure === null) {
      await this.#sealOrLowerCeiling(this.#active, { keepOpen: true });
      await this.#checkpointRecoveryPoint(this.logEndOffset);
    }
    await Promise.all(this.#segments.map((segment) => segment.close()));
    for (const segment of this.#segments) this.#options.fileBudget.forget(segment);
  }

  #shouldRoll(appendBytes: number, lastOffset: number): boolean {
    const active = this.#active;
    if (active.size === 0) return false;
    return (
      active.size + appendBytes > this.#settings.segmentBytes ||
      this.#options.now() - active.createdMs > this.#settings.segmentMs ||
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
    const next = Segment.create(this.dir, sealed.endOffset, this.#options.now(), this.#segmentOptions);
    this.#segments.push(next);
    this.#options.fileBudget.touch(next);
    this.#rollListener?.(next.baseOffset, sealed.baseOffset);
    const previous = this.#rolling;
    this.#rolling = (async () => {
      await previous;
      await this.#sealOrLowerCeiling(sealed);
      // Sealing reopens files the budget may have closed meanwhile: count them again.
      if (!this.#closed) this.#touch(sealed);
      await syncDirectory(this.dir);
      await this.#checkpointRecoveryPoint(next.baseOffset);
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

  #touch(segment: Segment): void {
    this.#options.fileBudget.touch(segment);
  }

  /**
   * Seals `segment` (or only flushes it, for the active one at close). An index that cannot be
   * written (a full disk) is not fatal, since recovery rebuilds indexes from the log: the
   * recovery point just stays below the segment. A failed fsync is fatal (see #fail).
   */
  async #sealOrLowerCeiling(segment: Segment, options: { keepOpen?: boolean } = {}): Promise<void> {
    const fsync = this.#options.flushScheduler.sync;
    try {
      await (options.keepOpen ? segment.flushAll(fsync) : segment.seal(fsync));
    } catch (error) {
      if (!(error instanceof StorageWriteError)) throw error;
      this.#recoveryPointCeiling = Math.min(this.#recoveryPointCeiling, segment.baseOffset);
      this.#options.logger.warn(`${error.message}; the next open of "${this.dir}" rebuilds it`);
    }
  }

  /**
   * The recovery point only saves work at the next open, so failing to move it (a full disk)
   * is logged, not fatal: the next open scans a little more.
   */
  async #checkpointRecoveryPoint(wanted: number): Promise<void> {
    const offset = Math.min(wanted, this.#recoveryPointCeiling);
    try {
      await writeCheckpoint(path.join(this.dir, recoveryPointFileName), offset);
    } catch (error) {
      this.#options.logger.warn(`Cannot checkpoint recovery point ${offset} of "${this.dir}": ${(error as Error).message}`);
    }
  }

  /** Checkpoints a new log start, then deletes the segments wholly below it (never the active one). */
  async #moveLogStart(offset: number): Promise<void> {
    await writeCheckpoint(path.join(this.dir, logStartOffsetFileName), offset);
    this.#logStartOffset = offset;
    while (this.#segments.length > 1 && this.#segments[0].endOffset <= offset) {
      const [segment] = this.#segments.splice(0, 1);
      await this.#deleteSegment(segment);
    }
  }

  async #deleteSegment(segment: Segment): Promise<void> {
    this.#options.fileBudget.forget(segment);
    await segment.delete();
  }

  /** Puts a cleaned segment in place of `old` (same base offset), synchronously so no read sees half of it. */
  #swapSegment(old: Segment, fresh: Segment): void {
    const at = this.#segments.indexOf(old);
    // Compaction excludes retention and truncation, and never touches the active segment.
    if (at < 0 || at === this.#segments.length - 1) throw new Error(`Cannot swap in cleaned segment ${old.baseOffset} of "${this.dir}": it is not a sealed segment of the log`);
    this.#segments[at] = fresh;
    this.#segmentsRewritten++;
    if (this.#durable.segment === old) this.#durable = { ...this.#durable, segment: fresh, position: fresh.size };
    this.#options.fileBudget.forget(old);
    void old.close();
  }

  /** Runs `work` after every earlier maintenance operation of this log has finished. */
  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#maintenance.catch(() => {}).then(work);
    this.#maintenance = result.catch(() => {});
    return result;
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
