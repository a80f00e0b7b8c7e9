// The storage contract of one partition: an append-only sequence of RecordBatch v2
// batches, addressed by offset. FileLog (segments on disk) and MemoryLog (tests)
// implement it; the engine sees only this interface.

import type { LogSettings } from "./log-settings.ts";
import type { ProducerSnapshotFiles } from "./producer-snapshot-files.ts";
import type { TransactionIndexFiles } from "./transaction-index.ts";

/** What an append assigned, returned once the data is durable per the log's fsync policy. */
export interface AppendResult {
  /** Offset given to the first record of the first batch. */
  baseOffset: number;
  /** Offset given to the last record of the last batch. */
  lastOffset: number;
  /** The stamped LogAppendTime, or -1 when the batches keep their CreateTime. */
  logAppendTime: number;
  logStartOffset: number;
  /** Set when nothing was written: the batch was a producer's retry of one already in the log. */
  duplicate?: boolean;
}

/** Whole stored batches, byte for byte, plus the partition state a Fetch response reports. */
export interface ReadResult {
  bytes: Uint8Array;
  /** Where the bytes start in their segment's file, when the log is on disk (search notes it to read records back). */
  position?: number;
  highWatermark: number;
  logStartOffset: number;
}

/** A record's coordinates in time: its offset and its timestamp (ms since the epoch). */
export interface TimestampAndOffset {
  offset: number;
  timestamp: number;
}

export interface AppendOptions {
  /** When set, every batch gets this LogAppendTime (maxTimestamp rewritten, CRC resealed). */
  logAppendTime?: number;
}

export interface PartitionLog {
  /** First offset still readable (records below it were deleted or never existed). */
  readonly logStartOffset: number;
  /** Next offset to assign. */
  readonly logEndOffset: number;
  /** What consumers may read: the durable end under fsync "always", logEndOffset otherwise. */
  readonly highWatermark: number;
  /** Assigns offsets to the concatenated, already validated batches, stores them, and resolves once durable. */
  append(batches: Uint8Array, options?: AppendOptions): Promise<AppendResult>;
  /**
   * Whole batches from the one holding `offset`, up to `maxBytes` but at least one batch, never
   * past the high watermark nor, when given, the batch starting at `upTo` (a read_committed
   * fetch stops at the last stable offset, where an open transaction begins).
   */
  read(offset: number, maxBytes: number, upTo?: number): Promise<ReadResult>;
  /** First record whose timestamp is at or after `timestamp`, or null when there is none. */
  offsetForTimestamp(timestamp: number): Promise<TimestampAndOffset | null>;
  /** The record with the largest timestamp (the first one when several share it), or null when empty. */
  maxTimestamp(): TimestampAndOffset | null;
  /** Removes every batch whose last offset is at or after `offset`; the log end becomes that batch's base offset. */
  truncateTo(offset: number): Promise<void>;
  /** Moves the log start forward (DeleteRecords, retention) and drops segments wholly below it. */
  advanceLogStartOffset(offset: number): Promise<void>;
  /** Flushes and releases everything; the log is unusable afterwards. */
  close(): Promise<void>;
  /** Replaces rolling, retention and compaction settings while the log runs (logs without them ignore it). */
  configure?(settings: Partial<LogSettings>): void;
  /** The producer state snapshots kept beside the log (logs without a folder have none). */
  readonly producerSnapshots?: ProducerSnapshotFiles;
  /** The aborted-transaction indexes of its sealed segments (logs without a folder have none). */
  readonly transactionIndexes?: TransactionIndexFiles;
  /** Bytes of the stored batches (logs that do not track it have none). */
  readonly sizeBytes?: number;
  /** The folder holding the segment files, which search reads in place and indexes beside (logs kept in memory have none). */
  readonly dir?: string;
  /** Sealed segments replaced by compacted ones since the log opened, so search knows to recheck them (logs that never compact have none). */
  readonly segmentsRewritten?: number;
  /** Base offsets of the segments, ascending (logs without segments have none). */
  segmentBaseOffsets?(): number[];
  /**
   * Calls `listener` with the new segment's base offset and the sealed one's each time the log
   * rolls: synchronously, after every batch below the new base was written and before the batch
   * that made it roll.
   */
  onRoll?(listener: (baseOffset: number, sealedBaseOffset: number) => void): void;
}

/** Kafka's OFFSET_OUT_OF_RANGE error code (Errors.java). */
const offsetOutOfRangeCode = 1;

/** A read or truncation asked for an offset outside [logStartOffset, logEndOffset]. */
export class OffsetOutOfRangeError extends Error {
  override name = "OffsetOutOfRangeError";
  readonly errorCode = offsetOutOfRangeCode;
  readonly retriable = false;
  readonly offset: number;

  constructor(offset: number, logStartOffset: number, logEndOffset: number) {
    super(`Offset "${offset}" is out of range: the log holds offsets ${logStartOffset} to ${logEndOffset}`);
    this.offset = offset;
  }
}

/** The log hit an I/O failure (for example a failed fsync) and refuses further writes. */
export class LogFailedError extends Error {
  override name = "LogFailedError";
  /** Kafka's KAFKA_STORAGE_ERROR: the client retries, possibly against another replica. */
  readonly errorCode = 56;
  readonly retriable = true;
}

/**
 * A write failed but the log is intact (for example the disk is full: the partial write was
 * cut off). Kafka's KAFKA_STORAGE_ERROR; later appends may succeed once space returns.
 */
export class StorageWriteError extends Error {
  override name = "StorageWriteError";
  readonly errorCode = 56;
  readonly retriable = true;
}
