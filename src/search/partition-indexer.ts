// Follows one searchable partition: reads what the log has made readable since the indexer's
// resume point, turns records into documents and adds them to the active index chunk. A chunk
// is sealed when the log rolls a segment (so retention can drop whole chunks with their
// segments) or when it reaches indexChunkBytesMax (so a 1 GiB segment does not need one huge
// index in memory). A sealed chunk is saved beside the segments (.search) and listed in the
// manifest (index-manifest.ts) with the new resume point. After a crash, indexing resumes
// there: the active chunk is indexed again from its base, so every record is indexed exactly
// once. A missing or corrupt .search is rebuilt from the log.
//
// It runs as an async task that yields to the event loop every indexSliceMs; the broker runs
// it in the search worker (search-worker.ts), off the produce path.

import path from "node:path";
import type { Logger } from "../logger.ts";
import { decodeRecordBatches } from "../records/decode-batches.ts";
import { OffsetOutOfRangeError } from "../storage/partition-log.ts";
import { listSegmentBaseOffsets } from "../storage/segment.ts";
import { type DocumentCounters, recordToDocument } from "./document.ts";
import type { IndexCache } from "./index-cache.ts";
import { CorruptIndexFileError, deleteSegmentIndex, listSearchFiles, loadSegmentIndex, saveSegmentIndex } from "./index-file.ts";
import { type ChunkRange, readManifest, writeManifest } from "./index-manifest.ts";
import type { IndexHandle } from "./searcher.ts";
import type { IndexedLog } from "./segment-file-reader.ts";
import { SegmentIndex } from "./segment-index.ts";

/** What the indexer needs of a partition; the engine's Partition provides it. */
export interface SearchablePartition {
  readonly topic: string;
  readonly index: number;
  readonly log: IndexedLog;
  /** Folder of the partition's segments, where .search files go; null for a log kept in memory. */
  readonly dir: string | null;
  /** Calls `wake` once when new data becomes readable; returns a function that cancels the wait. */
  onNextData(wake: () => void): () => void;
}

/** Bytes read from the log per step. */
export const indexReadBytesMax = 256 * 1024;
/** Longest stretch of indexing between yields to the event loop, so requests wait at most about this long. */
export const indexSliceMs = 4;
/** Longest wait for a wake-up before looking at the log anyway (a missed wake costs at most this). */
export const indexPollMs = 1000;
/** An active chunk whose estimated size reaches this is sealed even though its segment is not. */
export const indexChunkBytesMax = 8 * 1024 * 1024;

interface IndexerOptions {
  cache: IndexCache;
  logger: Logger;
  counters: DocumentCounters;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class PartitionIndexer {
  readonly partition: SearchablePartition;
  #cache: IndexCache;
  #logger: Logger;
  #counters: DocumentCounters;
  #sealed: ChunkRange[];
  #active: SegmentIndex;
  /** The log segment the active chunk's records come from. */
  #activeSegmentBase: number;
  /** Next offset to index. */
  #position: number;
  #stopped = false;
  #cancelWait: (() => void) | null = null;
  #wakeLoop: (() => void) | null = null;
  #running: Promise<void> = Promise.resolve();
  /** Rebuilds in progress, so concurrent searches share one. */
  #rebuilding = new Map<number, Promise<SegmentIndex>>();

  private constructor(partition: SearchablePartition, options: IndexerOptions, resumeOffset: number, sealed: ChunkRange[]) {
    this.partition = partition;
    this.#cache = options.cache;
    this.#logger = options.logger;
    this.#counters = options.counters;
    this.#sealed = sealed;
    this.#active = new SegmentIndex(partition.topic, partition.index, resumeOffset);
    this.#activeSegmentBase = this.#segmentBaseFor(resumeOffset);
    this.#position = resumeOffset;
  }

  /** Opens the indexer at its manifest's resume point and starts following the log. */
  static start(partition: SearchablePartition, options: IndexerOptions): PartitionIndexer {
    const manifest = partition.dir === null ? null : readManifest(partition.dir, options.logger);
    const resumeOffset = manifest?.resumeOffset ?? 0;
    const indexer = new PartitionIndexer(partition, options, resumeOffset, manifest?.chunks ?? []);
    indexer.#deleteUnlistedFiles();
    indexer.#dropExpiredChunks();
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
    this.#dropExpiredChunks();
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
      const segmentBase = this.#segmentBaseFor(batches[0].header.baseOffset);
      if (segmentBase > this.#activeSegmentBase) {
        await this.#seal(this.#position);
        this.#activeSegmentBase = segmentBase;
      }
      let sliceStarted = performance.now();
      for (const batch of batches) {
        const batchEnd = batch.header.baseOffset + batch.header.lastOffsetDelta + 1;
        if (batchEnd <= this.#position) continue;
        if (this.#active.estimatedBytes >= indexChunkBytesMax) await this.#seal(this.#position);
        if (!batch.isControl) {
          for (const record of batch.records) if (record.offset >= this.#position) this.#active.add(recordToDocument(record, this.#counters));
        }
        this.#position = batchEnd;
        this.#active.advanceEndOffset(batchEnd);
        if (performance.now() - sliceStarted >= indexSliceMs) {
          await yieldToEventLoop();
          sliceStarted = performance.now();
        }
      }
      this.#cache.trim();
      await yieldToEventLoop();
    }
  }

  /** The active chunk is complete: save it, list it in the manifest, start the next at `nextBase`. */
  async #seal(nextBase: number): Promise<void> {
    const finished = this.#active;
    if (finished.docCount === 0 && nextBase === finished.baseOffset) return;
    this.#active = new SegmentIndex(this.partition.topic, this.partition.index, nextBase);
    this.#sealed.push({ baseOffset: finished.baseOffset, endOffset: nextBase });
    this.#cache.put(this.#cacheKey(finished.baseOffset), finished);
    const dir = this.partition.dir;
    if (dir === null) return;
    await saveSegmentIndex(dir, finished);
    this.#dropExpiredChunks();
    await writeManifest(dir, { resumeOffset: nextBase, chunks: this.#sealed });
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

  /** Chunks wholly below the log start (their segments deleted by retention) go, with their .search files. */
  #dropExpiredChunks(): void {
    const logStart = this.partition.log.logStartOffset;
    if (this.#sealed.length === 0 || this.#sealed[0].endOffset > logStart) return;
    const expired = this.#sealed.filter((chunk) => chunk.endOffset <= logStart);
    this.#sealed = this.#sealed.filter((chunk) => chunk.endOffset > logStart);
    for (const chunk of expired) {
      this.#cache.delete(this.#cacheKey(chunk.baseOffset));
      if (this.partition.dir !== null) this.#deleteFile(this.partition.dir, chunk.baseOffset);
    }
  }

  /** Deletes .search files no chunk lists (a crash came between writing one and the manifest). */
  #deleteUnlistedFiles(): void {
    const dir = this.partition.dir;
    if (dir === null) return;
    const listed = new Set(this.#sealed.map((chunk) => chunk.baseOffset));
    for (const base of listSearchFiles(dir)) if (!listed.has(base)) this.#deleteFile(dir, base);
  }

  #deleteFile(dir: string, base: number): void {
    void deleteSegmentIndex(dir, base).catch((error: unknown) => this.#logger.warn("Cannot delete search index", { partition: this.key, base, error: error as Error }));
  }

  #cacheKey(baseOffset: number): string {
    return `${this.key}/${baseOffset}`;
  }

  async #loadSealed(segment: ChunkRange): Promise<SegmentIndex> {
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
  #rebuild(segment: ChunkRange): Promise<SegmentIndex> {
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
        await yieldToEventLoop();
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
