// Search for a running broker: one PartitionIndexer per partition of every searchable topic,
// the memory budget their live segments share, and the entry point queries go through.
// Topics come and go (create, auto-create, delete, search.enabled changes); the service looks
// at the topic list every topicSyncMs and starts or stops indexers to match.

import type { Logger } from "../logger.ts";
import { HistogramChild, type HistogramSeries } from "../metrics/registry.ts";
import type { BacklogIndexer } from "./backlog-chunk.ts";
import type { DocumentCounters } from "./document.ts";
import type { Merger } from "./merge.ts";
import { type IndexMeasures, liveBytesMax, liveBytesMin, PartitionIndexer, type SearchablePartition } from "./partition-indexer.ts";
import type { QueryPool } from "./query-pool.ts";
import { QueryError } from "./query.ts";
import { SearchChangedError } from "./search-segment.ts";
import { runSearch, type SearchResponse } from "./searcher.ts";
import type { SearchRequest } from "./search-request.ts";

export interface SearchTopic {
  name: string;
  /** search.enabled=true, or every topic when the server says so. */
  searchEnabled: boolean;
  partitions: readonly SearchablePartition[];
}

/** What the service needs from the broker: the topics as they are now. */
export interface SearchSource {
  topics(): SearchTopic[];
}

export interface SearchServiceOptions {
  /**
   * --search-memory-mb in bytes: what the live segments may hold together (each is sealed at its
   * share). Sealed segments are files read in place, in the page cache, not on the heap.
   */
  memoryBytes: number;
  logger: Logger;
  /** Query threads that search the saved sealed chunks (stopped with the service); without, every search runs on this thread. */
  queryPool?: QueryPool;
  /** Where sealed chunks are merged (the merge thread); in this thread when absent. */
  merger?: Merger;
  /** Who indexes stretches of backlogs ahead of the indexers (the backlog thread); nobody when absent. */
  backlog?: BacklogIndexer;
}

/** Attempts of a search that the log or the index changed under (SearchChangedError). */
export const searchAttemptsMax = 4;
/** Wait before the second attempt (then twice, three times that). */
export const searchRetryMs = 50;

/** How often the topic list is compared with the running indexers. */
export const topicSyncMs = 200;

export interface SearchStats extends Record<string, number> {
  partitions: number;
  binaryValues: number;
  /** Heap bytes of open sealed segments (small: their files are mapped, not loaded). */
  residentBytes: number;
  /** Heap bytes of the live segments. */
  activeBytes: number;
  budgetBytes: number;
  /** Open sealed segments the query threads closed to stay within their bound. */
  evictions: number;
  /** Open sealed segments. */
  residentIndexes: number;
  /** Sealed chunks of all partitions (merging keeps this small). */
  sealedChunks: number;
  /** Partitions with a merge running or due (Elasticsearch's merges.current): 0 once merging has settled. */
  mergingPartitions: number;
  /** Query threads searching sealed chunks; 0 when searches run on the indexing thread alone. */
  searchThreads: number;
  /** The whole process, for comparing with the budget. */
  rssBytes: number;
}

/** Seconds to index one record batch: 10 µs (a record) to 1 s. */
export const indexBatchBuckets = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1] as const;

/** What /metrics reads from search: the stats plus counters, the index-time histogram and lag per partition. */
export interface SearchMetrics {
  stats: SearchStats;
  indexedRecords: number;
  batchSeconds: HistogramSeries;
  cacheHits: number;
  cacheMisses: number;
  partitions: Array<{ topic: string; partition: number; lagRecords: number; lagSeconds: number }>;
}

export class SearchService {
  #source: SearchSource;
  #logger: Logger;
  #budgetBytes: number;
  #pool: QueryPool | null;
  #merger: Merger | undefined;
  #backlog: BacklogIndexer | undefined;
  #indexers = new Map<string, PartitionIndexer>();
  #counters: DocumentCounters = { binaryValues: 0 };
  #measures: IndexMeasures = { indexedRecords: 0, batchSeconds: new HistogramChild([], indexBatchBuckets) };
  #timer: ReturnType<typeof setInterval>;
  #stopped = false;

  constructor(source: SearchSource, options: SearchServiceOptions) {
    this.#source = source;
    this.#logger = options.logger;
    this.#pool = options.queryPool ?? null;
    this.#merger = options.merger;
    this.#backlog = options.backlog;
    this.#budgetBytes = options.memoryBytes;
    this.sync();
    this.#timer = setInterval(() => this.sync(), topicSyncMs);
  }

  /** Starts indexers for new searchable partitions and stops those of topics gone or no longer searchable. */
  sync(): void {
    if (this.#stopped) return;
    const wanted = new Map<string, SearchablePartition>();
    for (const topic of this.#source.topics()) {
      if (!topic.searchEnabled) continue;
      for (const partition of topic.partitions) wanted.set(`${partition.topic}/${partition.index}`, partition);
    }
    for (const [key, indexer] of this.#indexers) {
      // The same log means the same topic; a topic deleted and created again has a new one.
      if (wanted.get(key)?.log === indexer.partition.log) continue;
      this.#indexers.delete(key);
      void indexer.stop();
    }
    for (const [key, partition] of wanted) {
      if (this.#indexers.has(key)) continue;
      this.#indexers.set(key, PartitionIndexer.start(partition, { logger: this.#logger, counters: this.#counters, measures: this.#measures, liveBytesLimit: () => this.#liveBytesLimit(), merger: this.#merger, backlog: this.#backlog }));
    }
  }

  /** Searches the given topics (all searchable topics when empty); QueryError for an unknown or unsearchable topic. */
  async search(topics: string[], request: SearchRequest): Promise<SearchResponse> {
    const indexers = [...this.#indexers.values()];
    for (const topic of topics) {
      if (!indexers.some((indexer) => indexer.partition.topic === topic)) {
        throw new QueryError("index_not_found_exception", `No such searchable topic "${topic}": it does not exist or search.enabled is not true`);
      }
    }
    const selected = topics.length === 0 ? indexers : indexers.filter((indexer) => topics.includes(indexer.partition.topic));
    selected.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (let attempt = 1; ; attempt++) {
      try {
        // Taking the handles again brings the chunks in line with the log (a compaction is rebuilt first).
        const handles = (await Promise.all(selected.map((indexer) => indexer.handles()))).flat();
        if (this.#pool !== null) return await this.#pool.search(handles, request);
        return await runSearch(handles, request);
      } catch (error) {
        if (!(error instanceof SearchChangedError) || attempt >= searchAttemptsMax) throw error;
        if (error.at !== undefined) this.#indexers.get(`${error.at.topic}/${error.at.partition}`)?.markStaleAt(error.at.offset);
        this.#logger.debug("The index changed during a search; searching again", { attempt, error });
        // The broker reports a compaction to this thread within its offsets messages: give it that long.
        await Bun.sleep(searchRetryMs * attempt);
      }
    }
  }

  /** The offset up to which a partition is searchable, or null when it is not indexed. */
  indexedOffset(topic: string, partition: number): number | null {
    return this.#indexers.get(`${topic}/${partition}`)?.indexedOffset ?? null;
  }

  /** Memory figures include the query threads' caches as of their last answer. */
  stats(): SearchStats {
    const threads = this.#pool?.memory() ?? { residentBytes: 0, residentIndexes: 0, evictions: 0, hits: 0, misses: 0 };
    const indexers = [...this.#indexers.values()];
    const activeBytes = this.#activeBytes();
    return {
      partitions: this.#indexers.size,
      binaryValues: this.#counters.binaryValues,
      residentBytes: indexers.reduce((sum, indexer) => sum + indexer.heapBytes, 0) - activeBytes + threads.residentBytes,
      activeBytes,
      budgetBytes: this.#budgetBytes,
      evictions: threads.evictions,
      residentIndexes: threads.residentIndexes,
      sealedChunks: indexers.reduce((sum, indexer) => sum + indexer.sealedChunkCount, 0),
      mergingPartitions: indexers.filter((indexer) => indexer.mergeDue).length,
      searchThreads: this.#pool?.size ?? 0,
      rssBytes: process.memoryUsage.rss(),
    };
  }

  metrics(): SearchMetrics {
    const threads = this.#pool?.memory();
    const now = performance.now();
    return {
      stats: this.stats(),
      indexedRecords: this.#measures.indexedRecords,
      batchSeconds: this.#measures.batchSeconds.snapshot(),
      cacheHits: threads?.hits ?? 0,
      cacheMisses: threads?.misses ?? 0,
      partitions: [...this.#indexers.values()].map((indexer) => {
        const lag = indexer.lag(now);
        return { topic: indexer.partition.topic, partition: indexer.partition.index, lagRecords: lag.records, lagSeconds: lag.seconds };
      }),
    };
  }

  #activeBytes(): number {
    let bytes = 0;
    for (const indexer of this.#indexers.values()) bytes += indexer.liveBytes;
    return bytes;
  }

  /**
   * A live segment's size limit: an even share of the budget, halved because a sealed live
   * segment stays in memory while its file is written, within [liveBytesMin, liveBytesMax].
   */
  #liveBytesLimit(): number {
    const share = this.#budgetBytes / 2 / Math.max(1, this.#indexers.size);
    return Math.max(liveBytesMin, Math.min(liveBytesMax, share));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await Promise.all([...this.#indexers.values()].map((indexer) => indexer.stop()));
    this.#indexers.clear();
    this.#pool?.stop();
    this.#logger.info("Search stopped");
  }
}
