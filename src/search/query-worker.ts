// A query thread: searches the sealed index chunks the search worker hands it (query-protocol.ts),
// loading each from its .search file into a cache of its own, within its share of
// --search-memory-mb. It never reads the log: a chunk it cannot load (missing or corrupt file)
// is reported back, and the search worker, which can rebuild chunks from the log, searches it.

import { createLogger, type Logger } from "../logger.ts";
import { IndexCache } from "./index-cache.ts";
import { loadSegmentIndex } from "./index-file.ts";
import type { ChunkRef, FromQueryThread, QueryThreadMemory, ToQueryThread } from "./query-protocol.ts";
import { QueryError } from "./query.ts";
import { type IndexHandle, mergeStats, searchPart, statsPart } from "./searcher.ts";
import { GlobalStats } from "./scoring.ts";
import type { SegmentIndex } from "./segment-index.ts";

declare const self: Worker;

let cache: IndexCache | null = null;
let logger: Logger = createLogger("chronik/search-query");
/** The share of memory the indexing thread holds, left out of this thread's budget. */
let reservedBytes = 0;
/** Cache key → version of the file the cached index was loaded from. */
const versions = new Map<string, number>();

function post(message: FromQueryThread): void {
  self.postMessage(message);
}

function memory(): QueryThreadMemory {
  return { residentBytes: cache!.residentBytes, residentIndexes: cache!.size, evictions: cache!.evictions };
}

/** The chunk's index: cached when the cached one has the chunk's version, else loaded from its file. */
async function load(chunk: ChunkRef): Promise<SegmentIndex> {
  const key = `${chunk.topic}/${chunk.partition}/${chunk.baseOffset}`;
  if (versions.get(key) === chunk.version) {
    const cached = cache!.get(key);
    if (cached) return cached;
  }
  cache!.delete(key);
  versions.delete(key);
  const index = await loadSegmentIndex(chunk.dir, chunk.baseOffset);
  if (index === null) throw new Error(`Search index file of ${key} is missing in "${chunk.dir}"`);
  cache!.put(key, index);
  versions.set(key, chunk.version);
  return index;
}

function handle(chunk: ChunkRef): IndexHandle {
  return { topic: chunk.topic, partition: chunk.partition, baseOffset: chunk.baseOffset, load: () => load(chunk) };
}

async function gather(message: Extract<ToQueryThread, { type: "stats" }>): Promise<FromQueryThread> {
  const stats = new GlobalStats();
  const failed: number[] = [];
  for (const [position, chunk] of message.chunks.entries()) {
    let index: SegmentIndex;
    try {
      index = await load(chunk);
    } catch (error) {
      logger.warn("Cannot load a search index; the indexing thread searches it", { chunk: `${chunk.topic}/${chunk.partition}/${chunk.baseOffset}`, error: error as Error });
      failed.push(position);
      continue;
    }
    stats.add(index, message.wanted);
  }
  return { type: "stats", id: message.id, part: statsPart(stats), failed, memory: memory() };
}

async function search(message: Extract<ToQueryThread, { type: "search" }>): Promise<FromQueryThread> {
  const part = await searchPart(message.chunks.map(handle), message.request, mergeStats([message.stats]), message.nowMs);
  return { type: "part", id: message.id, part, memory: memory() };
}

self.onmessage = (event: MessageEvent<ToQueryThread>) => {
  const message = event.data;
  if (message.type === "start") {
    logger = createLogger("chronik/search-query", message.logLevel);
    cache = new IndexCache(message.memoryBytes, () => reservedBytes);
    return;
  }
  reservedBytes = message.reservedBytes;
  const work =
    message.type === "stats"
      ? gather(message)
      : message.type === "preload"
        ? load(message.chunk).then((): FromQueryThread => ({ type: "loaded", id: message.id, memory: memory() }))
        : search(message);
  work.then(post, (error: unknown) => {
    const queryErrorType = error instanceof QueryError ? error.type : null;
    post({ type: "error", id: message.id, queryErrorType, message: error instanceof Error ? error.message : String(error) });
  });
};
