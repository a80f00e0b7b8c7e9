// The coordinator's durable state: an internal compacted topic, `__consumer_offsets`, on the
// same storage as every other topic, holding Kafka's own record formats (offsets-topic-format.ts).
// An append resolves once it is as durable as the broker's fsync policy makes produces, so a
// commit is acknowledged only then. At start the whole log is replayed, last value per key
// winning, to rebuild offsets and groups. Records in the JSON format of older chronik versions
// are read too; the coordinator then writes everything again and drops them (replaceAll).

import { Attributes } from "../../records/batch-header.ts";
import { buildRecordBatch, decodeRecordBatches } from "../../records/record-batch.ts";
import { ControlRecordType, controlRecordType } from "../../records/transaction-marker.ts";
import type { Logger } from "../../logger.ts";
import type { Partition } from "../partition.ts";
import type { TopicRegistry } from "../topic-registry.ts";
import type { GroupRecord } from "./group-records.ts";
import { decodeLegacyJsonRecord, isLegacyJsonKey } from "./legacy-json-records.ts";
import { GroupRecordWriter, GroupStateReader } from "./offsets-topic-format.ts";
import type { OffsetsTopicRecord } from "./offsets-topic-format.ts";

export const consumerOffsetsTopic = "__consumer_offsets";
/** The transaction coordinator's log (transactions/transaction-log.ts). */
export const transactionStateTopic = "__transaction_state";

/** Topics the broker writes itself; clients see them with isInternal=true and may not produce to or delete them. */
export function isInternalTopic(name: string): boolean {
  return name === consumerOffsetsTopic || name === transactionStateTopic;
}

/** Bytes asked of the log per read while replaying. */
const replayReadBytesMax = 4 * 1024 * 1024;
/** Records per appended batch, well below any batch size limit for the small records. */
const recordsPerBatchMax = 500;

export interface Replayed {
  state: GroupStateReader;
  /** Records read, and how many of them were in the old JSON format. */
  records: number;
  legacyRecords: number;
  /** Offsets committed in transactions still open (no marker yet), by producer id. */
  pendingTransactions: Map<number, OffsetsTopicRecord[]>;
}

/** A transaction's producer, as its batches carry it. */
export interface TransactionProducer {
  producerId: number;
  producerEpoch: number;
}


export class GroupLog {
  readonly #partition: Partition;
  readonly #logger: Logger;
  readonly #writer = new GroupRecordWriter();
  readonly #now: () => number;

  constructor(partition: Partition, logger: Logger, now: () => number = Date.now) {
    this.#partition = partition;
    this.#logger = logger;
    this.#now = now;
  }

  /** Opens `__consumer_offsets`, creating it (one partition, compacted) on first start. */
  static async open(topics: TopicRegistry, logger: Logger, now?: () => number): Promise<GroupLog> {
    const topic = topics.get(consumerOffsetsTopic) ?? (await topics.create(consumerOffsetsTopic, 1, { "cleanup.policy": "compact" }));
    return new GroupLog(topic.partitions[0], logger, now);
  }

  /**
   * Reads every record in log order into the state; an unreadable record is logged and skipped.
   * Records of a transaction (TxnOffsetCommit) count once its commit marker is read, and not at
   * all after an abort; those of transactions still open are returned apart.
   */
  async replay(): Promise<Replayed> {
    const state = new GroupStateReader();
    const legacyWriter = new GroupRecordWriter();
    const pendingTransactions = new Map<number, OffsetsTopicRecord[]>();
    const log = this.#partition.log;
    let offset = log.logStartOffset;
    let records = 0;
    let legacyRecords = 0;
    const apply = (key: Uint8Array, value: Uint8Array | null, at: number) => {
      try {
        state.apply(key, value);
      } catch (error) {
        this.#logger.warn("Skipping unreadable group record", { offset: at, error: (error as Error).message });
      }
    };
    while (offset < log.highWatermark) {
      const read = await log.read(offset, replayReadBytesMax);
      const batches = decodeRecordBatches(read.bytes);
      if (batches.length === 0) break;
      for (const batch of batches) {
        const { attributes, producerId } = batch.header;
        const from = offset;
        offset = Math.max(offset, batch.header.baseOffset + batch.header.lastOffsetDelta + 1);
        if (batch.header.baseOffset + batch.header.lastOffsetDelta < from) continue;
        if ((attributes & Attributes.control) !== 0) {
          const pending = pendingTransactions.get(producerId) ?? [];
          pendingTransactions.delete(producerId);
          if (controlRecordType(batch.records[0]?.key) === ControlRecordType.commit) for (const record of pending) apply(record.key, record.value, batch.header.baseOffset);
          continue;
        }
        const transactional = (attributes & Attributes.transactional) !== 0;
        for (const record of batch.records) {
          if (record.offset < from || record.key === null) continue;
          records++;
          if (transactional) {
            const pending = pendingTransactions.get(producerId) ?? [];
            pending.push({ key: record.key, value: record.value });
            pendingTransactions.set(producerId, pending);
          } else if (isLegacyJsonKey(record.key)) {
            try {
              const legacy = decodeLegacyJsonRecord(record.key, record.value);
              if (legacy === null) continue;
              for (const converted of legacyWriter.encode(legacy, batch.header.maxTimestamp)) state.apply(converted.key, converted.value);
              legacyRecords++;
            } catch (error) {
              this.#logger.warn("Skipping unreadable group record", { offset: record.offset, error: (error as Error).message });
            }
          } else {
            apply(record.key, record.value, record.offset);
          }
        }
      }
    }
    for (const [groupId, group] of state.groups()) this.#writer.remember(groupId, group);
    return { state, records, legacyRecords, pendingTransactions };
  }

  /**
   * Appends offset records committed in a producer's transaction (TxnOffsetCommit), as a
   * transactional batch of that producer; they count once the transaction's commit marker is written.
   */
  async appendTransactional(records: readonly GroupRecord[], producer: TransactionProducer): Promise<void> {
    const nowMs = this.#now();
    const encoded = records.flatMap((record) => this.#writer.encode(record, nowMs));
    if (encoded.length === 0) return;
    const batch = buildRecordBatch({ timestamp: nowMs, records: encoded, producerId: producer.producerId, producerEpoch: producer.producerEpoch, baseSequence: -1, transactional: true });
    await this.#partition.append(batch, { fromCoordinator: true });
  }

  /** Writes a transaction's marker into the topic. */
  async writeMarker(marker: TransactionProducer & { commit: boolean; coordinatorEpoch: number }): Promise<void> {
    await this.#partition.writeMarker(marker, this.#now());
  }

  /** Appends the records in order and resolves once they are durable. */
  async append(records: readonly GroupRecord[]): Promise<void> {
    const nowMs = this.#now();
    await this.#appendEncoded(records.flatMap((record) => this.#writer.encode(record, nowMs)), nowMs);
  }

  /**
   * Writes `records` (the whole state) and then moves the log start past everything before
   * them: what the log held before is no longer read, and goes with its segments. A crash in
   * between leaves both, which replay the same; the next start does it again.
   */
  async replaceAll(records: readonly GroupRecord[]): Promise<void> {
    const log = this.#partition.log;
    const start = log.logEndOffset;
    await this.append(records);
    await log.advanceLogStartOffset(start);
  }

  async #appendEncoded(records: readonly OffsetsTopicRecord[], timestamp: number): Promise<void> {
    if (records.length === 0) return;
    const batches: Uint8Array[] = [];
    for (let start = 0; start < records.length; start += recordsPerBatchMax) {
      batches.push(buildRecordBatch({ timestamp, records: records.slice(start, start + recordsPerBatchMax) }));
    }
    await this.#partition.append(batches.length === 1 ? batches[0] : Buffer.concat(batches));
  }
}
