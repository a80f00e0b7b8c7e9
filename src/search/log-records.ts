// Reads a sealed segment's records from the log: records are not in the index file, because the
// log is the document store. The batch that holds a document's offset is read from the log
// segment at the position the segment's batch table remembers, or found by scanning the log's
// batch headers when that position is unknown or stale (compaction rewrote the file). A few
// decoded batches are kept, as hits of one query often share a batch.

import fs from "node:fs";
import { batchHeaderSize, batchLogOverhead, readBatchHeader } from "../records/batch-header.ts";
import { decodeRecordBatches, type DecodedRecord } from "../records/decode-batches.ts";
import { unknownPosition } from "./sealed-format.ts";

/** Decoded batches kept for record(): hits of one query often share a batch. */
const cachedBatchesMax = 4;
/** A batch larger than this (decompressed records) is decoded for its record but not cached. */
const cachedBatchBytesMax = 1024 * 1024;

interface CachedBatch {
  baseOffset: number;
  lastOffset: number;
  bytes: number;
  records: DecodedRecord[];
}

/** Where a sealed segment's records are. */
export interface LogRecordsOptions {
  /** The log segment file the segment was indexed from. */
  logFile: string;
  /** `<topic>-<partition>`, to name a record in errors. */
  topicPartition: string;
  /** The segment's base offset, which the batch table's offsets are relative to. */
  baseOffset: number;
  /** Uint32 pairs per batch: base offset − baseOffset, position in the log file (unknownPosition when unknown). */
  batchTable: Uint32Array;
}

export class LogRecordReader {
  readonly #logFile: string;
  readonly #topicPartition: string;
  readonly #baseOffset: number;
  readonly #batchTable: Uint32Array;
  readonly #batchCount: number;
  readonly #batchCache: CachedBatch[] = [];

  constructor(options: LogRecordsOptions) {
    this.#logFile = options.logFile;
    this.#topicPartition = options.topicPartition;
    this.#baseOffset = options.baseOffset;
    this.#batchTable = options.batchTable;
    this.#batchCount = options.batchTable.length / 2;
  }

  /** Bytes of the decoded batches kept. */
  get cachedBytes(): number {
    let cached = 0;
    for (const batch of this.#batchCache) cached += batch.bytes;
    return cached;
  }

  /** The record at `offset`; throws when it is no longer in the log. */
  record(offset: number): DecodedRecord {
    const gone = () => new Error(`Cannot read record "${this.#topicPartition}@${offset}": the record is no longer in the log`);
    for (const batch of this.#batchCache) {
      if (offset < batch.baseOffset || offset > batch.lastOffset) continue;
      // Records sit at their offset delta unless compaction left gaps.
      const direct = batch.records[offset - batch.baseOffset];
      if (direct?.offset === offset) return direct;
      return batch.records.find((record) => record.offset === offset) ?? throwError(gone());
    }
    let fd: number;
    try {
      fd = fs.openSync(this.#logFile, "r");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") throw gone();
      throw error;
    }
    try {
      const records = this.#readBatchHolding(fd, offset);
      return records?.find((record) => record.offset === offset) ?? throwError(gone());
    } finally {
      fs.closeSync(fd);
    }
  }

  /** The records of the batch holding `offset`: at its remembered position, else by scanning. */
  #readBatchHolding(fd: number, offset: number): DecodedRecord[] | null {
    const table = this.#batchTable;
    let low = 0;
    let high = this.#batchCount - 1;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if (this.#baseOffset + table[2 * middle] <= offset) low = middle;
      else high = middle - 1;
    }
    if (this.#batchCount > 0 && table[2 * low + 1] !== unknownPosition && this.#baseOffset + table[2 * low] <= offset) {
      const position = table[2 * low + 1];
      const header = readHeaderAt(fd, position);
      if (header !== null && header.baseOffset === this.#baseOffset + table[2 * low] && offset <= header.baseOffset + header.lastOffsetDelta) {
        return this.#decodeAt(fd, position, header.batchLength + batchLogOverhead);
      }
    }
    // The position is unknown or stale (compaction rewrote the file): walk the batch headers.
    for (let position = 0; ; ) {
      const header = readHeaderAt(fd, position);
      if (header === null || header.batchLength + batchLogOverhead < batchHeaderSize) return null;
      if (offset <= header.baseOffset + header.lastOffsetDelta) {
        return header.baseOffset <= offset ? this.#decodeAt(fd, position, header.batchLength + batchLogOverhead) : null;
      }
      position += header.batchLength + batchLogOverhead;
    }
  }

  #decodeAt(fd: number, position: number, size: number): DecodedRecord[] {
    const bytes = new Uint8Array(size);
    if (fs.readSync(fd, bytes, 0, size, position) < size) return [];
    const [batch] = decodeRecordBatches(bytes);
    if (batch === undefined) return [];
    if (size <= cachedBatchBytesMax) {
      if (this.#batchCache.length >= cachedBatchesMax) this.#batchCache.shift();
      this.#batchCache.push({ baseOffset: batch.header.baseOffset, lastOffset: batch.header.baseOffset + batch.header.lastOffsetDelta, bytes: size, records: batch.records });
    }
    return batch.records;
  }
}

function throwError(error: Error): never {
  throw error;
}

function readHeaderAt(fd: number, position: number): ReturnType<typeof readBatchHeader> | null {
  const bytes = new Uint8Array(batchHeaderSize);
  if (fs.readSync(fd, bytes, 0, batchHeaderSize, position) < batchHeaderSize) return null;
  const header = readBatchHeader(bytes);
  return header.magic === 2 ? header : null;
}
