// Follows one searchable partition: reads what the log has made readable since the indexer's
// resume point, turns records into documents and adds them to the active index chunk. A chunk
// is sealed when the log rolls a segment (so retention can drop whole chunks with their
// segments) or when it reaches indexChunkBytesMax (so a 1 GiB segment does not need one huge
// index in memory). A sealed chunk is saved beside the segments (.search) and listed in the
// manifest (index-manifest.ts) with the new resume point. After a crash, indexing resumes
// there: the active chunk is indexed again from its base, so every record is indexed exactly
// once. A missing or corrupt .search is rebuilt from the log.
//
// The log changes data it made readable in three ways, and the chunks follow:
// - retention deletes whole segments: their chunks go with them (expired);
// - DeleteRecords moves the log start inside a chunk, and compaction replaces a sealed
//   segment's file with one holding fewer records: the chunk is stale (chunk-freshness.ts).
//   A stale chunk is never searched as it is: a search that needs it waits for its rebuild
//   from the log, and the indexer rebuilds stale chunks one at a time after catching up. An
//   active chunk that turns stale is sealed on the spot, then rebuilt the same way.
// The log reports compactions with a counter (IndexedLog.segmentsRewritten); each chunk keeps
// the identity of the segment file it was read from and the lowest offset it holds, in the
// manifest, so a restart notices a change it missed.
//
// It runs as an async task that yields to the event loop every indexSliceMs; the broker runs
// it in the search worker (search-worker.ts), off the produce path.

import type { Logger } from "../logger.ts";
import { decodeRecordBatches } from "../records/decode-batches.ts";
import { OffsetOutOfRangeError } from "../storage/partition-log.ts";
import { listSegmentBaseOffsets } from "../storage/segment.ts";
import { segmentBaseOf, staleChunks } from "./chunk-freshness.ts";
import { type DocumentCounters, recordToDocument } from "./document.ts";
import type { IndexCache } from "./index-cache.ts";
import { CorruptIndexFileError, deleteSegmentIndex, listSearchFiles, loadSegmentIndex, saveSegmentIndex } from "./index-file.ts";
import { type ChunkRange, readManifest, writeManifest } from "./index-manifest.ts";
import type { IndexHandle } from "./searcher.ts";
import type { IndexedLog } from "./segment-file-reader.ts";
import { SegmentIndex } from "./segment-index.ts";
import { segmentIdentity, type SegmentSource } from "./segment-source.ts";

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
/**
 * An active chunk whose estimated size reaches this is sealed even though its segment is not.
 * Each seal costs a JSON save and two fsyncs (file, manifest): at 8 MiB (about 430 Debian
 * package records) sealing made indexing three times slower. Active chunks count against
 * --search-memory-mb but cannot be unloaded, so this bounds them per partition.
 */
export const indexChunkBytesMax = 32 * 1024 * 1024;

interface IndexerOptions {
  cache: IndexCache;
  logger: Logger;
  counters: DocumentCounters;
  /**
   * Sealed chunks saved to disk are searched by query threads (query-pool.ts), which load and
   * cache them: this thread's cache drops a saved chunk when its query thread has loaded it
   * (IndexHandle.release), keeping active and unsaved ones.
   */
  sealedSearchedElsewhere?: boolean;
}

/** Versions of saved .search files, unique in this thread: a query thread reloads a chunk whose version changed. */
let nextSavedVersion = 1;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class PartitionIndexer {
  readonly partition: SearchablePartition;
  #cache: IndexCache;
  #sealedSearchedElsewhere: boolean;
  /** Base → version of the sealed chunks whose .search file is saved and fresh. */
  #savedVersions = new Map<number, number>();
  #logger: Logger;
  #counters: DocumentCounters;
  #sealed: ChunkRange[];
  /** Bases of sealed chunks that no longer match the log: rebuilt before they are searched. */
  #stale = new Set<number>();
  #active: SegmentIndex;
  /** The lowest offset the active chunk's documents may have (its base, or the log start when that was higher). */
  #activeFrom: number;
  /** The log segment the active chunk's records come from. */
  #activeSegmentBase: number;
  /** The file they were read from; undefined before the first read, null when reads came from more than one. */
  #activeIdentity: string | null | undefined = undefined;
  /** IndexedLog.segmentsRewritten when the chunks were last compared with their files; -1: never. */
  #checkedRewrites = -1;
  /** Next offset to index. */
  #position: number;
  #stopped = false;
  #cancelWait: (() => void) | null = null;
  #wakeLoop: (() => void) | null = null;
  #running: Promise<void> = Promise.resolve();
  /** Rebuilds in progress, so concurrent searches share one. */
  #rebuilding = new Map<number, Promise<SegmentIndex>>();
  /** Saves and manifest writes, one at a time (the manifest is replaced through one temp file). */
  #writes: Promise<void> = Promise.resolve();

  private constructor(partition: SearchablePartition, options: IndexerOptions, resumeOffset: number, sealed: ChunkRange[]) {
    this.partition = partition;
    this.#cache = options.cache;
    this.#sealedSearchedElsewhere = options.sealedSearchedElsewhere ?? false;
    this.#logger = options.logger;
    this.#counters = options.counters;
    this.#sealed = sealed;
    // Listed in the manifest: saved (a missing or corrupt file is found when loaded, and rebuilt).
    if (partition.dir !== null) for (const chunk of sealed) this.#savedVersions.set(chunk.baseOffset, nextSavedVersion++);
    this.#active = new SegmentIndex(partition.topic, partition.index, resumeOffset);
    this.#activeFrom = resumeOffset;
    this.#activeSegmentBase = this.#segmentBaseFor(resumeOffset);
    this.#position = resumeOffset;
  }

  /** Opens the indexer at its manifest's resume point and starts following the log. */
  static start(partition: SearchablePartition, options: IndexerOptions): PartitionIndexer {
    const manifest = partition.dir === null ? null : readManifest(partition.dir, options.logger);
    const resumeOffset = manifest?.resumeOffset ?? 0;
    const indexer = new PartitionIndexer(partition, options, resumeOffset, manifest?.chunks ?? []);
    indexer.#deleteUnlistedFiles();
    indexer.#refresh();
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

  /** Sealed chunks waiting for their rebuild (for tests and stats). */
  get staleChunkCount(): number {
    return this.#stale.size;
  }

  /** Handles on every segment index of the partition, sealed ones loaded (or rebuilt when stale) on demand. */
  handles(): IndexHandle[] {
    this.#refresh();
    const { topic, index: partition, dir } = this.partition;
    const sealed = this.#sealed.map((segment): IndexHandle => {
      const handle: IndexHandle = { topic, partition, baseOffset: segment.baseOffset, load: () => this.#loadSealed(segment) };
      const version = this.#savedVersions.get(segment.baseOffset);
      if (dir !== null && version !== undefined && !this.#stale.has(segment.baseOffset)) {
        handle.saved = { dir, version };
        if (this.#sealedSearchedElsewhere) handle.release = () => this.#cache.delete(this.#cacheKey(segment.baseOffset));
      }
      return handle;
    });
    const active = this.#active;
    return [...sealed, { topic, partition, baseOffset: active.baseOffset, load: async () => active }];
  }

  /** Stops following the log and waits for the current step to finish. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#cancelWait?.();
    this.#wakeLoop?.();
    await this.#running;
    await this.#writes.catch(() => {});
  }

  async #run(): Promise<void> {
    let missingRebuilt = false;
    while (!this.#stopped) {
      try {
        await this.#waitForData();
        if (this.#stopped) return;
        this.#refresh();
        await this.#catchUp();
        if (!missingRebuilt) {
          // After catching up, so a restart makes new records searchable before old indexes are repaired.
          missingRebuilt = true;
          await this.rebuildMissing();
        }
        await this.#rebuildStale();
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
      if (this.#position < log.logStartOffset) {
        // Offsets below the log start are gone; an active chunk holding some of them is stale (see #refresh).
        if (this.#position === this.#activeFrom) this.#activeFrom = log.logStartOffset;
        this.#position = log.logStartOffset;
      }
      let read: Awaited<ReturnType<IndexedLog["read"]>>;
      try {
        read = await log.read(this.#position, indexReadBytesMax);
      } catch (error) {
        if (error instanceof OffsetOutOfRangeError) continue;
        throw error;
      }
      if (read.bytes.length === 0) return;
      const batches = decodeRecordBatches(read.bytes);
      if (batches.length === 0) return;
      // One read never crosses a segment, and the segment's file exists before its data is readable.
      await this.#followSegment(read.source ?? this.#sourceAfterRead(batches[0].header.baseOffset));
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

  /** Notes which segment file a read came from: a new segment seals the active chunk; another file under the same name taints it. */
  async #followSegment(source: SegmentSource): Promise<void> {
    if (source.baseOffset > this.#activeSegmentBase) {
      await this.#seal(this.#position);
      this.#activeSegmentBase = source.baseOffset;
      this.#activeIdentity = this.#confirmed(source);
    } else if (this.#activeIdentity === undefined) {
      this.#activeIdentity = this.#confirmed(source);
    } else if (this.#activeIdentity !== source.identity) {
      this.#activeIdentity = null;
    }
  }

  /**
   * The identity of the file a read came from, if the segment is still that file; else null
   * (stale). Compaction reported before this look has replaced the file already, so this catches
   * a replacement whose report #refresh took in while the read was in flight.
   */
  #confirmed(source: SegmentSource): string | null {
    const dir = this.partition.dir;
    if (dir === null) return source.identity;
    const current = segmentIdentity(dir, source.baseOffset);
    return current === null || current === source.identity ? source.identity : null;
  }

  /**
   * For a log that does not say where a read came from (a FileLog read in process): the file
   * there now. Compaction renaming a file over it between the read and this look goes unnoticed,
   * which the segment file reader (the broker's search worker) rules out by reporting the file it read.
   */
  #sourceAfterRead(offset: number): SegmentSource {
    const baseOffset = this.#segmentBaseFor(offset);
    const dir = this.partition.dir;
    return { baseOffset, identity: dir === null ? "memory" : (segmentIdentity(dir, baseOffset) ?? "missing") };
  }

  /** The active chunk is complete: save it, list it in the manifest, start the next at `nextBase`. */
  async #seal(nextBase: number): Promise<void> {
    const finished = this.#sealActive(nextBase);
    if (finished !== null) await this.#persist(finished);
  }

  /**
   * Lists the active chunk as sealed and starts the next at `nextBase`; returns the chunk's
   * index, to be saved, or null when there is nothing to save (an empty chunk is skipped).
   */
  #sealActive(nextBase: number): SegmentIndex | null {
    const finished = this.#active;
    if (finished.docCount === 0 && nextBase === finished.baseOffset) return null;
    this.#active = new SegmentIndex(this.partition.topic, this.partition.index, nextBase);
    this.#sealed.push({ baseOffset: finished.baseOffset, endOffset: nextBase, fromOffset: this.#activeFrom, identity: this.#activeIdentity ?? null });
    this.#activeFrom = nextBase;
    this.#cache.put(this.#cacheKey(finished.baseOffset), finished);
    return finished;
  }

  /** Saves `index` (when given) and then the manifest as it is by then; writes run one at a time. */
  #persist(index: SegmentIndex | null): Promise<void> {
    const dir = this.partition.dir;
    if (dir === null) return Promise.resolve();
    const write = this.#writes.catch(() => {}).then(async () => {
      if (index !== null) {
        await saveSegmentIndex(dir, index);
        this.#savedAgain(index.baseOffset);
      }
      await writeManifest(dir, { resumeOffset: this.#active.baseOffset, chunks: this.#sealed });
    });
    this.#writes = write;
    return write;
  }

  /**
   * Brings the chunks in line with the log as it is now: an active chunk that turned stale is
   * sealed, chunks below the log start go, and stale sealed chunks are marked for rebuilding.
   * Synchronous, so a search that calls it never sees a stale chunk.
   */
  #refresh(): void {
    const { log, dir } = this.partition;
    const rewrites = log.segmentsRewritten ?? 0;
    const checkFiles = rewrites !== this.#checkedRewrites;
    this.#checkedRewrites = rewrites;
    if (this.#activeIsStale(checkFiles)) {
      // Sealed where indexing stands; its records are read again from the log by the rebuild.
      const finished = this.#sealActive(this.#position);
      this.#activeIdentity = undefined;
      if (finished !== null) {
        this.#cache.delete(this.#cacheKey(finished.baseOffset));
        this.#persist(null).catch((error: unknown) => this.#logger.warn("Cannot write the search manifest", { partition: this.key, error: error as Error }));
      }
    }
    this.#dropExpiredChunks();
    const fresh = this.#sealed.filter((chunk) => !this.#stale.has(chunk.baseOffset));
    for (const chunk of staleChunks(fresh, { logStartOffset: log.logStartOffset, dir, checkFiles })) {
      this.#stale.add(chunk.baseOffset);
      this.#savedVersions.delete(chunk.baseOffset);
      this.#cache.delete(this.#cacheKey(chunk.baseOffset));
    }
  }

  /** True when the active chunk holds documents below the log start, or read from a segment file that compaction replaced since. */
  #activeIsStale(checkFiles: boolean): boolean {
    if (this.#position <= this.#activeFrom) return false;
    if (this.#activeFrom < this.partition.log.logStartOffset) return true;
    const dir = this.partition.dir;
    if (dir === null || this.#activeIdentity === undefined || (!checkFiles && this.#activeIdentity !== null)) return false;
    const current = segmentIdentity(dir, this.#activeSegmentBase);
    return current !== null && current !== this.#activeIdentity;
  }

  /** The base of the segment holding `offset`: the last .log file at or below it. */
  #segmentBaseFor(offset: number): number {
    const dir = this.partition.dir;
    if (dir === null) return 0;
    return segmentBaseOf(listSegmentBaseOffsets(dir), offset);
  }

  /** Chunks wholly below the log start (their segments deleted by retention) go, with their .search files. */
  #dropExpiredChunks(): void {
    const logStart = this.partition.log.logStartOffset;
    if (this.#sealed.length === 0 || this.#sealed[0].endOffset > logStart) return;
    const expired = this.#sealed.filter((chunk) => chunk.endOffset <= logStart);
    this.#sealed = this.#sealed.filter((chunk) => chunk.endOffset > logStart);
    for (const chunk of expired) {
      this.#stale.delete(chunk.baseOffset);
      this.#savedVersions.delete(chunk.baseOffset);
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

  /** The chunk at `base` was saved: a new version, when it is still sealed and fresh. */
  #savedAgain(base: number): void {
    if (this.#stale.has(base) || !this.#sealed.some((chunk) => chunk.baseOffset === base)) return;
    this.#savedVersions.set(base, nextSavedVersion++);
  }

  #cacheKey(baseOffset: number): string {
    return `${this.key}/${baseOffset}`;
  }

  async #loadSealed(chunk: ChunkRange): Promise<SegmentIndex> {
    // A stale chunk's file and cached index describe records the log no longer has.
    const key = this.#cacheKey(chunk.baseOffset);
    if (this.#stale.has(chunk.baseOffset)) {
      const rebuilt = await this.#rebuild(chunk);
      if (!this.#stale.has(chunk.baseOffset)) this.#cache.put(key, rebuilt);
      return rebuilt;
    }
    const cached = this.#cache.get(key);
    if (cached) return cached;
    const dir = this.partition.dir;
    let index: SegmentIndex | null = null;
    if (dir !== null) {
      try {
        index = await loadSegmentIndex(dir, chunk.baseOffset);
      } catch (error) {
        if (!(error instanceof CorruptIndexFileError)) throw error;
        this.#logger.warn("Rebuilding a corrupt search index from the log", { partition: this.key, base: chunk.baseOffset, error });
      }
    }
    index ??= await this.#rebuild(chunk);
    this.#cache.put(key, index);
    return index;
  }

  /** Indexes a sealed chunk again from the log, saves it, and records what it was read from. */
  #rebuild(chunk: ChunkRange): Promise<SegmentIndex> {
    const existing = this.#rebuilding.get(chunk.baseOffset);
    if (existing) return existing;
    const rebuild = (async () => {
      const { log, dir } = this.partition;
      const fromOffset = Math.max(chunk.baseOffset, log.logStartOffset);
      // Looked at before reading: if compaction replaces the file during the rebuild, the two looks differ.
      const identityBefore = dir === null ? null : segmentIdentity(dir, this.#segmentBaseFor(chunk.baseOffset));
      const index = await this.#indexRange(chunk.baseOffset, fromOffset, chunk.endOffset);
      const identityAfter = dir === null ? null : segmentIdentity(dir, this.#segmentBaseFor(chunk.baseOffset));
      if (dir !== null) await saveSegmentIndex(dir, index);
      chunk.fromOffset = fromOffset;
      // Replaced during the rebuild: what was read may be either file, so it stays stale.
      const replaced = identityBefore !== identityAfter;
      chunk.identity = replaced ? null : identityBefore;
      if (!replaced) this.#stale.delete(chunk.baseOffset);
      if (dir !== null && !replaced) this.#savedAgain(chunk.baseOffset);
      if (this.#sealed.includes(chunk)) await this.#persist(null);
      else if (dir !== null) this.#deleteFile(dir, chunk.baseOffset);
      this.#logger.info("Rebuilt search index from the log", { partition: this.key, base: chunk.baseOffset, documents: index.docCount });
      return index;
    })().finally(() => this.#rebuilding.delete(chunk.baseOffset));
    this.#rebuilding.set(chunk.baseOffset, rebuild);
    return rebuild;
  }

  /** A new index with base `baseOffset` of the records from `fromOffset` up to `endOffset`, read from the log. */
  async #indexRange(baseOffset: number, fromOffset: number, endOffset: number): Promise<SegmentIndex> {
    const index = new SegmentIndex(this.partition.topic, this.partition.index, baseOffset);
    let position = fromOffset;
    while (position < endOffset) {
      let bytes: Uint8Array;
      try {
        bytes = (await this.partition.log.read(position, indexReadBytesMax)).bytes;
      } catch (error) {
        // The log start moved past the rest: those records are gone, and the chunk expires.
        if (error instanceof OffsetOutOfRangeError) break;
        throw error;
      }
      const batches = decodeRecordBatches(bytes);
      // Compaction may have removed the range's last records: the log then answers from beyond it.
      const inRange = batches.filter((batch) => batch.header.baseOffset < endOffset);
      if (inRange.length === 0) break;
      for (const batch of inRange) {
        if (!batch.isControl) for (const record of batch.records) if (record.offset >= position) index.add(recordToDocument(record, this.#counters));
        position = batch.header.baseOffset + batch.header.lastOffsetDelta + 1;
        index.advanceEndOffset(position);
      }
      await yieldToEventLoop();
    }
    return index;
  }

  /** Rebuilds the stale chunks one at a time, bounded by their number now (each rebuild reads one chunk of the log). */
  async #rebuildStale(): Promise<void> {
    for (const chunk of this.#sealed.filter((candidate) => this.#stale.has(candidate.baseOffset))) {
      if (this.#stopped) return;
      await this.#rebuild(chunk);
    }
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
