// One Fetch request to one leader for some partitions of a topic, and the decoding of its
// answer: whole batches are decoded, control batches (transaction markers) are stepped over,
// and the next offset to ask for follows the last batch returned. Records below the position
// asked for (the start of a compressed batch) are left for the caller to drop. Fetch sessions
// are not used (session id 0, epoch -1): every request names all its partitions.
//
// Fetch Request (Version: 12) => replica_id max_wait_ms min_bytes max_bytes isolation_level session_id
//                                session_epoch [topics] [forgotten_topics_data] rack_id _tagged_fields
//   topics => topic [partitions] _tagged_fields          (topic_id instead of topic from version 13)
//     partitions => partition current_leader_epoch fetch_offset last_fetched_epoch log_start_offset
//                   partition_max_bytes _tagged_fields
// Fetch Response (Version: 12) => throttle_time_ms error_code session_id [responses] _tagged_fields
//   responses => topic [partitions] _tagged_fields
//     partitions => partition_index error_code high_watermark last_stable_offset log_start_offset
//                   [aborted_transactions] preferred_read_replica records _tagged_fields

import { ErrorCode, KafkaProtocolError } from "../protocol/errors.ts";
import { Fetch, type FetchResponsePartitionData } from "../protocol/messages/fetch.ts";
import { decodeRecordBatches, type DecodedRecord } from "../records/decode-batches.ts";
import type { Connection } from "./connection.ts";
import { ClientError } from "./errors.ts";
import { IsolationLevel } from "./list-offsets.ts";
import { Attributes } from "../records/batch-header.ts";
import { ControlRecordType, controlRecordType } from "../records/transaction-marker.ts";

export interface FetchSettings {
  /** How long the broker may hold a fetch while fewer than `minBytes` are ready. */
  maxWaitMs: number;
  minBytes: number;
  /** Upper bound on one fetch response. */
  fetchBytesMax: number;
  /** Upper bound per partition in one fetch response (the broker still returns one whole batch if it is larger). */
  partitionFetchBytesMax: number;
  /**
   * read_committed: read up to the last stable offset and leave out the records of aborted
   * transactions (Kafka's isolation.level); otherwise everything up to the high watermark.
   */
  readCommitted: boolean;
}

export interface FetchPosition {
  partition: number;
  /** The next offset to read. */
  position: number;
  /** Per-partition byte budget; grows when a single batch does not fit. */
  partitionFetchBytes: number;
}

/** What `%a` and `%e` need of the batch a record came from. */
export interface BatchSummary {
  lastOffset: number;
  partitionLeaderEpoch: number;
  /** The batch's attributes field (codec, timestamp type, transactional and control bits). */
  attributes: number;
}

export interface FetchedPartition {
  partition: number;
  /** The batches the records came from, in offset order (control batches included). */
  batches: BatchSummary[];
  /** Every record of the returned batches, control batches excluded; may start below the position asked for. */
  records: DecodedRecord[];
  /** Where the next fetch starts. */
  nextOffset: number;
  highWatermark: number;
}

/** The first Fetch version that names topics by id instead of name. */
const fetchTopicIdVersion = 13;

export async function fetchFromLeader(
  connection: Connection,
  topic: { name: string; topicId: string },
  positions: FetchPosition[],
  settings: FetchSettings,
): Promise<FetchedPartition[]> {
  const version = connection.version(Fetch);
  const byId = version >= fetchTopicIdVersion;
  const response = await connection.request(
    Fetch,
    {
      replicaId: -1,
      maxWaitMs: settings.maxWaitMs,
      minBytes: settings.minBytes,
      maxBytes: settings.fetchBytesMax,
      isolationLevel: settings.readCommitted ? IsolationLevel.readCommitted : IsolationLevel.readUncommitted,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        {
          topic: topic.name,
          topicId: topic.topicId,
          partitions: positions.map((state) => ({
            partition: state.partition,
            currentLeaderEpoch: -1,
            fetchOffset: state.position,
            lastFetchedEpoch: -1,
            logStartOffset: -1,
            partitionMaxBytes: state.partitionFetchBytes,
          })),
        },
      ],
      forgottenTopicsData: [],
      rackId: "",
    },
    { extraWaitMs: settings.maxWaitMs },
  );
  if (response.errorCode !== undefined && response.errorCode !== ErrorCode.NONE) {
    throw new KafkaProtocolError(response.errorCode, `fetch from broker "${connection.label}"`);
  }
  const fetched: FetchedPartition[] = [];
  for (const entry of response.responses) {
    if (byId ? entry.topicId !== topic.topicId : entry.topic !== topic.name) continue;
    for (const answer of entry.partitions) {
      const state = positions.find((candidate) => candidate.partition === answer.partitionIndex);
      if (state !== undefined) fetched.push(decodePartition(topic.name, state, answer, settings));
    }
  }
  return fetched;
}

function decodePartition(topic: string, state: FetchPosition, answer: FetchResponsePartitionData, settings: FetchSettings): FetchedPartition {
  const where = `topic "${topic}" partition ${state.partition}`;
  if (answer.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
    throw new ClientError(
      `Offset ${state.position} is out of range for ${where}: the log holds offsets ${answer.logStartOffset ?? "?"} to ${answer.highWatermark - 1}`,
    );
  }
  if (answer.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(answer.errorCode, `fetch of ${where}`);
  const records: DecodedRecord[] = [];
  const summaries: BatchSummary[] = [];
  let nextOffset = state.position;
  const bytes = answer.records ?? new Uint8Array(0);
  const batches = decodeRecordBatches(bytes);
  const aborted = new AbortedTransactionFilter(settings.readCommitted ? (answer.abortedTransactions ?? []) : []);
  for (const batch of batches) {
    const lastOffset = batch.header.baseOffset + batch.header.lastOffsetDelta;
    nextOffset = Math.max(nextOffset, lastOffset + 1);
    summaries.push({ lastOffset, partitionLeaderEpoch: batch.header.partitionLeaderEpoch, attributes: batch.header.attributes });
    if (aborted.skips(batch) || batch.isControl) continue;
    for (const record of batch.records) records.push(record);
  }
  if (batches.length === 0 && batches.partialBatchBytes > 0) {
    // Only part of one batch fit (brokers before KIP-74 cut at the partition budget): ask for more next time.
    if (state.partitionFetchBytes >= settings.fetchBytesMax) {
      throw new ClientError(`The record batch at offset ${state.position} of ${where} is larger than the fetch limit of ${settings.fetchBytesMax} bytes`);
    }
    state.partitionFetchBytes = Math.min(settings.fetchBytesMax, state.partitionFetchBytes * 2);
  }
  // A read_committed consumer's end is the last stable offset: it never reads past it.
  const lastStableOffset = answer.lastStableOffset ?? -1;
  const end = settings.readCommitted && lastStableOffset >= 0 ? lastStableOffset : answer.highWatermark;
  return { partition: state.partition, batches: summaries, records, nextOffset, highWatermark: end };
}

/**
 * Kafka's consumer rule for read_committed: a transactional batch of a producer whose aborted
 * transaction (as the fetch response lists it) began at or before the batch is skipped, until
 * that producer's abort marker.
 */
class AbortedTransactionFilter {
  readonly #pending: Array<{ producerId: number; firstOffset: number }>;
  readonly #aborting = new Set<number>();

  constructor(aborted: ReadonlyArray<{ producerId: number; firstOffset: number }>) {
    this.#pending = [...aborted].sort((a, b) => a.firstOffset - b.firstOffset);
  }

  skips(batch: { header: { producerId: number; baseOffset: number; lastOffsetDelta: number; attributes: number }; isControl: boolean; records: DecodedRecord[] }): boolean {
    const { producerId, attributes } = batch.header;
    const lastOffset = batch.header.baseOffset + batch.header.lastOffsetDelta;
    while (this.#pending.length > 0 && this.#pending[0].firstOffset <= lastOffset) this.#aborting.add(this.#pending.shift()!.producerId);
    if ((attributes & Attributes.transactional) === 0 || !this.#aborting.has(producerId)) return false;
    // The abort marker ends what is skipped for its producer; the marker itself is skipped as control.
    if (batch.isControl && controlRecordType(batch.records[0]?.key) === ControlRecordType.abort) this.#aborting.delete(producerId);
    return true;
  }
}

