// Follows one searchable partition: reads what the log has made readable since the indexer's
// resume point, turns records into documents and adds them to the live segment (memory,
// searchable at once). The live segment is sealed into a compact file (sealed-segment-writer.ts)
// when the log rolls a segment (so retention drops whole chunks with their segments) or when it
// reaches its size limit (so memory does not grow with the data). A sealed chunk is listed in
// the manifest (index-manifest.ts) with the new resume point; after a crash, indexing resumes
// there: the live segment is indexed again from its base, so every record is indexed exactly
// once. Small chunks of one log segment are merged in the background (merge-policy.ts), so a
// partition has tens of chunks, not thousands. A missing or corrupt chunk file is rebuilt from
// the log.
//
// The log changes data it made readable in three ways, and the chunks follow:
// - retention deletes whole segments: their chunks go with them (expired);
// - DeleteRecords moves the log start inside a chunk, and compaction replaces a sealed
//   segment's file with one holding fewer records: the chunk is stale (chunk-freshness.ts).
//   A stale chunk is never searched as it is: a search waits for its rebuild from the log, and
//   the indexer rebuilds stale chunks after catching up. A live segment that turns stale is
//   sealed on the spot (without a file), then rebuilt the same way.
// The log reports compactions with a counter (IndexedLog.segmentsRewritten); each chunk keeps
// the identity of the segment file it was read from and the lowest offset it holds, in the
// manifest, so a restart notices a change it missed.
//
// It runs as an async task that yields to the event loop every indexSliceMs; the broker runs
// it in the search worker (search-worker.ts), off the produce path.

import fs from "node:fs";
import path from "node:path";
import type { Logger } from "../logger.ts";
import { type DecodedBatch, decodeRecordBatches } from "../records/decode-batches.ts";
import type { HistogramChild } from "../metrics/registry.ts";
import { OffsetOutOfRangeError } from "../storage/partition-log.ts";
import { listSegmentBaseOffsets } from "../storage/segment.ts";
import type { AbortedBatches } from "./aborted-batches.ts";
import type { BacklogChunk, BacklogIndexer, BacklogJob } from "./backlog-chunk.ts";
import { segmentBaseOf, staleChunks } from "./chunk-freshness.ts";
import type { DocumentCounters } from "./document.ts";
import { type ChunkRange, chunkFileName, listSearchFiles, readManifest, writeManifest } from "./index-manifest.ts";
import { asWork, collectNow } from "./garbage.ts";
import { LiveSegment } from "./live-segment.ts";
import { addBatch, batchPositions, indexLogRange, indexReadBytesMax, yieldToEventLoop } from "./range-indexer.ts";
import { type Merger, mergeChunkFiles } from "./merge.ts";
import { chooseMerge } from "./merge-policy.ts";
import { SearchChangedError, type SearchSegment } from "./search-segment.ts";
import { CorruptIndexFileError, openSealedSegment } from "./sealed-segment.ts";
import { writeSealedSegment } from "./sealed-segment-writer.ts";
import type { IndexHandle } from "./searcher.ts";
import type { IndexedLog } from "./segment-file-reader.ts";
import { segmentIdentity, type SegmentSource } from "./segment-source.ts";

/** What the indexer needs of a partition; the engine's Partition provides it. */
export interface SearchablePartition {
  readonly topic: string;
  readonly index: number;
  readonly log: IndexedLog;
  /** Folder of the partition's segments, where chunk files go; null for a log kept in memory. */
  readonly dir: string | null;
  /** Calls `wake` once when new data becomes readable; returns a function that cancels the wait. */
  onNextData(wake: () => void): () => void;
  /** Aborted transactions whose abort marker is at or after `offset` (absent: the log has no transactions). */
  abortedSince?(offset: number): Array<{ producerId: number; firstOffset: number; lastOffset: number }>;
}

/** Longest stretch of indexing between yields to the event loop, so requests wait at most about this long. */
export const indexSliceMs = 4;
/** Longest wait for a wake-up before looking at the log anyway (a missed wake costs at most this). */
export const indexPollMs = 1000;
/** The largest live segment: its estimated heap bytes when sealed, whatever the memory budget allows. */
export const liveBytesMax = 32 * 1024 * 1024;
/** The smallest: below this, chunks would be too small to be worth a file each (merging joins them later). */
export const liveBytesMin = 256 * 1024;
/** A stretch handed to the backlog indexer is at least a live segment's worth divided by this (the end of a backlog). */
const backlogShareMin = 4;

/** What indexing measures for /metrics, shared by a service's indexers. */
export interface IndexMeasures {
  /** Records added to indexes (by this thread or the backlog thread). */
  indexedRecords: number;
  /** Seconds each record batch took to index. */
  batchSeconds: HistogramChild;
}

/** Told as an indexer starts each step (the crash tests kill an indexer at them). */
export interface IndexerObserver {
  /** A live segment is being written out as a sealed chunk. */
  sealing?(): void;
  /** Chunks are being merged into one. */
  merging?(): void;
  /** A chunk the backlog thread indexed ahead was taken. */
  tookAhead?(): void;
}

interface IndexerOptions {
  logger: Logger;
  counters: DocumentCounters;
  measures?: IndexMeasures;
  /** The live segment's size limit now (the service shares --search-memory-mb between partitions); liveBytesMax when absent. */
  liveBytesLimit?: () => number;
  /** Whether to merge small chunks (tests of other behaviour turn it off to keep chunks as sealed). */
  merge?: boolean;
  /** Where merges run: the search worker's merge thread; in this thread when absent. */
  merger?: Merger;
  /** Who indexes stretches of a backlog ahead of this indexer (the search worker's backlog thread); nobody when absent. */
  backlog?: BacklogIndexer;
  observer?: IndexerObserver;
}

/** Versions of written chunk files, unique in this thread: a query thread reopens a chunk whose version changed. */
let nextVersion = 1;

interface SealedChunk extends ChunkRange {
  /** The chunk's segment once opened (or, for a log in memory, the sealed live segment); null until then. */
  segment: SearchSegment | null;
  /** Changes whenever the chunk's file is written; undefined while the chunk has no current file. */
  version?: number;
}

export class PartitionIndexer {
  readonly partition: SearchablePartition;
  #logger: Logger;
  #counters: DocumentCounters;
  #measures: IndexMeasures | null;
  #observer: IndexerObserver;
  /** performance.now() when this indexer last found records it had not indexed, while it still has; null when caught up. */
  #behindSinceMs: number | null = null;
  #liveBytesLimit: () => number;
  #merge: boolean;
  #merger: Merger;
  /** The merges running in the background, if any. */
  #merging: Promise<void> | null = null;
  #sealed: SealedChunk[];
  /** Sealed chunks that no longer match the log (or have no good file): rebuilt before they are searched. */
  #stale = new Set<SealedChunk>();
  #live: LiveSegment;
  /** The lowest offset the live segment's documents may have (its base, or the log start when that was higher). */
  #liveFrom: number;
  /** The file its records were read from; undefined before the first read, null when reads came from more than one. */
  #liveIdentity: string | null | undefined = undefined;
  /** IndexedLog.segmentsRewritten when the chunks were last compared with their files; -1: never. */
  #checkedRewrites = -1;
  /** Next offset to index. */
  #position: number;
  #stopped = false;
  #cancelWait: (() => void) | null = null;
  #wakeLoop: (() => void) | null = null;
  #running: Promise<void> = Promise.resolve();
  /** Rebuilds in progress, so concurrent searches share one. */
  #rebuilding = new Map<SealedChunk, Promise<void>>();
  /** File and manifest writes, one at a time (the manifest is replaced through one temp file). */
  #writes: Promise<void> = Promise.resolve();
  #backlog: BacklogIndexer | null;
  /** The stretch ahead the backlog indexer is indexing, taken when indexing reaches its start. */
  #ahead: { job: BacklogJob; chunk: Promise<BacklogChunk | null> } | null = null;
  /** Documents of the last live segment sealed at its size limit: the size of a stretch handed ahead. */
  #fullLiveDocs = 0;

  private constructor(partition: SearchablePartition, options: IndexerOptions, resumeOffset: number, sealed: ChunkRange[]) {
    this.partition = partition;
    this.#logger = options.logger;
    this.#counters = options.counters;
    this.#measures = options.measures ?? null;
    this.#observer = options.observer ?? {};
    this.#liveBytesLimit = options.liveBytesLimit ?? (() => liveBytesMax);
    this.#merge = options.merge ?? true;
    this.#merger = options.merger ?? mergeChunkFiles;
    this.#backlog = options.backlog ?? null;
    this.#sealed = sealed.map((chunk) => ({ ...chunk, segment: null, version: nextVersion++ }));
    this.#position = resumeOffset;
    this.#liveFrom = resumeOffset;
    this.#live = this.#newLive(resumeOffset);
    // A listed chunk without its file (deleted, or a crash of an older version) is rebuilt.
    const dir = partition.dir;
    if (dir !== null) for (const chunk of this.#sealed) if (!fs.existsSync(path.join(dir, chunkFileName(chunk)))) this.#markStale(chunk);
  }

  /** Opens the indexer at its manifest's resume point and starts following the log. */
  static start(partition: SearchablePartition, options: IndexerOptions): PartitionIndexer {
    const manifest = partition.dir === null ? null : readManifest(partition.dir, options.logger);
    const indexer = new PartitionIndexer(partition, options, manifest?.resumeOffset ?? 0, manifest?.chunks ?? []);
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

  /** Records readable but not yet searchable, and for how long indexing has been behind (0 when caught up). */
  lag(nowMs: number): { records: number; seconds: number } {
    const records = Math.max(0, this.partition.log.highWatermark - this.#position);
    return { records, seconds: records === 0 || this.#behindSinceMs === null ? 0 : Math.max(0, nowMs - this.#behindSinceMs) / 1000 };
  }

  /** Heap bytes of the live segment (the rest of the index is in files). */
  get liveBytes(): number {
    return this.#live.heapBytes;
  }

  /** Heap bytes of everything this indexer holds: the live segment and the open sealed ones. */
  get heapBytes(): number {
    let bytes = this.#live.heapBytes;
    for (const chunk of this.#sealed) bytes += chunk.segment?.heapBytes ?? 0;
    return bytes;
  }

  /**
   * The sealed chunk holding `offset` no longer matches the log (a search could not read one of
   * its records back): it is rebuilt before it is searched again, whatever the file checks said.
   */
  markStaleAt(offset: number): void {
    const chunk = this.#sealed.find((candidate) => candidate.baseOffset <= offset && offset < candidate.endOffset);
    if (chunk === undefined || this.#stale.has(chunk)) return;
    this.#logger.warn("A search index chunk no longer matches the log; rebuilding it", { partition: this.key, base: chunk.baseOffset, offset });
    this.#markStale(chunk);
  }

  /** Sealed chunks waiting for their rebuild (for tests and stats). */
  get staleChunkCount(): number {
    return this.#stale.size;
  }

  /** Sealed chunks (for tests and stats). */
  get sealedChunkCount(): number {
    return this.#sealed.length;
  }

  /**
   * Handles on every segment of the partition, after rebuilding the stale chunks (a search never
   * sees records the log no longer has); sealed ones are opened on demand.
   */
  async handles(): Promise<IndexHandle[]> {
    this.#refresh();
    for (const chunk of [...this.#stale]) await this.#rebuild(chunk);
    const { topic, index: partition, dir } = this.partition;
    const sealed = this.#sealed.map((chunk): IndexHandle => {
      // Opened now: a merge may delete the file before the search gets to it, while an open
      // (mapped) segment stays readable for as long as the search holds it.
      if (chunk.segment === null && dir !== null && !this.#stale.has(chunk)) chunk.segment = this.#tryOpen(dir, chunk);
      const handle: IndexHandle = { topic, partition, baseOffset: chunk.baseOffset, load: async () => this.#open(chunk) };
      if (dir !== null && chunk.version !== undefined && !this.#stale.has(chunk)) handle.saved = { dir, file: chunkFileName(chunk), version: chunk.version };
      return handle;
    });
    const live = this.#live;
    return [...sealed, { topic, partition, baseOffset: live.baseOffset, load: async () => live }];
  }

  /** Stops following the log and waits for the current step to finish. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#cancelWait?.();
    this.#wakeLoop?.();
    await this.#running;
    await this.#merging;
    await this.#writes.catch(() => {});
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        await this.#waitForData();
        if (this.#stopped) return;
        this.#behindSinceMs ??= performance.now();
        this.#refresh();
        await asWork(() => this.#catchUp(), false);
        if (this.#position >= this.partition.log.highWatermark) this.#behindSinceMs = null;
        // After catching up, so a restart makes new records searchable before old chunks are repaired.
        for (const chunk of [...this.#stale]) {
          if (this.#stopped) return;
          await this.#rebuild(chunk);
        }
        if (this.#merge) this.#startMerging();
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
        // Offsets below the log start are gone; a live segment holding some of them is stale (see #refresh).
        if (this.#position === this.#liveFrom) this.#liveFrom = log.logStartOffset;
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
      const positions = batchPositions(batches, read.position);
      for (const [i, batch] of batches.entries()) {
        const batchEnd = batch.header.baseOffset + batch.header.lastOffsetDelta + 1;
        if (batchEnd <= this.#position) continue;
        const ahead = this.#ahead;
        if (ahead !== null && batchEnd > ahead.job.fromOffset) {
          // Up to where the stretch ahead starts, then its chunk; the log is read again from where that ends.
          if (this.#position < ahead.job.fromOffset) this.#add(batch, positions[i], ahead.job.fromOffset, log.aborted);
          this.#position = ahead.job.fromOffset;
          this.#live.advanceEndOffset(this.#position);
          await this.#takeAhead();
          break;
        }
        if (this.#live.heapBytes >= this.#liveBytesLimit()) {
          this.#fullLiveDocs = this.#live.docCount;
          await this.#seal(this.#position);
        }
        if (this.#live.docCount === 0) this.#handAhead();
        this.#add(batch, positions[i], batchEnd, log.aborted);
        this.#position = batchEnd;
        this.#live.advanceEndOffset(batchEnd);
        if (performance.now() - sliceStarted >= indexSliceMs) {
          await yieldToEventLoop();
          sliceStarted = performance.now();
        }
      }
      await yieldToEventLoop();
    }
  }

  /** Adds the batch's records from the current position up to `end` to the live segment, measuring it. */
  #add(batch: DecodedBatch, position: number, end: number, aborted: AbortedBatches | undefined): void {
    const measures = this.#measures;
    if (measures === null) {
      addBatch(this.#live, batch, position, { from: this.#position, end }, this.#counters, aborted);
      return;
    }
    const startedAt = performance.now();
    const documentsBefore = this.#live.docCount;
    addBatch(this.#live, batch, position, { from: this.#position, end }, this.#counters, aborted);
    measures.indexedRecords += this.#live.docCount - documentsBefore;
    measures.batchSeconds.observe((performance.now() - startedAt) / 1000);
  }

  /**
   * With a new live segment and a backlog of at least two more, hands the stretch after the next
   * live segment's worth to the backlog indexer, within the log segment being read. Sized as the
   * last full live segment (or half the backlog, if less), so the backlog indexer's chunk is
   * about done when indexing gets there.
   */
  #handAhead(): void {
    const backlog = this.#backlog;
    const dir = this.partition.dir;
    if (backlog === null || dir === null || this.#ahead !== null || backlog.busy || this.#fullLiveDocs === 0) return;
    // A chunk ahead is taken only if read from the file the live segment is read from: unknown or mixed, none is handed.
    if (this.#liveIdentity === undefined || this.#liveIdentity === null) return;
    const { log } = this.partition;
    // The end of a backlog is shared in halves too, down to a quarter of a live segment each.
    const stretch = Math.min(this.#fullLiveDocs, Math.floor((log.highWatermark - this.#position) / 2));
    if (stretch < this.#fullLiveDocs / backlogShareMin) return;
    const fromOffset = this.#position + stretch;
    const nextSegmentBase = listSegmentBaseOffsets(dir).find((base) => base > this.#position) ?? Infinity;
    const endOffset = Math.min(fromOffset + stretch, nextSegmentBase);
    if (fromOffset >= endOffset) return;
    const { topic, index: partition } = this.partition;
    const job: BacklogJob = {
      dir,
      topic,
      partition,
      fromOffset,
      endOffset,
      logSegmentBase: this.#live.logSegmentBase,
      logStartOffset: log.logStartOffset,
      highWatermark: log.highWatermark,
      aborted: log.aborted?.rangesIn(fromOffset, endOffset) ?? [],
      bytesLimit: this.#liveBytesLimit(),
    };
    const chunk = backlog.index(job).catch((error: unknown) => {
      this.#logger.warn("Indexing a backlog stretch ahead failed; indexing it here", { partition: this.key, base: fromOffset, error: error as Error });
      return null;
    });
    this.#ahead = { job, chunk };
  }

  /**
   * Indexing has reached the stretch ahead: the live segment is sealed there, and the stretch's
   * chunk is listed as if sealed here, unless the log changed under it (it is then deleted, and
   * indexing goes on from its start).
   */
  async #takeAhead(): Promise<void> {
    const { job, chunk: pending } = this.#ahead!;
    this.#ahead = null;
    await this.#seal(this.#position);
    const chunk = await pending;
    if (chunk === null) return;
    const dir = this.partition.dir!;
    const file = chunkFileName(chunk);
    const { log } = this.partition;
    const current = segmentIdentity(dir, job.logSegmentBase);
    if (this.#stopped || this.#position !== job.fromOffset || this.#live.docCount !== 0 || log.logStartOffset > job.fromOffset || current !== chunk.identity || this.#liveIdentity !== chunk.identity) {
      this.#deleteFile(dir, file);
      return;
    }
    this.#sealed.push({ baseOffset: chunk.baseOffset, endOffset: chunk.endOffset, fromOffset: chunk.baseOffset, identity: chunk.identity, segment: null, version: nextVersion++ });
    this.#counters.binaryValues += chunk.binaryValues;
    if (this.#measures !== null) this.#measures.indexedRecords += chunk.documents;
    this.#position = chunk.endOffset;
    this.#live = this.#newLive(chunk.endOffset, job.logSegmentBase);
    this.#liveFrom = chunk.endOffset;
    this.#logger.debug("Took a search index chunk indexed ahead", { partition: this.key, base: chunk.baseOffset, documents: chunk.documents });
    this.#observer.tookAhead?.();
    await this.#persist(null);
  }

  /** Notes which segment file a read came from: a new segment seals the live segment; another file under the same name taints it. */
  async #followSegment(source: SegmentSource): Promise<void> {
    if (source.baseOffset > this.#live.logSegmentBase) {
      await this.#seal(this.#position, source.baseOffset);
      this.#liveIdentity = this.#confirmed(source);
    } else if (this.#liveIdentity === undefined) {
      this.#liveIdentity = this.#confirmed(source);
    } else if (this.#liveIdentity !== source.identity) {
      this.#liveIdentity = null;
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

  #newLive(baseOffset: number, logSegmentBase = this.#segmentBaseFor(baseOffset)): LiveSegment {
    return new LiveSegment(this.partition.topic, this.partition.index, baseOffset, logSegmentBase);
  }

  /**
   * The live segment is complete: it becomes a sealed chunk (searched as it is until its file is
   * written), and the next live segment starts at `nextBase`. An empty segment is skipped.
   */
  async #seal(nextBase: number, nextLogSegmentBase?: number): Promise<void> {
    await this.#sealLive(nextBase, nextLogSegmentBase);
    // Here, not in #sealLive, whose frame still holds the sealed live segment: collected there,
    // the whole segment was marked as live and only freed a seal later.
    collectNow();
  }

  async #sealLive(nextBase: number, nextLogSegmentBase?: number): Promise<void> {
    const finished = this.#live;
    this.#live = this.#newLive(nextBase, nextLogSegmentBase);
    const identity = this.#liveIdentity ?? null;
    const fromOffset = this.#liveFrom;
    this.#liveFrom = nextBase;
    if (nextLogSegmentBase !== undefined || this.#liveIdentity === null) this.#liveIdentity = undefined;
    if (finished.docCount === 0 && nextBase === finished.baseOffset) return;
    finished.advanceEndOffset(nextBase);
    const chunk: SealedChunk = { baseOffset: finished.baseOffset, endOffset: nextBase, fromOffset, identity, segment: finished };
    this.#sealed.push(chunk);
    await this.#persist(async (dir) => {
      this.#logger.debug("Sealing a search index chunk", { partition: this.key, base: chunk.baseOffset, documents: finished.docCount });
      this.#observer.sealing?.();
      await writeSealedSegment(path.join(dir, chunkFileName(chunk)), [finished]);
      if (!this.#sealed.includes(chunk) || this.#stale.has(chunk)) return [chunkFileName(chunk)];
      // Opened again when this thread searches it; usually a query thread does.
      chunk.segment = null;
      chunk.version = nextVersion++;
      return [];
    });
  }

  /**
   * Runs `write` (when the log is on disk), then writes the manifest as it is by then, then
   * deletes the files `write` returned (no longer listed); one at a time. The manifest lists the
   * chunks up to the first one whose file is not written yet, and resumes indexing there.
   */
  #persist(write: ((dir: string) => Promise<string[]>) | null): Promise<void> {
    const dir = this.partition.dir;
    if (dir === null) return Promise.resolve();
    const done = this.#writes.catch(() => {}).then(async () => {
      const unlisted = write === null ? [] : await write(dir);
      const pending = this.#sealed.findIndex((chunk) => chunk.version === undefined && !this.#stale.has(chunk));
      const listed = pending < 0 ? this.#sealed : this.#sealed.slice(0, pending);
      const resumeOffset = pending < 0 ? this.#live.baseOffset : this.#sealed[pending].baseOffset;
      await writeManifest(dir, { resumeOffset, chunks: listed.map(({ baseOffset, endOffset, fromOffset, identity }) => ({ baseOffset, endOffset, fromOffset, identity })) });
      for (const name of unlisted) this.#deleteFile(dir, name);
    });
    this.#writes = done;
    return done;
  }

  /**
   * Brings the chunks in line with the log as it is now: a live segment that turned stale is
   * sealed, chunks below the log start go, and stale sealed chunks are marked for rebuilding.
   * Synchronous, so a search that calls it never sees a stale chunk.
   */
  #refresh(): void {
    const { log, dir } = this.partition;
    const rewrites = log.segmentsRewritten ?? 0;
    const checkFiles = rewrites !== this.#checkedRewrites;
    this.#checkedRewrites = rewrites;
    if (this.#liveIsStale(checkFiles)) {
      // Sealed where indexing stands, without a file: its records are read again from the log by the rebuild.
      const finished = this.#live;
      finished.advanceEndOffset(this.#position);
      const chunk: SealedChunk = { baseOffset: finished.baseOffset, endOffset: this.#position, fromOffset: this.#liveFrom, identity: null, segment: null };
      this.#sealed.push(chunk);
      this.#markStale(chunk);
      this.#live = this.#newLive(this.#position, finished.logSegmentBase);
      this.#liveFrom = this.#position;
      this.#liveIdentity = undefined;
      this.#persist(null).catch((error: unknown) => this.#logger.warn("Cannot write the search manifest", { partition: this.key, error: error as Error }));
    }
    this.#dropExpiredChunks();
    const fresh = this.#sealed.filter((chunk) => !this.#stale.has(chunk));
    for (const chunk of staleChunks(fresh, { logStartOffset: log.logStartOffset, dir, checkFiles })) this.#markStale(chunk as SealedChunk);
  }

  #markStale(chunk: SealedChunk): void {
    this.#stale.add(chunk);
    chunk.segment = null;
    chunk.version = undefined;
  }

  /** True when the live segment holds documents below the log start, or read from a segment file that compaction replaced since. */
  #liveIsStale(checkFiles: boolean): boolean {
    if (this.#position <= this.#liveFrom) return false;
    if (this.#liveFrom < this.partition.log.logStartOffset) return true;
    const dir = this.partition.dir;
    if (dir === null || this.#liveIdentity === undefined || (!checkFiles && this.#liveIdentity !== null)) return false;
    const current = segmentIdentity(dir, this.#live.logSegmentBase);
    return current !== null && current !== this.#liveIdentity;
  }

  /** The base of the segment holding `offset`: the last .log file at or below it. */
  #segmentBaseFor(offset: number): number {
    const dir = this.partition.dir;
    if (dir === null) return 0;
    return segmentBaseOf(listSegmentBaseOffsets(dir), offset);
  }

  /** Chunks wholly below the log start (their segments deleted by retention) go, with their files. */
  #dropExpiredChunks(): void {
    const logStart = this.partition.log.logStartOffset;
    if (this.#sealed.length === 0 || this.#sealed[0].endOffset > logStart) return;
    const expired = this.#sealed.filter((chunk) => chunk.endOffset <= logStart);
    this.#sealed = this.#sealed.filter((chunk) => chunk.endOffset > logStart);
    for (const chunk of expired) {
      this.#stale.delete(chunk);
      chunk.segment = null;
      if (this.partition.dir !== null) this.#deleteFile(this.partition.dir, chunkFileName(chunk));
    }
  }

  /** Deletes search files no chunk lists: a crash between a file and the manifest, merged inputs, files of earlier formats. */
  #deleteUnlistedFiles(): void {
    const dir = this.partition.dir;
    if (dir === null) return;
    const listed = new Set(this.#sealed.map(chunkFileName));
    for (const name of listSearchFiles(dir)) if (!listed.has(name)) this.#deleteFile(dir, name);
  }

  #deleteFile(dir: string, name: string): void {
    try {
      fs.rmSync(path.join(dir, name), { force: true });
    } catch (error) {
      this.#logger.warn("Cannot delete a search index file", { partition: this.key, file: name, error: error as Error });
    }
  }

  /** The chunk's file opened, or null when it is missing or damaged (#open then rebuilds it). */
  #tryOpen(dir: string, chunk: SealedChunk): SearchSegment | null {
    try {
      return openSealedSegment(dir, chunkFileName(chunk));
    } catch (error) {
      if (error instanceof CorruptIndexFileError) return null;
      throw error;
    }
  }

  /** The chunk's segment: open, opened from its file now, or (a damaged file) rebuilt from the log. */
  async #open(chunk: SealedChunk): Promise<SearchSegment> {
    if (chunk.segment !== null) return chunk.segment;
    const dir = this.partition.dir;
    if (dir !== null && !this.#stale.has(chunk)) {
      try {
        const segment = openSealedSegment(dir, chunkFileName(chunk));
        if (segment !== null) return (chunk.segment = segment);
        this.#logger.warn("Rebuilding a missing search index file from the log", { partition: this.key, base: chunk.baseOffset });
      } catch (error) {
        if (!(error instanceof CorruptIndexFileError)) throw error;
        this.#logger.warn("Rebuilding a damaged search index file from the log", { partition: this.key, base: chunk.baseOffset, error });
      }
      this.#markStale(chunk);
    }
    await this.#rebuild(chunk);
    // Rebuilt chunks replace `chunk` in the list; a search that held its handle gets them as one.
    const parts = this.#sealed.filter((other) => other.baseOffset >= chunk.baseOffset && other.endOffset <= chunk.endOffset);
    if (parts.length === 1 && parts[0].segment !== null) return parts[0].segment;
    throw new SearchChangedError(`Search index of ${this.key} at offset ${chunk.baseOffset} changed during the search`);
  }

  /**
   * Indexes a stale chunk again from the log, as one or more chunks of at most the live size
   * limit, saves them, and records what they were read from.
   */
  #rebuild(chunk: SealedChunk): Promise<void> {
    const existing = this.#rebuilding.get(chunk);
    if (existing) return existing;
    const rebuild = (async () => {
      const { log, dir } = this.partition;
      const fromOffset = Math.max(chunk.baseOffset, log.logStartOffset);
      const logSegmentBase = this.#segmentBaseFor(chunk.baseOffset);
      // Looked at before reading: if compaction replaces the file during the rebuild, the two looks differ.
      const identityBefore = dir === null ? null : segmentIdentity(dir, logSegmentBase);
      const { topic, index: partition } = this.partition;
      const segments = await indexLogRange(log, {
        topic,
        partition,
        baseOffset: chunk.baseOffset,
        fromOffset,
        endOffset: chunk.endOffset,
        logSegmentBase,
        counters: this.#counters,
        bytesLimit: this.#liveBytesLimit,
      });
      const identityAfter = dir === null ? null : segmentIdentity(dir, logSegmentBase);
      // Replaced during the rebuild: what was read may be either file, so it stays stale.
      if (identityBefore !== identityAfter || !this.#sealed.includes(chunk)) return;
      const rebuilt: SealedChunk[] = segments.map((segment, i) => ({
        baseOffset: segment.baseOffset,
        endOffset: segment.endOffset,
        fromOffset: i === 0 ? fromOffset : segment.baseOffset,
        identity: identityBefore,
        segment,
      }));
      await this.#persist(async (directory) => {
        for (const part of rebuilt) {
          const file = chunkFileName(part);
          await writeSealedSegment(path.join(directory, file), [part.segment as LiveSegment]);
          part.segment = openSealedSegment(directory, file) ?? part.segment;
          part.version = nextVersion++;
        }
        // Looked at again just before listing them: a compaction while the files were written,
        // whose report a refresh may have taken in already (so no later refresh compares these
        // chunks with their file), leaves the chunk stale instead of listing records it removed.
        if (segmentIdentity(directory, logSegmentBase) !== identityBefore) return rebuilt.map(chunkFileName);
        return this.#replace([chunk], rebuilt);
      });
      if (dir === null) this.#replace([chunk], rebuilt);
      this.#logger.info("Rebuilt search index from the log", { partition: this.key, base: chunk.baseOffset, documents: segments.reduce((sum, segment) => sum + segment.docCount, 0) });
    })().finally(() => this.#rebuilding.delete(chunk));
    this.#rebuilding.set(chunk, rebuild);
    return rebuild;
  }

  /**
   * Puts `replacements` where `chunks` were in the list (if they still are); returns the files
   * no longer listed, to delete once the manifest no longer lists them.
   */
  #replace(chunks: SealedChunk[], replacements: SealedChunk[]): string[] {
    const at = this.#sealed.indexOf(chunks[0]);
    const kept = new Set(replacements.map(chunkFileName));
    if (at < 0 || chunks.some((chunk, i) => this.#sealed[at + i] !== chunk)) return [...kept].filter((name) => !this.#sealed.some((chunk) => chunkFileName(chunk) === name));
    this.#sealed.splice(at, chunks.length, ...replacements);
    for (const chunk of chunks) this.#stale.delete(chunk);
    return chunks.map(chunkFileName).filter((name) => !kept.has(name));
  }

  /** Starts merging in the background, unless a merge is running: indexing and searches go on meanwhile. */
  #startMerging(): void {
    if (this.#merging !== null || this.partition.dir === null) return;
    this.#merging = this.#mergeSmallChunks(this.partition.dir)
      .catch((error: unknown) => this.#logger.error("Merging search index chunks failed; retrying later", { partition: this.key, error: error as Error }))
      .finally(() => (this.#merging = null));
  }

  /** Merges runs of small chunks the merge policy picks, one merge at a time, until it picks none. */
  async #mergeSmallChunks(dir: string): Promise<void> {
    while (!this.#stopped) {
      const run = this.#nextMerge(dir);
      if (run === null) return;
      await this.#mergeRun(dir, run);
    }
  }

  /** The chunks the merge policy would merge now; null when none are due. */
  #nextMerge(dir: string): SealedChunk[] | null {
    const bases = listSegmentBaseOffsets(dir);
    const candidates = this.#sealed.map((chunk) => ({
      logSegmentBase: segmentBaseOf(bases, chunk.baseOffset),
      identity: chunk.identity,
      mergeable: chunk.version !== undefined && !this.#stale.has(chunk) && chunk.identity !== null,
      bytes: chunk.version === undefined ? 0 : fileBytes(path.join(dir, chunkFileName(chunk))),
      firstHoldsAll: chunk.fromOffset === chunk.baseOffset,
    }));
    const run = chooseMerge(candidates);
    return run === null ? null : this.#sealed.slice(run.start, run.end);
  }

  /** Whether a merge is running or due (for stats, and tests that wait for merging to settle). */
  get mergeDue(): boolean {
    const dir = this.partition.dir;
    if (!this.#merge || dir === null) return false;
    return this.#merging !== null || this.#nextMerge(dir) !== null;
  }

  /** Merges `inputs` into one chunk file (on the merge thread), then lists it in their place. */
  async #mergeRun(dir: string, inputs: SealedChunk[]): Promise<void> {
    const merged: SealedChunk = {
      baseOffset: inputs[0].baseOffset,
      endOffset: inputs.at(-1)!.endOffset,
      fromOffset: inputs[0].fromOffset,
      identity: inputs[0].identity,
      segment: null,
    };
    const file = chunkFileName(merged);
    const started = performance.now();
    this.#logger.debug("Merging search index chunks", { partition: this.key, chunks: inputs.length });
    this.#observer.merging?.();
    try {
      await this.#merger(dir, inputs.map(chunkFileName), file);
    } catch (error) {
      this.#deleteFile(dir, file);
      if (this.#stopped) return;
      if (!(error instanceof CorruptIndexFileError)) throw error;
      const damaged = inputs.find((chunk) => chunkFileName(chunk) === error.file);
      this.#logger.warn("Rebuilding a damaged search index file from the log", { partition: this.key, file: error.file, error });
      if (damaged !== undefined && this.#sealed.includes(damaged)) this.#markStale(damaged);
      return;
    }
    await this.#persist(async () => {
      // An input that turned stale or went while merging makes the output stale too: dropped.
      if (this.#stopped || inputs.some((chunk) => this.#stale.has(chunk) || !this.#sealed.includes(chunk))) return [file];
      merged.version = nextVersion++;
      return this.#replace(inputs, [merged]);
    });
    this.#logger.debug("Merged search index chunks", { partition: this.key, chunks: inputs.length, ms: Math.round(performance.now() - started) });
  }
}

function fileBytes(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
