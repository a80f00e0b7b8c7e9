// Follows one searchable partition: reads what the log has appended since the indexer's
// checkpoint, turns records into documents and adds them to the index of the segment they
// belong to. When the log rolls, the finished segment's index is saved beside it (.search),
// then the checkpoint moves to the new segment's base. After a crash, indexing resumes at the
// checkpoint: the active segment is indexed again from its start, so every record is indexed
// exactly once. A missing or corrupt .search is rebuilt from the log when it is needed.
//
// It runs as an async task that yields to the event loop after every read, so produce and
// fetch requests are served in between; it never runs on the produce path.

import path from "node:path";
import type { Logger } from "../logger.ts";
import { decodeRecordBatches } from "../records/decode-batches.ts";
import { readCheckpoint, writeCheckpoint } from "../storage/checkpoint.ts";
import { OffsetOutOfRangeError, type PartitionLog } from "../storage/partition-log.ts";
import { listSegmentBaseOffsets } from "../storage/segment.ts";
import { type DocumentCounters, recordToDocument } from "./document.ts";
import type { IndexCache } from "./index-cache.ts";
import { CorruptIndexFileError, deleteSegmentIndex, listSearchFiles, loadSegmentIndex, saveSegmentIndex } from "./index-file.ts";
import type { IndexHandle } from "./searcher.ts";
import { SegmentIndex } from "./segment-index.ts";

/** What the indexer needs of a partition; the engine's Partition provides it. */
export interface SearchablePartition {
  readonly topic: string;
  readonly index: number;
  readonly log: PartitionLog;
  /** Folder of the partition's segments, where .search files go; null for a log kept in memory. */
  readonly dir: string | null;
  /** Calls `wake` once when new data becomes readable; returns a function that cancels the wait. */
  onNextData(wake: () => void): () => void;
}

/** Bytes read from the log per step, between yields to the event loop. */
export const indexReadBytesMax = 1024 * 1024;
/** Longest wait for a wake-up before looking at the log anyway (a missed wake costs at most this). */
export const indexPollMs = 1000;
export const checkpointFileName = "search.checkpoint";

interface SealedSegment {
  baseOffset: number;
  /** The offset after the segment: the next segment's base. */
  endOffset: number;
}

export class PartitionIndexer {
  readonly partition: SearchablePartition;
  #cache: IndexCache;
  #logger: Logger;
  #counters: DocumentCounters;
  #sealed: SealedSegment[] = [];
  #active: SegmentIndex;
  /** Next offset to index. */
  #position: number;
  #stopped = false;
  #cancelWait: (() => void) | null = null;
  #wakeLoop: (() => void) | null = null;
  #running: Promise<void> = Promise.resolve();
  /** Rebuilds in progress, so concurrent searches share one. */
  #rebuilding = new Map<number, Promise<SegmentIndex>>();

  private constructor(partition: SearchablePartition, cache: IndexCache, logger: Logger, counters: DocumentCounters, start: number) {
    this.partition = partition;
    this.#cache = cache;
    this.#logger = logger;
    this.#counters = counters;
    // The checkpoint is a segment base; the active segment is indexed again from its start.
    this.#active = new SegmentIndex(partition.topic, partition.index, this.#segmentBaseFor(start));
    this.#position = this.#active.baseOffset;
  }

  /** Opens the indexer at its checkpoint and starts following the log. */
  static start(partition: SearchablePartition, options: { cache: IndexCache; logger: Logger; counters: DocumentCounters }): PartitionIndexer {
    const { log, dir } = partition;
    const checkpoint = dir === null ? null : readCheckpoint(path.join(dir, checkpointFileName), options.logger);
    const start = Math.max(checkpoint ?? log.logStartOffset, log.logStartOffset);
    const indexer = new PartitionIndexer(partition, options.cache, options.logger, options.counters, start);
    indexer.#refreshSealed();
    indexer.#running = indexer.#run();
    return indexer;
  }

  get key(): string {
    return `${this.partition.topic}/${this.partition.index}`;
  }

  /** Offset up to which records are searchable. */
  get indexedOffset(): number {
    return this.#position;
  }

  get activeBytes(): number {
    return this.#active.estimatedBytes;
  }

  /** Handles on every segment index of the partition, sealed ones loaded on demand. */
  handles(): IndexHandle[] {
    const { topic, index: partition } = this.partition;
    const sealed = this.#sealed.map((segment): IndexHandle => ({ topic, partition, baseOffset: segment.baseOffset, load: () => this.#loadSealed(segment) }));
    const active = this.#active;
    return [...sealed, { topic, partition, baseOffset: active.baseOffset, load: async () => active }];
  }

  /** Stops following the log and waits for the current step to finish. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#cancelWait?.();
    this.#wakeLoop?.();
    await this.#running;
  }

  async #run(): Promise<void> {
    let missingRebuilt = false;
    while (!this.#stopped) {
      try {
        await this.#waitForData();
        if (this.#stopped) return;
        await this.#catchUp();
        if (!missingRebuilt) {
          // After catching up, so a restart makes new records searchable before old indexes are repaired.
          missingRebuilt = true;
          await this.rebuildMissing();
        }
      } catch (error) {
        this.#logger.error("Indexing failed; retrying", { partition: this.key, offset: this.#position, error: error as Error });
        await Bun.sleep(indexPollMs);
      }
    }
  }

  async #waitForData(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((resolve) => {
      this.#wakeLoop = resolve;
      // Registered before the check, so data arriving in between still wakes us.
      this.#cancelWait = this.partition.onNextData(resolve);
      if (this.#stopped || this.#position < this.partition.log.highWatermark) resolve();
      timer = setTimeout(resolve, indexPollMs);
    });
    clearTimeout(timer);
    this.#cancelWait?.();
  }

  async #catchUp(): Promise<void> {
    const { log } = this.partition;
    while (!this.#stopped && this.#position < log.highWatermark) {
      if (this.#position < log.logStartOffset) this.#position = log.logStartOffset;
      let bytes: Uint8Array;
      try {
        bytes = (await log.read(this.#position, indexReadBytesMax)).bytes;
      } catch (error) {
        if (error instanceof OffsetOutOfRangeError) continue;
        throw error;
      }
      if (bytes.length === 0) return;
      const batches = decodeRecordBatches(bytes);
      if (batches.length === 0) return;
      // One read never crosses a segment, and the segment's file exists before its data is readable.
      const base = this.#segmentBaseFor(batches[0].header.baseOffset);
      if (base > this.#active.baseOffset) await this.#seal(base);
      for (const batch of batches) {
        const batchEnd = batch.header.baseOffset + batch.header.lastOffsetDelta + 1;
        if (batchEnd <= this.#position) continue;
        if (!batch.isControl) {
          for (const record of batch.records) if (record.offset >= this.#position) this.#active.add(recordToDocument(record, this.#counters));
        }
        this.#position = batchEnd;
        this.#active.advanceEndOffset(batchEnd);
      }
      this.#cache.trim();
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** The active segment is complete: save its index, move the checkpoint, start the next. */
  async #seal(nextBase: number): Promise<void> {
    const finished = this.#active;
    const dir = this.partition.dir;
    this.#active = new SegmentIndex(this.partition.topic, this.partition.index, nextBase);
    this.#sealed.push({ baseOffset: finished.baseOffset, endOffset: nextBase });
    this.#cache.put(this.#cacheKey(finished.baseOffset), finished);
    if (dir === null) return;
    await saveSegmentIndex(dir, finished);
    await writeCheckpoint(path.join(dir, checkpointFileName), nextBase);
    this.#refreshSealed();
  }

  /** The base of the segment holding `offset`: the last .log file at or below it. */
  #segmentBaseFor(offset: number): number {
    const dir = this.partition.dir;
    if (dir === null) return 0;
    const bases = listSegmentBaseOffsets(dir);
    let base = bases[0] ?? 0;
    for (const candidate of bases) if (candidate <= offset) base = candidate;
    return base;
  }

  /**
   * Sealed segments are the log's segments below the active one; those deleted by retention
   * take their .search file with them.
   */
  #refreshSealed(): void {
    const dir = this.partition.dir;
    if (dir === null) return;
    const bases = listSegmentBaseOffsets(dir).filter((base) => base < this.#active.baseOffset);
    this.#sealed = bases.map((baseOffset, i) => ({ baseOffset, endOffset: bases[i + 1] ?? this.#active.baseOffset }));
    const live = new Set(bases);
    for (const base of listSearchFiles(dir)) {
      if (live.has(base) || base === this.#active.baseOffset) continue;
      this.#cache.delete(this.#cacheKey(base));
      void deleteSegmentIndex(dir, base).catch((error: unknown) => this.#logger.warn("Cannot delete search index", { partition: this.key, base, error: error as Error }));
    }
  }

  #cacheKey(baseOffset: number): string {
    return `${this.key}/${baseOffset}`;
  }

  async #loadSealed(segment: SealedSegment): Promise<SegmentIndex> {
    const key = this.#cacheKey(segment.baseOffset);
    const cached = this.#cache.get(key);
    if (cached) return cached;
    const dir = this.partition.dir;
    let index: SegmentIndex | null = null;
    if (dir !== null) {
      try {
        index = await loadSegmentIndex(dir, segment.baseOffset);
      } catch (error) {
        if (!(error instanceof CorruptIndexFileError)) throw error;
        this.#logger.warn("Rebuilding a corrupt search index from the log", { partition: this.key, base: segment.baseOffset, error });
      }
    }
    index ??= await this.#rebuild(segment);
    this.#cache.put(key, index);
    return index;
  }

  /** Indexes a sealed segment again from the log and saves it. */
  #rebuild(segment: SealedSegment): Promise<SegmentIndex> {
    const existing = this.#rebuilding.get(segment.baseOffset);
    if (existing) return existing;
    const rebuild = (async () => {
      const index = new SegmentIndex(this.partition.topic, this.partition.index, segment.baseOffset);
      const { log, dir } = this.partition;
      let position = Math.max(segment.baseOffset, log.logStartOffset);
      while (position < segment.endOffset) {
        const { bytes } = await log.read(position, indexReadBytesMax);
        const batches = decodeRecordBatches(bytes);
        if (batches.length === 0) break;
        for (const batch of batches) {
          const batchEnd = batch.header.baseOffset + batch.header.lastOffsetDelta + 1;
          if (batch.header.baseOffset >= segment.endOffset) break;
          if (!batch.isControl) for (const record of batch.records) if (record.offset >= position) index.add(recordToDocument(record, this.#counters));
          position = batchEnd;
          index.advanceEndOffset(batchEnd);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (dir !== null) await saveSegmentIndex(dir, index);
      this.#logger.info("Rebuilt search index from the log", { partition: this.key, base: segment.baseOffset, documents: index.docCount });
      return index;
    })().finally(() => this.#rebuilding.delete(segment.baseOffset));
    this.#rebuilding.set(segment.baseOffset, rebuild);
    return rebuild;
  }

  /** Rebuilds every sealed segment whose .search file is missing (after a crash or a deletion). */
  async rebuildMissing(): Promise<number> {
    const dir = this.partition.dir;
    if (dir === null) return 0;
    const present = new Set(listSearchFiles(dir));
    const missing = this.#sealed.filter((segment) => !present.has(segment.baseOffset));
    for (const segment of missing) this.#cache.put(this.#cacheKey(segment.baseOffset), await this.#rebuild(segment));
    return missing.length;
  }
}
