// The search worker: a thread of its own that indexes and searches, so the broker's event loop
// spends no time on either. Searches of sealed chunks are spread over query threads it starts
// (query-pool.ts, --search-threads). It reads segment files directly (segment-file-reader.ts), bounded
// by the high watermarks the broker sends, and runs a SearchService over them.

import { createLogger } from "../logger.ts";
import type { SearchablePartition } from "./partition-indexer.ts";
import { BacklogThread } from "./backlog-thread.ts";
import { collectSoon } from "./garbage.ts";
import { MergeThread } from "./merge-thread.ts";
import { QueryPool } from "./query-pool.ts";
import { QueryError } from "./query.ts";
import { SegmentFileReader } from "./segment-file-reader.ts";
import type { AbortedRange } from "./aborted-batches.ts";
import { SearchService, type SearchTopic } from "./search-service.ts";
import type { FromWorker, ToWorker, WorkerPartition } from "./worker-protocol.ts";

declare const self: Worker;

interface FollowedPartition extends SearchablePartition {
  readonly log: SegmentFileReader;
  readonly waiters: Set<() => void>;
}

const partitions = new Map<string, FollowedPartition>();
let service: SearchService | null = null;
let mergeThread: MergeThread | null = null;
let backlogThread: BacklogThread | null = null;

function post(message: FromWorker): void {
  self.postMessage(message);
}

function follow(spec: WorkerPartition): FollowedPartition {
  const waiters = new Set<() => void>();
  return {
    topic: spec.topic,
    index: spec.index,
    dir: spec.dir,
    log: new SegmentFileReader(spec.dir),
    waiters,
    onNextData(wake) {
      waiters.add(wake);
      return () => waiters.delete(wake);
    },
  };
}

/** The searchable topics, grouped from the followed partitions, for SearchService.sync. */
function topics(): SearchTopic[] {
  const byName = new Map<string, SearchablePartition[]>();
  for (const partition of partitions.values()) byName.set(partition.topic, [...(byName.get(partition.topic) ?? []), partition]);
  return [...byName].map(([name, list]) => ({ name, searchEnabled: true, partitions: list }));
}

function setPartitions(list: WorkerPartition[]): void {
  const wanted = new Map(list.map((spec) => [`${spec.topic}/${spec.index}`, spec]));
  for (const [key, partition] of partitions) {
    if (wanted.get(key)?.dir !== partition.dir) partitions.delete(key);
  }
  for (const [key, spec] of wanted) if (!partitions.has(key)) partitions.set(key, follow(spec));
  service?.sync();
}

function setOffsets(key: string, offsets: { highWatermark: number; logStartOffset: number; segmentsRewritten: number; aborted: AbortedRange[] }): void {
  const partition = partitions.get(key);
  if (!partition) return;
  // The aborted transactions first: the records below the new end that belong to them are never indexed.
  partition.log.aborted.add(offsets.aborted);
  partition.log.aborted.dropBelow(offsets.logStartOffset);
  partition.log.highWatermark = offsets.highWatermark;
  partition.log.logStartOffset = offsets.logStartOffset;
  partition.log.segmentsRewritten = offsets.segmentsRewritten;
  const waiters = [...partition.waiters];
  partition.waiters.clear();
  for (const wake of waiters) wake();
}

async function answer(id: number, work: () => Promise<FromWorker>): Promise<void> {
  try {
    post(await work());
  } catch (error) {
    const queryErrorType = error instanceof QueryError ? error.type : null;
    post({ type: "error", id, queryErrorType, message: error instanceof Error ? error.message : String(error) });
  }
  // Asynchronous only: this thread indexes too, and is never idle while a backlog is indexed.
  collectSoon();
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  switch (message.type) {
    case "start": {
      const logger = createLogger("chronik/search", message.logLevel);
      const queryPool = new QueryPool(message.threads, { logLevel: message.logLevel, logger });
      mergeThread = new MergeThread(logger);
      backlogThread = new BacklogThread(logger);
      service = new SearchService({ topics }, { memoryBytes: message.memoryBytes, logger, queryPool, merger: mergeThread.merge, backlog: backlogThread });
      return;
    }
    case "partitions":
      setPartitions(message.partitions);
      return;
    case "offsets":
      setOffsets(`${message.topic}/${message.index}`, message);
      return;
    case "search":
      void answer(message.id, async () => ({ type: "result", id: message.id, response: await service!.search(message.topics, message.request) }));
      return;
    case "stats":
      void answer(message.id, async () => ({ type: "stats", id: message.id, stats: service!.stats() }));
      return;
    case "metrics":
      void answer(message.id, async () => ({ type: "metrics", id: message.id, metrics: service!.metrics() }));
      return;
    case "stop":
      void answer(message.id, async () => {
        // A merge in progress is abandoned (its output is deleted at the next start): stopping does not wait for it.
        mergeThread?.stop();
        // A backlog stretch in progress is abandoned too: its file is not listed, and the next start deletes it.
        backlogThread?.stop();
        await service?.stop();
        return { type: "stopped", id: message.id };
      });
      return;
  }
};
