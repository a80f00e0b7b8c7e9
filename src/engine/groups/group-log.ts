// The coordinator's durable state: an internal compacted topic, `__consumer_offsets`, on the
// same storage as every other topic. An append resolves once it is as durable as the broker's
// fsync policy makes produces, so a commit is acknowledged only then. At start the whole log is
// replayed, last value per key winning, to rebuild offsets and groups.

import { buildRecordBatch, decodeRecordBatches } from "../../records/record-batch.ts";
import type { Logger } from "../../logger.ts";
import type { Partition } from "../partition.ts";
import type { TopicRegistry } from "../topic-registry.ts";
import { decodeGroupRecordKey, encodeGroupRecordKey, encodeGroupRecordValue, type GroupRecord, type GroupRecordKey } from "./group-records.ts";

export const consumerOffsetsTopic = "__consumer_offsets";

/** Topics the broker writes itself; clients see them with isInternal=true and may not produce to or delete them. */
export function isInternalTopic(name: string): boolean {
  return name === consumerOffsetsTopic;
}

/** Bytes asked of the log per read while replaying. */
const replayReadBytesMax = 4 * 1024 * 1024;
/** Records per appended batch, well below any batch size limit for the small JSON records. */
const recordsPerBatchMax = 500;

export class GroupLog {
  readonly #partition: Partition;
  readonly #logger: Logger;

  constructor(partition: Partition, logger: Logger) {
    this.#partition = partition;
    this.#logger = logger;
  }

  /** Opens `__consumer_offsets`, creating it (one partition, compacted) on first start. */
  static async open(topics: TopicRegistry, logger: Logger): Promise<GroupLog> {
    const topic = topics.get(consumerOffsetsTopic) ?? (await topics.create(consumerOffsetsTopic, 1, { "cleanup.policy": "compact" }));
    return new GroupLog(topic.partitions[0], logger);
  }

  /** Calls `apply` for every record in log order; a null value is a tombstone. Returns the record count. */
  async replay(apply: (key: GroupRecordKey, value: Uint8Array | null) => void): Promise<number> {
    const log = this.#partition.log;
    let offset = log.logStartOffset;
    let count = 0;
    while (offset < log.highWatermark) {
      const read = await log.read(offset, replayReadBytesMax);
      const batches = decodeRecordBatches(read.bytes);
      if (batches.length === 0) break;
      for (const batch of batches) {
        for (const record of batch.records) {
          if (record.offset < offset || record.key === null) continue;
          const key = this.#decodeKey(record.key, record.offset);
          if (key) {
            apply(key, record.value);
            count++;
          }
        }
        offset = Math.max(offset, batch.header.baseOffset + batch.header.lastOffsetDelta + 1);
      }
    }
    return count;
  }

  /** Appends the records in order and resolves once they are durable. */
  async append(records: readonly GroupRecord[]): Promise<void> {
    if (records.length === 0) return;
    const batches: Uint8Array[] = [];
    const timestamp = Date.now();
    for (let start = 0; start < records.length; start += recordsPerBatchMax) {
      const slice = records.slice(start, start + recordsPerBatchMax);
      batches.push(buildRecordBatch({
        timestamp,
        records: slice.map((record) => ({ key: encodeGroupRecordKey(record.key), value: encodeGroupRecordValue(record.value) })),
      }));
    }
    await this.#partition.append(batches.length === 1 ? batches[0] : Buffer.concat(batches));
  }

  #decodeKey(bytes: Uint8Array, offset: number): GroupRecordKey | null {
    try {
      return decodeGroupRecordKey(bytes);
    } catch (error) {
      this.#logger.warn("Skipping unreadable group record", { offset, error });
      return null;
    }
  }
}
