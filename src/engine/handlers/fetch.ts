// Fetch: whole stored batches from each requested partition, long-polling until `min_bytes`
// are ready or `max_wait_ms` passes. Batches are returned as stored, never re-encoded.
//
// Fetch Request (Version: 13) => replica_id max_wait_ms min_bytes max_bytes isolation_level session_id
//                                session_epoch [topics] [forgotten_topics_data] rack_id _tagged_fields
//   topics => topic_id [partitions] _tagged_fields
//     partitions => partition current_leader_epoch fetch_offset last_fetched_epoch log_start_offset
//                   partition_max_bytes _tagged_fields
// Fetch Response (Version: 13) => throttle_time_ms error_code session_id [responses] _tagged_fields
//   responses => topic_id [partitions] _tagged_fields
//     partitions => partition_index error_code high_watermark last_stable_offset log_start_offset
//                   [aborted_transactions] preferred_read_replica records _tagged_fields

import { ErrorCode } from "../../protocol/errors.ts";
import type {
  FetchRequest,
  FetchRequestFetchPartition,
  FetchResponse,
  FetchResponsePartitionData,
} from "../../protocol/messages/fetch.ts";
import { batchHeaderSize, batchSizeAt, readBatchHeader } from "../../records/batch-header.ts";
import { OffsetOutOfRangeError } from "../../storage/partition-log.ts";
import { type Handler, type HandlerContext, schedulerOf } from "../handler-context.ts";
import type { Scheduler } from "../groups/scheduler.ts";
import type { Partition } from "../partition.ts";
import { partitionOf, zeroTopicId } from "../topic-lookup.ts";
import { Operation, topicAllowed } from "../access.ts";
import type { Topic } from "../topic-registry.ts";

/** Kafka answers "no data" with an empty record set, never null: librdkafka rejects a null one. */
const emptyRecords = new Uint8Array(0);

/** Upper bound on how long one fetch may park, whatever the client asks. */
export const fetchWaitMsMax = 30_000;

interface ResolvedTopic {
  name: string;
  topicId: string;
  topic: Topic | null;
  /** The principal may not READ the topic: every partition answers TOPIC_AUTHORIZATION_FAILED. */
  refused: boolean;
  partitions: FetchRequestFetchPartition[];
}

function emptyPartition(index: number, errorCode: number, partition: Partition | null = null): FetchResponsePartitionData {
  return {
    partitionIndex: index,
    errorCode,
    highWatermark: partition ? partition.log.highWatermark : -1,
    lastStableOffset: partition ? partition.lastStableOffset : -1,
    logStartOffset: partition ? partition.log.logStartOffset : -1,
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: emptyRecords,
  };
}

function resolveTopics(ctx: HandlerContext, request: FetchRequest): ResolvedTopic[] {
  const byId = ctx.apiVersion >= 13;
  return request.topics.map((requested) => {
    const topic = byId ? ctx.topics.getById(requested.topicId ?? "") : ctx.topics.get(requested.topic ?? "");
    // A name is checked whether or not it exists (Kafka's order); an unknown id stays unknown.
    const name = topic?.meta.name ?? (byId ? null : (requested.topic ?? ""));
    return {
      refused: name !== null && !topicAllowed(ctx, Operation.READ, name),
      name: topic?.meta.name ?? requested.topic ?? "",
      topicId: topic?.meta.topicId ?? requested.topicId ?? zeroTopicId,
      topic: topic ?? null,
      partitions: requested.partitions,
    };
  });
}

/** One pass over every requested partition; `bytesMax` bounds the whole response (soft, per KIP-74). */
/** Kafka's isolation levels: read_committed reads up to the last stable offset and skips aborted transactions. */
const IsolationLevel = { readUncommitted: 0, readCommitted: 1 } as const;

async function readOnce(ctx: HandlerContext, topics: ResolvedTopic[], bytesMax: number, readCommitted: boolean) {
  let bytesRead = 0;
  const unknownTopicCode = ctx.apiVersion >= 13 ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  const responses = [];
  for (const resolved of topics) {
    const partitions: FetchResponsePartitionData[] = [];
    for (const requested of resolved.partitions) {
      const partition = resolved.topic ? partitionOf(resolved.topic, requested.partition) : null;
      if (resolved.refused) {
        partitions.push(emptyPartition(requested.partition, ErrorCode.TOPIC_AUTHORIZATION_FAILED));
      } else if (!resolved.topic) {
        partitions.push(emptyPartition(requested.partition, unknownTopicCode));
      } else if (!partition) {
        partitions.push(emptyPartition(requested.partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
      } else {
        const budget = Math.min(requested.partitionMaxBytes, bytesMax - bytesRead);
        const data = await readPartition(ctx, partition, { fetchOffset: requested.fetchOffset, budget, isFirstData: bytesRead === 0, readCommitted });
        bytesRead += data.records?.length ?? 0;
        partitions.push(data);
      }
    }
    responses.push({ topic: resolved.name, topicId: resolved.topicId, partitions });
  }
  return { responses, bytesRead };
}

function hasPartitionError(responses: Array<{ partitions: FetchResponsePartitionData[] }>): boolean {
  return responses.some((topic) => topic.partitions.some((partition) => partition.errorCode !== ErrorCode.NONE));
}

/** The offset after the last record of the whole batches in `bytes`, or `fallback` when there are none. */
function endOffsetOf(bytes: Uint8Array, fallback: number): number {
  let end = fallback;
  for (let position = 0; position + batchHeaderSize <= bytes.length; position += batchSizeAt(bytes, position)) {
    const header = readBatchHeader(bytes, position);
    end = header.baseOffset + header.lastOffsetDelta + 1;
  }
  return end;
}

async function readPartition(
  ctx: HandlerContext,
  partition: Partition,
  options: { fetchOffset: number; budget: number; isFirstData: boolean; readCommitted: boolean },
): Promise<FetchResponsePartitionData> {
  const { fetchOffset, budget, isFirstData, readCommitted } = options;
  // Once the response is full, later partitions report their offsets without data.
  if (budget <= 0 && !isFirstData) return { ...emptyPartition(partition.index, ErrorCode.NONE, partition), abortedTransactions: readCommitted ? [] : null };
  try {
    const lastStableOffset = partition.lastStableOffset;
    const read = await partition.log.read(fetchOffset, Math.max(budget, 1), readCommitted ? lastStableOffset : undefined);
    // The log returns at least one batch; only the first partition with data may go over budget.
    const fits = isFirstData || read.bytes.length <= budget;
    const records = fits ? read.bytes : emptyRecords;
    // read_committed: the aborted transactions with records in what is returned, for the client to skip.
    const aborted = readCommitted ? partition.abortedTransactions(fetchOffset, endOffsetOf(records, fetchOffset)) : null;
    return {
      ...emptyPartition(partition.index, ErrorCode.NONE, partition),
      highWatermark: read.highWatermark,
      lastStableOffset,
      logStartOffset: read.logStartOffset,
      abortedTransactions: aborted?.map(({ producerId, firstOffset }) => ({ producerId, firstOffset })) ?? null,
      records,
    };
  } catch (error) {
    if (error instanceof OffsetOutOfRangeError) return emptyPartition(partition.index, ErrorCode.OFFSET_OUT_OF_RANGE, partition);
    // The topic was deleted while this fetch was parked: its log is closed.
    if (ctx.topics.get(partition.topic)?.partitions[partition.index] !== partition) {
      return emptyPartition(partition.index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    }
    ctx.logger.error("Cannot read partition", { topic: partition.topic, partition: partition.index, error });
    return emptyPartition(partition.index, ErrorCode.KAFKA_STORAGE_ERROR, partition);
  }
}

/**
 * Resolves when any of the partitions gets new data, `waitMs` passes on `scheduler`, or the request
 * is aborted. `highWatermarksSeen` are the marks before the last read: data that arrived since
 * resolves at once.
 */
function waitForData(partitions: Partition[], highWatermarksSeen: number[], wait: { waitMs: number; scheduler: Scheduler; signal: AbortSignal }): Promise<void> {
  const { waitMs, scheduler, signal } = wait;
  return new Promise((resolve) => {
    const cancels: Array<() => void> = [];
    const done = () => {
      cancelTimer();
      signal.removeEventListener("abort", done);
      for (const cancel of cancels) cancel();
      resolve();
    };
    const cancelTimer = scheduler.schedule(waitMs, done);
    signal.addEventListener("abort", done, { once: true });
    for (const partition of partitions) cancels.push(partition.onNextData(done));
    if (partitions.some((partition, i) => partition.log.highWatermark !== highWatermarksSeen[i])) done();
  });
}

export const handleFetch: Handler<FetchRequest, FetchResponse> = async (request, ctx) => {
  // We never create incremental fetch sessions (session id 0 means "no session"): every fetch is full.
  if (request.sessionId !== undefined && request.sessionId !== 0) {
    return { throttleTimeMs: 0, errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] };
  }
  const topics = resolveTopics(ctx, request);
  const bytesMax = request.maxBytes ?? 0x7fffffff;
  const scheduler = schedulerOf(ctx);
  const deadline = scheduler.now() + Math.min(Math.max(request.maxWaitMs, 0), fetchWaitMsMax);
  const watched = topics.flatMap((resolved) =>
    resolved.topic ? resolved.partitions.map((p) => partitionOf(resolved.topic!, p.partition)).filter((p) => p !== null) : [],
  );
  const highWatermarks = () => watched.map((partition) => partition.log.highWatermark);
  let seen = highWatermarks();
  const readCommitted = request.isolationLevel === IsolationLevel.readCommitted;
  let result = await readOnce(ctx, topics, bytesMax, readCommitted);
  // As Kafka's delayed fetch, a partition error (a deleted topic, an offset out of range) is answered
  // at once: the client has to act on it, and waiting would only delay that.
  while (result.bytesRead < request.minBytes && !ctx.signal.aborted && watched.length > 0 && !hasPartitionError(result.responses)) {
    const waitMs = deadline - scheduler.now();
    if (waitMs <= 0) break;
    await waitForData(watched, seen, { waitMs, scheduler, signal: ctx.signal });
    seen = highWatermarks();
    result = await readOnce(ctx, topics, bytesMax, readCommitted);
  }
  if (ctx.metrics) {
    for (const topic of result.responses) for (const partition of topic.partitions) if (partition.records) ctx.metrics.fetched(topic.topic, partition.records);
  }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses: result.responses };
};
