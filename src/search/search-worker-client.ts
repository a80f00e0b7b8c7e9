// The broker's side of search: starts the search worker, tells it which partitions are
// searchable and, each time a partition's log moves, "partition P has data up to offset O".
// Searches are sent to the worker and answered from there. The only work left on the broker's
// thread is one small message per append completion, and a look at each searchable log's
// start and compaction counter every topicSyncMs and before each search: DeleteRecords,
// retention and compaction change those without an append, and a search must not return
// records the log no longer has.

import type { Logger, LogLevel } from "../logger.ts";
import type { SearchablePartition } from "./partition-indexer.ts";
import { QueryError } from "./query.ts";
import type { SearchResponse } from "./searcher.ts";
import { type SearchMetrics, type SearchSource, type SearchStats, topicSyncMs } from "./search-service.ts";
import type { SearchRequest } from "./search-request.ts";
import type { FromWorker, ToWorker, WorkerPartition } from "./worker-protocol.ts";

/** Longest a search or stats request waits for the worker. */
export const workerAnswerTimeoutMs = 60_000;

/**
 * The worker's module: beside this file when run from source; inside a compiled executable, at
 * its path from the repository root (scripts/compile.ts bundles it as a second entry point).
 */
function workerModule(): string {
  return import.meta.url.includes("/$bunfs/") ? "./src/search/search-worker.ts" : new URL("./search-worker.ts", import.meta.url).href;
}

interface Subscription {
  partition: SearchablePartition;
  cancel: () => void;
  /** The offsets last sent, so an unchanged log is not sent again. */
  sent: string;
  /** Aborted transactions whose marker is below this were sent. */
  abortedFrom: number;
}

type Pending = { resolve: (message: FromWorker) => void; reject: (error: Error) => void };

export class SearchWorkerClient {
  #source: SearchSource;
  #logger: Logger;
  #worker: Worker;
  #subscriptions = new Map<string, Subscription>();
  #pending = new Map<number, Pending>();
  #nextId = 1;
  #lastPartitions = "";
  #timer: ReturnType<typeof setInterval>;
  #stopping: Promise<void> | null = null;

  constructor(source: SearchSource, options: { memoryBytes: number; threads: number; logLevel: LogLevel; logger: Logger }) {
    this.#source = source;
    this.#logger = options.logger;
    this.#worker = new Worker(workerModule());
    this.#worker.onmessage = (event: MessageEvent<FromWorker>) => this.#settle(event.data);
    this.#worker.onerror = (event) => this.#logger.error("Search worker failed", { error: event.message });
    this.#post({ type: "start", memoryBytes: options.memoryBytes, threads: options.threads, logLevel: options.logLevel });
    this.sync();
    this.#timer = setInterval(() => this.sync(), topicSyncMs);
  }

  /** Sends the searchable partitions when they changed, and follows each one's log. */
  sync(): void {
    const wanted = new Map<string, SearchablePartition>();
    for (const topic of this.#source.topics()) {
      if (!topic.searchEnabled) continue;
      // Only logs on disk can be read by the worker.
      for (const partition of topic.partitions) if (partition.dir !== null) wanted.set(`${partition.topic}/${partition.index}`, partition);
    }
    for (const [key, subscription] of this.#subscriptions) {
      if (wanted.get(key)?.log === subscription.partition.log) continue;
      subscription.cancel();
      this.#subscriptions.delete(key);
    }
    const partitions: WorkerPartition[] = [...wanted.values()].map((partition) => ({ topic: partition.topic, index: partition.index, dir: partition.dir! }));
    const described = JSON.stringify(partitions);
    if (described !== this.#lastPartitions) {
      this.#lastPartitions = described;
      this.#post({ type: "partitions", partitions });
    }
    for (const [key, partition] of wanted) if (!this.#subscriptions.has(key)) this.#follow(key, partition);
    this.#reportChanged();
  }

  /** Reports the partition's readable end now and after every append, until cancelled. */
  #follow(key: string, partition: SearchablePartition): void {
    const subscription: Subscription = { partition, cancel: () => {}, sent: "", abortedFrom: 0 };
    const report = () => {
      if (this.#subscriptions.get(key) !== subscription) return;
      // Re-armed before reading the offsets, so a move in between is reported too.
      subscription.cancel = partition.onNextData(report);
      this.#report(subscription);
    };
    this.#subscriptions.set(key, subscription);
    report();
  }

  /** Sends the offsets of every followed partition whose log moved since they were last sent. */
  #reportChanged(): void {
    for (const subscription of this.#subscriptions.values()) this.#report(subscription);
  }

  #report(subscription: Subscription): void {
    const { topic, index, log } = subscription.partition;
    const offsets = { highWatermark: log.highWatermark, logStartOffset: log.logStartOffset, segmentsRewritten: log.segmentsRewritten ?? 0 };
    const described = `${offsets.highWatermark} ${offsets.logStartOffset} ${offsets.segmentsRewritten}`;
    if (described === subscription.sent) return;
    subscription.sent = described;
    // Aborts are sent once each, with the end they lie below: the worker knows them before it indexes there.
    const aborted = (subscription.partition.abortedSince?.(subscription.abortedFrom) ?? []).map(({ producerId, firstOffset, lastOffset }) => ({ producerId, firstOffset, lastOffset }));
    for (const range of aborted) subscription.abortedFrom = Math.max(subscription.abortedFrom, range.lastOffset + 1);
    this.#post({ type: "offsets", topic, index, ...offsets, aborted });
  }

  async search(topics: string[], request: SearchRequest): Promise<SearchResponse> {
    // A topic made searchable since the last periodic sync (created a moment ago) is searched, not
    // refused as unknown: the partitions go first. Messages arrive in order, so the worker also
    // knows the log as it is now before it searches.
    const followed = new Set([...this.#subscriptions.values()].map((subscription) => subscription.partition.topic));
    if (topics.some((topic) => !followed.has(topic))) this.sync();
    else this.#reportChanged();
    const answer = await this.#ask((id) => ({ type: "search", id, topics, request }));
    if (answer.type !== "result") throw new Error(`Search worker answered "${answer.type}" to a search`);
    return answer.response;
  }

  async stats(): Promise<SearchStats> {
    const answer = await this.#ask((id) => ({ type: "stats", id }));
    if (answer.type !== "stats") throw new Error(`Search worker answered "${answer.type}" to stats`);
    return answer.stats;
  }

  async metrics(): Promise<SearchMetrics> {
    const answer = await this.#ask((id) => ({ type: "metrics", id }));
    if (answer.type !== "metrics") throw new Error(`Search worker answered "${answer.type}" to metrics`);
    return answer.metrics;
  }

  /** Stops following logs, lets the worker finish its current step, and ends it. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      clearInterval(this.#timer);
      for (const subscription of this.#subscriptions.values()) subscription.cancel();
      this.#subscriptions.clear();
      try {
        await this.#ask((id) => ({ type: "stop", id }));
      } finally {
        this.#worker.terminate();
      }
    })();
    return this.#stopping;
  }

  #post(message: ToWorker): void {
    this.#worker.postMessage(message);
  }

  #ask(message: (id: number) => ToWorker): Promise<FromWorker> {
    const id = this.#nextId++;
    return new Promise<FromWorker>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`Search worker did not answer within ${workerAnswerTimeoutMs} ms`));
      }, workerAnswerTimeoutMs);
      const done = <T>(settle: (value: T) => void) => (value: T) => {
        clearTimeout(timer);
        settle(value);
      };
      this.#pending.set(id, { resolve: done(resolve), reject: done(reject) });
      this.#post(message(id));
    });
  }

  #settle(message: FromWorker): void {
    const pending = this.#pending.get(message.id);
    if (!pending) return;
    this.#pending.delete(message.id);
    if (message.type !== "error") pending.resolve(message);
    else if (message.queryErrorType !== null) pending.reject(new QueryError(message.queryErrorType, message.message));
    else pending.reject(new Error(`Search failed in the worker: ${message.message}`));
  }
}
