// Searches on several cores: a pool of query threads (query-worker.ts, --search-threads) that
// own the saved sealed index chunks. Each chunk belongs to one thread for as long as it exists:
// the thread owning fewest chunks when a search first meets it. So a chunk is open in one
// place, and a partition's few chunks are spread evenly (an FNV hash of topic, partition and
// base offset put the Debian benchmark's 8 chunks 5 to 3 on two threads). A search runs its two
// passes (searcher.ts) on every thread at once, while the indexing thread (which calls this)
// does its own part: the live segments and the sealed chunks not written yet, or stale, which
// only it can rebuild from the log. The parts merge into the response one thread would give.

import type { Logger, LogLevel } from "../logger.ts";
import type { ChunkRef, FromQueryThread, QueryThreadMemory, ToQueryThread } from "./query-protocol.ts";
import { QueryError } from "./query.ts";
import { SearchChangedError } from "./search-segment.ts";
import { gatherStats, type IndexHandle, mergeParts, mergeStats, type SearchPart, type SearchResponse, searchPart, type StatsPart, statsPart } from "./searcher.ts";
import { scoredTerms } from "./scoring.ts";
import type { SearchRequest } from "./search-request.ts";

/** Most query threads a broker starts, whatever --search-threads says. */
export const searchThreadsMax = 16;

/** Default --search-threads: a thread per core but one (the indexing thread's), at least one. */
export function defaultSearchThreads(cores: number): number {
  return Math.max(1, Math.min(searchThreadsMax, cores - 1));
}

/**
 * The query thread's module: beside this file when run from source; inside a compiled
 * executable, at its path from the repository root (scripts/compile.ts bundles it as an entry point).
 */
function workerModule(): string {
  return import.meta.url.includes("/$bunfs/") ? "./src/search/query-worker.ts" : new URL("./query-worker.ts", import.meta.url).href;
}

type Pending = { resolve: (message: FromQueryThread) => void; reject: (error: Error) => void };

interface Thread {
  worker: Worker;
  pending: Map<number, Pending>;
  memory: QueryThreadMemory;
}

export class QueryPool {
  #logLevel: LogLevel;
  #threads: Thread[];
  #logger: Logger;
  #stopped = false;
  #nextId = 1;
  /** Partition ("topic/partition") → base offset of each of its saved chunks → the thread that owns it. */
  #owners = new Map<string, Map<number, number>>();
  /** Chunks each thread owns. */
  #owned: number[];
  /** "topic/partition/base" → version of the file its owner has loaded: searched there from then on. */
  #warm = new Map<string, number>();
  /** Chunks being loaded by their owner ("topic/partition/base@version"). */
  #warming = new Set<string>();

  constructor(threads: number, options: { logLevel: LogLevel; logger: Logger }) {
    if (!Number.isInteger(threads) || threads < 1 || threads > searchThreadsMax) throw new Error(`Search threads must be 1 to ${searchThreadsMax}, not ${threads}`);
    this.#logger = options.logger;
    this.#logLevel = options.logLevel;
    this.#owned = new Array<number>(threads).fill(0);
    this.#threads = Array.from({ length: threads }, () => {
      const thread: Thread = { worker: this.#spawn(() => thread), pending: new Map(), memory: { residentBytes: 0, residentIndexes: 0, evictions: 0, hits: 0, misses: 0 } };
      return thread;
    });
  }

  /** Starts a query thread; one that fails is replaced (with an empty cache), its searches failing over to the indexing thread. */
  #spawn(thread: () => Thread): Worker {
    const worker = new Worker(workerModule());
    worker.onmessage = (event: MessageEvent<FromQueryThread>) => this.#settle(thread(), event.data);
    worker.onerror = (event) => {
      this.#logger.error("Search query thread failed; starting another", { error: event.message });
      const failed = thread();
      worker.terminate();
      for (const pending of failed.pending.values()) pending.reject(new Error(`Search query thread failed: ${event.message}`));
      failed.pending.clear();
      failed.memory = { ...failed.memory, residentBytes: 0, residentIndexes: 0 };
      if (!this.#stopped) failed.worker = this.#spawn(thread);
    };
    worker.postMessage({ type: "start", logLevel: this.#logLevel } satisfies ToQueryThread);
    return worker;
  }

  get size(): number {
    return this.#threads.length;
  }

  /** What the query threads hold, together. */
  memory(): QueryThreadMemory {
    const total: QueryThreadMemory = { residentBytes: 0, residentIndexes: 0, evictions: 0, hits: 0, misses: 0 };
    for (const { memory } of this.#threads) {
      total.residentBytes += memory.residentBytes;
      total.residentIndexes += memory.residentIndexes;
      total.evictions += memory.evictions;
      total.hits += memory.hits;
      total.misses += memory.misses;
    }
    return total;
  }

  /** Runs `request` over `handles`: saved sealed chunks on their query threads, the rest here. */
  async search(handles: IndexHandle[], request: SearchRequest, options: { nowMs?: number } = {}): Promise<SearchResponse> {
    const started = performance.now();
    const nowMs = options.nowMs ?? Date.now();
    const local = handles.filter((handle) => handle.saved === undefined);
    const owned: IndexHandle[][] = this.#threads.map(() => []);
    for (const [handle, thread] of this.#assign(handles.filter((handle) => handle.saved !== undefined))) {
      // A chunk its thread has not opened yet is searched here while the thread opens it.
      if (this.#warm.get(chunkKey(handle)) === handle.saved!.version) owned[thread].push(handle);
      else {
        local.push(handle);
        this.#preload(thread, handle);
      }
    }

    // Pass 1: statistics. A chunk a thread cannot load is searched here (the indexer rebuilds it).
    const wanted = scoredTerms(request.query);
    const statsParts: StatsPart[] = [];
    if (wanted.size > 0) {
      const asked = owned.map((list, thread) => (list.length === 0 ? null : this.#ask(thread, (id) => ({ type: "stats", id, chunks: list.map(chunkRef), wanted }))));
      observed(asked);
      statsParts.push(await gatherStats(local, wanted));
      for (const [thread, answer] of asked.entries()) {
        if (answer === null) continue;
        const result = await this.#answer(answer);
        if (result === null) {
          statsParts.push(await gatherStats(owned[thread], wanted));
          local.push(...owned[thread]);
          owned[thread] = [];
          continue;
        }
        if (result.type !== "stats") throw new Error(`Search query thread answered "${result.type}" to stats`);
        statsParts.push(result.part);
        if (result.failed.length === 0) continue;
        const failed = new Set(result.failed.map((position) => owned[thread][position]));
        owned[thread] = owned[thread].filter((handle) => !failed.has(handle));
        statsParts.push(await gatherStats([...failed], wanted));
        local.push(...failed);
      }
    }
    const stats = mergeStats(statsParts);
    const shared = statsPart(stats);

    // Pass 2: every share evaluated with the statistics of all. A thread that fails (a chunk it
    // cannot load any more) has its share searched here instead.
    const asked = owned.map((list, thread) =>
      list.length === 0 ? null : this.#ask(thread, (id) => ({ type: "search", id, chunks: list.map(chunkRef), request, stats: shared, nowMs })),
    );
    observed(asked);
    const parts: SearchPart[] = [await searchPart(local, request, stats, nowMs)];
    for (const [thread, answer] of asked.entries()) {
      if (answer === null) continue;
      const result = await this.#answer(answer);
      if (result === null) {
        parts.push(await searchPart(owned[thread], request, stats, nowMs));
        continue;
      }
      if (result.type !== "part") throw new Error(`Search query thread answered "${result.type}" to a search`);
      parts.push(result.part);
    }
    return mergeParts(parts, request, handles.length, started);
  }

  /**
   * The owner of each saved chunk: the one it had, or for a chunk not seen before the thread
   * owning fewest. A partition's chunks missing from `saved` (expired, or stale until rebuilt)
   * are forgotten.
   */
  #assign(saved: IndexHandle[]): Map<IndexHandle, number> {
    const byPartition = new Map<string, IndexHandle[]>();
    for (const handle of saved) {
      const key = `${handle.topic}/${handle.partition}`;
      const list = byPartition.get(key);
      if (list) list.push(handle);
      else byPartition.set(key, [handle]);
    }
    const assigned = new Map<IndexHandle, number>();
    for (const [key, list] of byPartition) {
      const before = this.#owners.get(key) ?? new Map<number, number>();
      const after = new Map<number, number>();
      for (const handle of list) {
        let thread = before.get(handle.baseOffset);
        if (thread === undefined) {
          thread = this.#owned.indexOf(Math.min(...this.#owned));
          this.#owned[thread]++;
        }
        after.set(handle.baseOffset, thread);
        assigned.set(handle, thread);
      }
      const gone = new Map<number, string[]>();
      for (const [base, thread] of before) {
        if (after.has(base)) continue;
        this.#owned[thread]--;
        this.#warm.delete(`${key}/${base}`);
        gone.set(thread, [...(gone.get(thread) ?? []), `${key}/${base}`]);
      }
      for (const [thread, chunks] of gone) this.#post(this.#threads[thread], { type: "close", chunks });
      this.#owners.set(key, after);
    }
    return assigned;
  }

  /** A thread's answer; null when the thread failed (logged), so the caller searches its share here. A bad query still throws. */
  async #answer(answer: Promise<FromQueryThread>): Promise<FromQueryThread | null> {
    try {
      return await answer;
    } catch (error) {
      if (error instanceof QueryError || error instanceof SearchChangedError) throw error;
      this.#logger.warn("A search query thread failed; its chunks are searched by the indexing thread", { error: error as Error });
      return null;
    }
  }

  /** Has `thread` open `handle`'s chunk; once it has, the chunk is searched there. */
  #preload(thread: number, handle: IndexHandle): void {
    const key = chunkKey(handle);
    const version = handle.saved!.version;
    const attempt = `${key}@${version}`;
    if (this.#warming.has(attempt)) return;
    this.#warming.add(attempt);
    this.#ask(thread, (id) => ({ type: "preload", id, chunk: chunkRef(handle) })).then(
      () => {
        this.#warming.delete(attempt);
        this.#warm.set(key, version);
      },
      (error: unknown) => {
        // A missing or damaged file: the indexing thread searches the chunk, which repairs it
        // (rebuilt from the log, saved again as a new version, which is then opened here).
        this.#warming.delete(attempt);
        this.#logger.warn("A search query thread could not load a chunk; the indexing thread searches it", { chunk: key, error: error as Error });
      },
    );
  }

  /** Ends the threads (a search in progress fails). */
  stop(): void {
    this.#stopped = true;
    for (const thread of this.#threads) {
      thread.worker.terminate();
      for (const pending of thread.pending.values()) pending.reject(new Error("Search query threads stopped"));
      thread.pending.clear();
    }
  }

  #post(thread: Thread, message: ToQueryThread): void {
    thread.worker.postMessage(message);
  }

  #ask(position: number, message: (id: number) => ToQueryThread): Promise<FromQueryThread> {
    const thread = this.#threads[position];
    const id = this.#nextId++;
    return new Promise<FromQueryThread>((resolve, reject) => {
      thread.pending.set(id, { resolve, reject });
      this.#post(thread, message(id));
    });
  }

  #settle(thread: Thread, message: FromQueryThread): void {
    const pending = thread.pending.get(message.id);
    if (!pending) return;
    thread.pending.delete(message.id);
    if (message.type !== "error") {
      thread.memory = message.memory;
      pending.resolve(message);
    } else if (message.queryErrorType !== null) pending.reject(new QueryError(message.queryErrorType, message.message));
    else if (message.changed !== undefined) pending.reject(new SearchChangedError(message.message, message.changed.at));
    else pending.reject(new Error(`Search failed in a query thread: ${message.message}`));
  }
}

/** Marks the answers as handled, so one that fails while this thread's own part throws is no unhandled rejection (they are awaited after). */
function observed(answers: (Promise<unknown> | null)[]): void {
  for (const answer of answers) answer?.catch(() => {});
}

function chunkKey(handle: IndexHandle): string {
  return `${handle.topic}/${handle.partition}/${handle.baseOffset}`;
}

function chunkRef(handle: IndexHandle): ChunkRef {
  const { dir, file, version } = handle.saved!;
  return { topic: handle.topic, partition: handle.partition, baseOffset: handle.baseOffset, dir, file, version };
}
