// Messages between the broker's thread and the search worker (search-worker.ts). The broker
// sends the searchable partitions and, whenever a partition's log moves (appends, log start,
// compaction), how far it is readable; the worker reads the segment files itself, indexes, and answers searches.

import type { AbortedRange } from "./aborted-batches.ts";
import type { LogLevel } from "../logger.ts";
import type { SearchResponse } from "./searcher.ts";
import type { SearchMetrics, SearchStats } from "./search-service.ts";
import type { SearchRequest } from "./search-request.ts";

export interface WorkerPartition {
  topic: string;
  index: number;
  /** The partition's segment folder. */
  dir: string;
}

export type ToWorker =
  /** `threads`: query threads searching sealed chunks beside this one (query-pool.ts). */
  | { type: "start"; memoryBytes: number; threads: number; logLevel: LogLevel }
  /** Every searchable partition now; partitions absent from the list stop being indexed. */
  | { type: "partitions"; partitions: WorkerPartition[] }
  /** "Partition P has data up to offset O": its high watermark, log start, and how many segments compaction replaced. */
  | { type: "offsets"; topic: string; index: number; highWatermark: number; logStartOffset: number; segmentsRewritten: number; aborted: AbortedRange[] }
  | { type: "search"; id: number; topics: string[]; request: SearchRequest }
  | { type: "stats"; id: number }
  | { type: "metrics"; id: number }
  | { type: "stop"; id: number };

export type FromWorker =
  | { type: "result"; id: number; response: SearchResponse }
  | { type: "stats"; id: number; stats: SearchStats }
  | { type: "metrics"; id: number; metrics: SearchMetrics }
  /** `queryErrorType` is set for a QueryError (a 4xx), null for a failure of the worker. */
  | { type: "error"; id: number; queryErrorType: string | null; message: string }
  | { type: "stopped"; id: number };
