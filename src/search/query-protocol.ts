// Messages between the search worker and its query threads (query-worker.ts, started by
// query-pool.ts). A query thread owns some of the sealed index chunks (query-pool.ts picks the
// one thread), loads them from their .search files into its own cache, and answers the two
// passes of a search over the chunks it is given.

import type { LogLevel } from "../logger.ts";
import type { SearchPart, StatsPart } from "./searcher.ts";
import type { SearchRequest } from "./search-request.ts";

/** A saved sealed chunk: its .search file in `dir`, at `version` (a new version is loaded again). */
export interface ChunkRef {
  topic: string;
  partition: number;
  baseOffset: number;
  dir: string;
  version: number;
}

/** A query thread's cache, for SearchStats. */
export interface QueryThreadMemory {
  residentBytes: number;
  residentIndexes: number;
  evictions: number;
}

export type ToQueryThread =
  | { type: "start"; memoryBytes: number; logLevel: LogLevel }
  /**
   * Pass 1: the statistics of `wanted` (field → terms) over `chunks`. `reservedBytes`: the
   * thread's share of memory the indexing thread holds (active chunks), left out of its budget.
   */
  | { type: "stats"; id: number; chunks: ChunkRef[]; wanted: Map<string, Set<string>>; reservedBytes: number }
  /** Loads `chunk` into the thread's cache ahead of the searches it will be given. */
  | { type: "preload"; id: number; chunk: ChunkRef; reservedBytes: number }
  /** Pass 2: `chunks` evaluated with the statistics of all chunks. */
  | { type: "search"; id: number; chunks: ChunkRef[]; request: SearchRequest; stats: StatsPart; nowMs: number; reservedBytes: number };

export type FromQueryThread =
  /** `failed`: positions in `chunks` of those that could not be loaded (missing or corrupt file), left out of `part`. */
  | { type: "stats"; id: number; part: StatsPart; failed: number[]; memory: QueryThreadMemory }
  | { type: "part"; id: number; part: SearchPart; memory: QueryThreadMemory }
  | { type: "loaded"; id: number; memory: QueryThreadMemory }
  /** `queryErrorType` is set for a QueryError (a 4xx), null for another failure (e.g. a chunk that could not be loaded). */
  | { type: "error"; id: number; queryErrorType: string | null; message: string };
