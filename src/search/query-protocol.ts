// Messages between the search worker and its query threads (query-worker.ts, started by
// query-pool.ts). A query thread owns some of the sealed index chunks (query-pool.ts picks the
// one thread), opens their files (mapped, read in place), and answers the two passes of a
// search over the chunks it is given.

import type { LogLevel } from "../logger.ts";
import type { SearchPart, StatsPart } from "./searcher.ts";
import type { SearchRequest } from "./search-request.ts";

/** A saved sealed chunk: its file `file` in `dir`, at `version` (a new version is opened again). */
export interface ChunkRef {
  topic: string;
  partition: number;
  baseOffset: number;
  dir: string;
  file: string;
  version: number;
}

/** What a query thread holds, for SearchStats. */
export interface QueryThreadMemory {
  /** Heap bytes of its open segments (their mapped files are page cache, not counted). */
  residentBytes: number;
  residentIndexes: number;
  /** Segments closed to stay within openSegmentsMax. */
  evictions: number;
  /** Chunks a search found open, and chunks it had to open. */
  hits: number;
  misses: number;
}

export type ToQueryThread =
  | { type: "start"; logLevel: LogLevel }
  /** Pass 1: the statistics of `wanted` (field → terms) over `chunks`. */
  | { type: "stats"; id: number; chunks: ChunkRef[]; wanted: Map<string, Set<string>> }
  /** Opens `chunk` ahead of the searches it will be given. */
  | { type: "preload"; id: number; chunk: ChunkRef }
  /** Drops the chunks ("topic/partition/base") that are gone (merged, expired, rebuilt elsewhere), so their mapped files can be freed. */
  | { type: "close"; chunks: string[] }
  /** Pass 2: `chunks` evaluated with the statistics of all chunks. */
  | { type: "search"; id: number; chunks: ChunkRef[]; request: SearchRequest; stats: StatsPart; nowMs: number };

export type FromQueryThread =
  /** `failed`: positions in `chunks` of those that could not be loaded (missing or corrupt file), left out of `part`. */
  | { type: "stats"; id: number; part: StatsPart; failed: number[]; memory: QueryThreadMemory }
  | { type: "part"; id: number; part: SearchPart; memory: QueryThreadMemory }
  | { type: "loaded"; id: number; memory: QueryThreadMemory }
  /**
   * `queryErrorType` is set for a QueryError (a 4xx), null for another failure (e.g. a chunk that
   * could not be loaded); `changed` for a SearchChangedError (the log changed under the search:
   * searched again, not a failure of the thread), with the record it could not read.
   */
  | { type: "error"; id: number; queryErrorType: string | null; message: string; changed?: { at?: { topic: string; partition: number; offset: number } } };
