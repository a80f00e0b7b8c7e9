// Reads a sealed segment's records from the log: records are not in the index file, because the
// log is the document store. The batch that holds a document's offset is read from the log
// segment at the position the segment's batch table remembers, or found by scanning the log's
// batch headers when that position is unknown or stale (compaction rewrote the file). A few
// decoded batches are kept, as hits of one query often share a batch.

import fs from "node:fs";
import { batchHeaderSize, batchLogOverhead, readBatchHeader } from "../records/batch-header.ts";
import { type BatchRecords, batchRecords, type DecodedRecord, recordAt } from "../records/decode-batches.ts";
import { SearchChangedError } from "./search-segment.ts";
import { unknownPosition } from "./sealed-format.ts";

/**
 * Batches kept (decompressed, with their records' starts), shared by every segment of this
 * thread, least recently used first out: hits of one query often share a batch, and a phrase
 * check reads many records of each batch.
 */
const cacheBytesMax = 16 * 1024 * 1024;
const cache = new Map<string, CachedBatch>();
let nextReaderId = 1;
let cacheBytes = 0;

function cached(key: string): CachedBatch | undefined {
  const batch = cache.get(key);
  if (batch !== undefined) {
    cache.delete(key);
    cache.set(key, batch);
  }
  return batch;
}

function keep(key: string, batch: CachedBatch): void {
  if (batch.bytes > cacheBytesMax / 4) return;
  cache.set(key, batch);
  cacheBytes += batch.bytes;
  for (const [oldest, old] of cache) {
    if (cacheBytes <= cacheBytesMax) break;
    cache.delete(oldest);
    cacheBytes -= old.bytes;
  }
}

interface CachedBatch {
  baseOffset: number;
  lastOffset: number;
  bytes: number;
  records: BatchRecords;
}

/** Where a sealed segment's records are. */
export interface LogRecordsOptions {
  /** The log segment file the segment was indexed from. */
  logFile: string;
  /** `<topic>-<partition>`, to name a record in errors. */
  topic: string;
  partition: number;
  /** The segment's base offset, which the batch table's offsets are relative to. */
  baseOffset: number;
  /** Uint32 pairs per batch: base offset − baseOffset, position in the log file (unknownPosition when unknown). */
  batchTable: Uint32Array;
}

export class LogRecordReader {
  readonly #id = nextReaderId++;
  readonly #logFile: string;
  readonly #topic: string;
  readonly #partition: number;
  readonly #baseOffset: number;
  readonly #batchTable: Uint32Array;
  readonly #batchCount: number;

  constructor(options: LogRecordsOptions) {
    this.#logFile = options.logFile;
    this.#topic = options.topic;
    this.#partition = options.partition;
    this.#baseOffset = options.baseOffset;
    this.#batchTable = options.batchTable;
    this.#batchCount = options.batchTable.length / 2;
  }

  /** The record at `offset`; throws when it is no longer in the log. */
  record(offset: number): DecodedRecord {
    const at = { topic: this.#topic, partition: this.#partition, offset };
    const gone = () => new SearchChangedError(`Cannot read record "${this.#topic}-${this.#partition}@${offset}": the record is no longer in the log`, at);
    const batch = this.#batchIndexOf(offset) < 0 ? undefined : cached(this.#cacheKey(this.#baseOffset + this.#batchTable[2 * this.#batchIndexOf(offset)]));
    if (batch !== undefined && offset <= batch.lastOffset) return recordAt(batch.records, offset) ?? throwError(gone());
    let fd: number;
    try {
      fd = fs.openSync(this.#logFile, "r");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") throw gone();
      throw error;
    }
    try {
      const records = this.#readBatchHolding(fd, offset);
      return (records === null ? null : recordAt(records, offset)) ?? throwError(gone());
    } finally {
      fs.closeSync(fd);
    }
  }

  /** The records of the batch holding `offset`: at its remembered position, else by scanning. */
  #readBatchHolding(fd: number, offset: number): BatchRecords | null {
    const table = this.#batchTable;
    const low = this.#batchIndexOf(offset);
    if (low >= 0 && table[2 * low + 1] !== unknownPosition) {
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

  /** The position in the batch table of the last batch starting at or below `offset`; -1 when none does. */
  #batchIndexOf(offset: number): number {
    const table = this.#batchTable;
    let low = 0;
    let high = this.#batchCount - 1;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if (this.#baseOffset + table[2 * middle] <= offset) low = middle;
      else high = middle - 1;
    }
    return this.#batchCount > 0 && this.#baseOffset + table[2 * low] <= offset ? low : -1;
  }

  /** Keyed by reader, not file: a log file compaction rewrote under the same name is a new chunk, with a new reader. */
  #cacheKey(batchBase: number): string {
    return `${this.#id}@${batchBase}`;
  }

  #decodeAt(fd: number, position: number, size: number): BatchRecords | null {
    const bytes = new Uint8Array(size);
    if (fs.readSync(fd, bytes, 0, size, position) < size) return null;
    const records = batchRecords(bytes);
    const { header } = records;
    keep(this.#cacheKey(header.baseOffset), { baseOffset: header.baseOffset, lastOffset: header.baseOffset + header.lastOffsetDelta, bytes: records.section.length + 4 * records.starts.length, records });
    return records;
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
