// A consumer of assigned partitions (no group): it finds where to start (ListOffsets), then
// long-polls each partition leader with Fetch and hands back the decoded records, in offset
// order per partition. With `stopAtEnd`, it records every partition's end offset at start and
// finishes once each one is reached, as `kcat -e` does.
//
// The next fetch is sent as soon as the previous answer is decoded, so the network works
// while the caller writes out what it got.

import { ErrorCode, KafkaProtocolError } from "../protocol/errors.ts";
import type { DecodedRecord } from "../records/decode-batches.ts";
import type { Cluster } from "./cluster.ts";
import { ClientError, isRetriableError } from "./errors.ts";
import { type BatchSummary, fetchFromLeader, type FetchedPartition, type FetchPosition, type FetchSettings } from "./fetch-round.ts";
import { IsolationLevel, listOffsets, OffsetSpec, type PartitionOffset } from "./list-offsets.ts";
import { backoffDelayMs, defaultRetryOptions, type RetryOptions, sleep } from "./retry.ts";

/**
 * Where to start: the first record, the next one to be written, an exact offset, N records
 * after the first or before the end, or the first record at or after a timestamp (epoch ms).
 */
export type StartPosition =
  | "beginning"
  | "end"
  | { offset: number }
  | { fromStart: number }
  | { fromEnd: number }
  | { timestamp: number };

/**
 * Where to stop (exclusive): the end offset each partition had at start, an exact offset, or
 * the first record at or after a timestamp (the end at start when no record is that late yet).
 */
export type StopPosition = "end" | { offset: number } | { timestamp: number };

export interface ConsumerOptions extends FetchSettings {
  topic: string;
  /** All of the topic's partitions when absent. */
  partitions?: number[];
  start: StartPosition;
  /** Finish once every partition reaches the end offset it had when the consumer started. */
  stopAtEnd: boolean;
  /** Finish once every partition reaches this position; overrides stopAtEnd. */
  stopAt?: StopPosition;
  /** Tries for a failing fetch before giving up (retriable errors only). */
  retry: RetryOptions;
}

export const defaultConsumerOptions: Omit<ConsumerOptions, "topic"> = {
  start: "beginning",
  stopAtEnd: false,
  maxWaitMs: 500,
  minBytes: 1,
  fetchBytesMax: 64 * 1024 * 1024,
  partitionFetchBytesMax: 16 * 1024 * 1024,
  readCommitted: true,
  retry: { ...defaultRetryOptions, attempts: 10 },
};

/** Records of one partition from one fetch, in offset order. */
export interface RecordChunk {
  topic: string;
  partition: number;
  records: DecodedRecord[];
  /** The batches the records came from, for batch-level fields (attributes, leader epoch). */
  batches: BatchSummary[];
  highWatermark: number;
}

interface PartitionState extends FetchPosition {
  /** Stop before this offset (stopAtEnd), else Infinity. */
  endOffset: number;
}

export class Consumer {
  readonly options: ConsumerOptions;
  readonly #cluster: Cluster;
  #partitions: PartitionState[] | null = null;
  #prefetch: Promise<RecordChunk[]> | null = null;
  #failures = 0;

  constructor(cluster: Cluster, options: Partial<ConsumerOptions> & { topic: string }) {
    this.#cluster = cluster;
    this.options = { ...defaultConsumerOptions, ...options };
  }

  /** The next offset to read per partition (after start() or the first poll()). */
  get positions(): Map<number, number> {
    return new Map((this.#partitions ?? []).map((state) => [state.partition, state.position]));
  }

  /** True once every partition reached its end offset (only with stopAtEnd). */
  get finished(): boolean {
    return this.#partitions !== null && this.#partitions.every((state) => state.position >= state.endOffset);
  }

  /** Resolves partitions and start offsets (and end offsets with stopAtEnd). poll() calls it if needed. */
  async start(): Promise<void> {
    if (this.#partitions !== null) return;
    const { topic } = this.options;
    const info = await this.#cluster.topic(topic);
    const partitions = this.options.partitions ?? info.partitions.map((partition) => partition.partition);
    const unknown = partitions.find((partition) => !info.partitions.some((entry) => entry.partition === partition));
    if (unknown !== undefined) {
      throw new ClientError(`Partition ${unknown} of topic "${topic}" does not exist: the topic has ${info.partitions.length} partitions`);
    }
    const stopAt = this.options.stopAt ?? (this.options.stopAtEnd ? "end" : null);
    const bounds = await partitionBounds(this.#cluster, topic, partitions, this.options.start, stopAt, this.options.readCommitted);
    this.#partitions = partitions.map((partition) => {
      const bound = bounds.get(partition) as { start: number; stop: number };
      return { partition, position: bound.start, endOffset: bound.stop, partitionFetchBytes: this.options.partitionFetchBytesMax };
    });
  }

  /**
   * The records that arrived since the last call (an empty list when a long poll timed out),
   * or null once finished. Fetch errors that retries cannot cure are thrown.
   */
  async poll(): Promise<RecordChunk[] | null> {
    await this.start();
    const pending = this.#prefetch;
    this.#prefetch = null;
    // A prefetched round may have reached the end offsets already: its records still count.
    if (pending === null && this.finished) return null;
    const chunks = await (pending ?? this.#fetchRound());
    if (!this.finished) {
      const next = this.#fetchRound();
      // poll() may never be called again (the caller had enough): the failure is reported only if it is.
      next.catch(() => undefined);
      this.#prefetch = next;
    }
    return chunks;
  }

  async #fetchRound(): Promise<RecordChunk[]> {
    const active = (this.#partitions ?? []).filter((state) => state.position < state.endOffset);
    try {
      const fetched = await this.#fetchAll(active);
      this.#failures = 0;
      return fetched.flatMap((entry) => this.#advance(entry));
    } catch (error) {
      this.#failures++;
      const retriable = isRetriableError(error) && !this.#cluster.closed;
      if (!retriable || this.#failures >= this.options.retry.attempts) throw error;
      this.#cluster.logger.debug("Retrying fetch", { topic: this.options.topic, attempt: this.#failures, error });
      await sleep(backoffDelayMs(this.#failures - 1, this.options.retry));
      await this.#cluster.topic(this.options.topic).catch(() => undefined);
      return [];
    }
  }

  async #fetchAll(active: PartitionState[]): Promise<FetchedPartition[]> {
    const { topic } = this.options;
    const info = this.#cluster.cachedTopic(topic);
    if (info === undefined) throw new KafkaProtocolError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `no metadata for topic "${topic}"`);
    const byLeader = new Map<number, PartitionState[]>();
    for (const state of active) {
      const leader = this.#cluster.leaderOf(topic, state.partition);
      if (leader < 0) throw new KafkaProtocolError(ErrorCode.LEADER_NOT_AVAILABLE, `topic "${topic}" partition ${state.partition}`);
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), state]);
    }
    const rounds = await Promise.all(
      [...byLeader].map(async ([leader, states]) =>
        fetchFromLeader(await this.#cluster.brokerConnection(leader), { name: topic, topicId: info.topicId }, states, this.options),
      ),
    );
    return rounds.flat();
  }

  /** Moves a partition's position past what was fetched; returns its records below the end offset. */
  #advance(fetched: FetchedPartition): RecordChunk[] {
    const state = this.#partitions?.find((entry) => entry.partition === fetched.partition);
    if (state === undefined) return [];
    const records: DecodedRecord[] = [];
    for (const record of fetched.records) {
      if (record.offset >= state.position && record.offset < state.endOffset) records.push(record);
    }
    state.position = Math.max(state.position, fetched.nextOffset);
    if (records.length === 0) return [];
    return [{ topic: this.options.topic, partition: state.partition, records, batches: fetched.batches, highWatermark: fetched.highWatermark }];
  }
}

type OffsetLookup = (timestamp: number) => Promise<Map<number, PartitionOffset>>;

/** Start and stop offsets per partition; ListOffsets is asked only for what the positions need. */
async function partitionBounds(
  cluster: Cluster,
  topic: string,
  partitions: number[],
  start: StartPosition,
  stopAt: StopPosition | null,
  readCommitted: boolean,
): Promise<Map<number, { start: number; stop: number }>> {
  const cache = new Map<number, Promise<Map<number, PartitionOffset>>>();
  const lookup: OffsetLookup = (timestamp) => {
    let pending = cache.get(timestamp);
    if (pending === undefined) {
      pending = listOffsets(cluster, topic, { partitions, timestamp, isolationLevel: readCommitted ? IsolationLevel.readCommitted : IsolationLevel.readUncommitted });
      cache.set(timestamp, pending);
    }
    return pending;
  };
  const bounds = new Map<number, { start: number; stop: number }>();
  for (const partition of partitions) {
    let startOffset = await offsetOf(start, partition, lookup);
    let stopOffset = stopAt === null ? Infinity : await offsetOf(stopAt, partition, lookup);
    if (typeof start === "object" && "offset" in start) {
      // One offset for all partitions: a shorter partition starts at its end, not with OFFSET_OUT_OF_RANGE.
      startOffset = Math.min(Math.max(startOffset, await offsetOf("beginning", partition, lookup)), await offsetOf("end", partition, lookup));
    }
    if (stopAt !== null && typeof stopAt === "object" && "offset" in stopAt) {
      // A stop offset past the current end would wait for records that may never come (rpk does): stop at the end instead.
      stopOffset = Math.min(stopOffset, await offsetOf("end", partition, lookup));
    }
    bounds.set(partition, { start: startOffset, stop: stopOffset });
  }
  return bounds;
}

async function offsetOf(position: StartPosition | StopPosition, partition: number, lookup: OffsetLookup): Promise<number> {
  const earliest = async () => (await lookup(OffsetSpec.earliest)).get(partition)?.offset ?? 0;
  const latest = async () => (await lookup(OffsetSpec.latest)).get(partition)?.offset ?? 0;
  if (position === "beginning") return earliest();
  if (position === "end") return latest();
  if ("offset" in position) return position.offset;
  if ("fromStart" in position) return Math.min(await latest(), (await earliest()) + position.fromStart);
  if ("fromEnd" in position) return Math.max(await earliest(), (await latest()) - position.fromEnd);
  const found = (await lookup(position.timestamp)).get(partition)?.offset ?? -1;
  // No record at or after the timestamp yet: the next one written will be.
  return found < 0 ? latest() : found;
}
