// The transaction coordinator's durable state: the internal compacted topic
// `__transaction_state`, one record per transactional id in Kafka's own formats
// (TransactionLogKey v0, TransactionLogValue v0), written before the coordinator acts on a
// change (a prepared commit is on disk before any marker goes out). At start the log is
// replayed, last value per id winning.

import type { Logger } from "../../logger.ts";
import { TransactionLogKey } from "../../protocol/internal/transaction-log-key.ts";
import { TransactionLogValue } from "../../protocol/internal/transaction-log-value.ts";
import { Reader } from "../../protocol/reader.ts";
import { Writer } from "../../protocol/writer.ts";
import { buildRecordBatch, decodeRecordBatches } from "../../records/record-batch.ts";
import { transactionStateTopic } from "../groups/group-log.ts";
import type { Partition } from "../partition.ts";
import type { TopicRegistry } from "../topic-registry.ts";

/** Kafka's TransactionState codes, as stored. */
export const TransactionStatus = {
  empty: 0,
  ongoing: 1,
  prepareCommit: 2,
  prepareAbort: 3,
  completeCommit: 4,
  completeAbort: 5,
  dead: 6,
  prepareEpochFence: 7,
} as const;
export type TransactionStatus = (typeof TransactionStatus)[keyof typeof TransactionStatus];

export const transactionStatusNames: Record<number, string> = {
  0: "Empty", 1: "Ongoing", 2: "PrepareCommit", 3: "PrepareAbort", 4: "CompleteCommit", 5: "CompleteAbort", 6: "Dead", 7: "PrepareEpochFence",
};

/** One transactional id's state. Partitions are "topic" → partition indexes. */
export interface TransactionState {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  timeoutMs: number;
  status: TransactionStatus;
  partitions: Map<string, Set<number>>;
  startMs: number;
  updateMs: number;
}

const keyVersion = 0;
const valueVersion = 0;
const replayReadBytesMax = 4 * 1024 * 1024;

export function encodeTransactionRecord(state: TransactionState): { key: Uint8Array; value: Uint8Array } {
  const key = new Writer();
  key.writeInt16(keyVersion);
  TransactionLogKey.encode(key, keyVersion, { transactionalId: state.transactionalId });
  const value = new Writer();
  value.writeInt16(valueVersion);
  TransactionLogValue.encode(value, valueVersion, {
    producerId: state.producerId,
    producerEpoch: state.producerEpoch,
    transactionTimeoutMs: state.timeoutMs,
    transactionStatus: state.status,
    transactionPartitions: [...state.partitions].map(([topic, partitions]) => ({ topic, partitionIds: [...partitions].sort((a, b) => a - b) })),
    transactionLastUpdateTimestampMs: state.updateMs,
    transactionStartTimestampMs: state.startMs,
  });
  return { key: key.finish(), value: value.finish() };
}

export function decodeTransactionRecord(keyBytes: Uint8Array, valueBytes: Uint8Array | null): { transactionalId: string; state: TransactionState | null } {
  const key = new Reader(keyBytes);
  const { transactionalId } = TransactionLogKey.decode(key, key.readInt16());
  if (valueBytes === null) return { transactionalId, state: null };
  const reader = new Reader(valueBytes);
  const version = reader.readInt16();
  if (version < 0 || version > 1) throw new Error(`TransactionLogValue version ${version} is not 0 or 1`);
  const value = TransactionLogValue.decode(reader, version);
  return {
    transactionalId,
    state: {
      transactionalId,
      producerId: value.producerId,
      producerEpoch: value.producerEpoch,
      timeoutMs: value.transactionTimeoutMs,
      status: value.transactionStatus as TransactionStatus,
      partitions: new Map((value.transactionPartitions ?? []).map((entry) => [entry.topic, new Set(entry.partitionIds)])),
      startMs: value.transactionStartTimestampMs,
      updateMs: value.transactionLastUpdateTimestampMs,
    },
  };
}

export class TransactionLog {
  readonly #partition: Partition;
  readonly #logger: Logger;

  private constructor(partition: Partition, logger: Logger) {
    this.#partition = partition;
    this.#logger = logger;
  }

  /** Opens `__transaction_state`, creating it (one partition, compacted) on first start. */
  static async open(topics: TopicRegistry, logger: Logger): Promise<TransactionLog> {
    const topic = topics.get(transactionStateTopic) ?? (await topics.create(transactionStateTopic, 1, { "cleanup.policy": "compact" }));
    return new TransactionLog(topic.partitions[0], logger);
  }

  /** Every transactional id's last state; an unreadable record is logged and skipped. */
  async replay(): Promise<Map<string, TransactionState>> {
    const states = new Map<string, TransactionState>();
    const log = this.#partition.log;
    let offset = log.logStartOffset;
    while (offset < log.highWatermark) {
      const batches = decodeRecordBatches((await log.read(offset, replayReadBytesMax)).bytes);
      if (batches.length === 0) break;
      for (const batch of batches) {
        for (const record of batch.records) {
          if (record.offset < offset || record.key === null) continue;
          try {
            const { transactionalId, state } = decodeTransactionRecord(record.key, record.value);
            if (state === null) states.delete(transactionalId);
            else states.set(transactionalId, state);
          } catch (error) {
            this.#logger.warn("Skipping unreadable transaction record", { offset: record.offset, error: (error as Error).message });
          }
        }
        offset = Math.max(offset, batch.header.baseOffset + batch.header.lastOffsetDelta + 1);
      }
    }
    return states;
  }

  /** Writes the state and resolves once it is durable. */
  async write(state: TransactionState, timestamp: number): Promise<void> {
    await this.#partition.append(buildRecordBatch({ timestamp, records: [encodeTransactionRecord(state)] }));
  }

  /** Writes a tombstone for the transactional id (it expired), and resolves once it is durable. */
  async remove(transactionalId: string, timestamp: number): Promise<void> {
    const key = new Writer();
    key.writeInt16(keyVersion);
    TransactionLogKey.encode(key, keyVersion, { transactionalId });
    await this.#partition.append(buildRecordBatch({ timestamp, records: [{ key: key.finish(), value: null }] }));
  }
}
