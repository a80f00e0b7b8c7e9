// A query thread: searches the sealed index chunks the search worker hands it (query-protocol.ts),
// opening each chunk's file (mapped, so its pages are the kernel's page cache, not this
// thread's heap) and keeping a bounded number open. It never reads the log except for the
// records of hits: a chunk it cannot open (missing or damaged file) is reported back, and the
// search worker, which can rebuild chunks from the log, searches it.

import { createLogger, type Logger } from "../logger.ts";
import { asWork } from "./garbage.ts";
import type { ChunkRef, FromQueryThread, QueryThreadMemory, ToQueryThread } from "./query-protocol.ts";
import { QueryError } from "./query.ts";
import { SearchChangedError } from "./search-segment.ts";
import { GlobalStats } from "./scoring.ts";
import { type IndexHandle, mergeStats, searchPart, statsPart } from "./searcher.ts";
import { openSealedSegment, type SealedSegment } from "./sealed-segment.ts";

declare const self: Worker;

/** Open segments kept per thread; the least recently used is closed (dropped) beyond this. */
export const openSegmentsMax = 4096;

let logger: Logger = createLogger("chronik/search-query");
/** "topic/partition/base" → the open segment and the version of the file it was opened from, least recently used first. */
const open = new Map<string, { version: number; segment: SealedSegment }>();
let evictions = 0;
let hits = 0;
let misses = 0;

function post(message: FromQueryThread): void {
  self.postMessage(message);
}

function memory(): QueryThreadMemory {
  let residentBytes = 0;
  for (const { segment } of open.values()) residentBytes += segment.heapBytes;
  return { residentBytes, residentIndexes: open.size, evictions, hits, misses };
}

/** The chunk's segment: the open one when it has the chunk's version, else opened from its file. */
function load(chunk: ChunkRef): SealedSegment {
  const key = `${chunk.topic}/${chunk.partition}/${chunk.baseOffset}`;
  const entry = open.get(key);
  open.delete(key);
  if (entry?.version === chunk.version) {
    open.set(key, entry);
    hits++;
    return entry.segment;
  }
  misses++;
  const segment = openSealedSegment(chunk.dir, chunk.file);
  if (segment === null) throw new Error(`Search index file "${chunk.file}" of ${key} is missing in "${chunk.dir}"`);
  open.set(key, { version: chunk.version, segment });
  if (open.size > openSegmentsMax) {
    open.delete(open.keys().next().value!);
    evictions++;
  }
  return segment;
}

function handle(chunk: ChunkRef): IndexHandle {
  return { topic: chunk.topic, partition: chunk.partition, baseOffset: chunk.baseOffset, load: async () => load(chunk) };
}

async function gather(message: Extract<ToQueryThread, { type: "stats" }>): Promise<FromQueryThread> {
  const stats = new GlobalStats();
  const failed: number[] = [];
  for (const [position, chunk] of message.chunks.entries()) {
    let segment: SealedSegment;
    try {
      segment = load(chunk);
    } catch (error) {
      logger.warn("Cannot open a search index; the indexing thread searches it", { chunk: `${chunk.topic}/${chunk.partition}/${chunk.baseOffset}`, error: error as Error });
      failed.push(position);
      continue;
    }
    stats.add(segment, message.wanted);
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
    return;
  }
  if (message.type === "close") {
    for (const key of message.chunks) open.delete(key);
    return;
  }
  // A search's matches and decoded postings are garbage once its part is sent.
  const work = asWork(() =>
    message.type === "stats"
      ? gather(message)
      : message.type === "preload"
        ? Promise.resolve().then((): FromQueryThread => {
            load(message.chunk);
            return { type: "loaded", id: message.id, memory: memory() };
          })
        : search(message),
  );
  work
    .then(post, (error: unknown) => {
      const queryErrorType = error instanceof QueryError ? error.type : null;
      const changed = error instanceof SearchChangedError ? { at: error.at } : undefined;
      post({ type: "error", id: message.id, queryErrorType, message: error instanceof Error ? error.message : String(error), changed });
    });
};
