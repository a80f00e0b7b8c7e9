// Decodes concatenated RecordBatch v2 bytes (a Produce `records` field, a Fetch response's
// records, a stretch of a segment) into records with absolute offsets and timestamps.
// Consumers, the indexer and tools use this; the broker's produce path does not (see
// validate-batches.ts).

import {
  Attributes,
  batchCrcIsValid,
  BatchField,
  batchHeaderSize,
  batchLogOverhead,
  readBatchHeader,
  type BatchHeader,
} from "./batch-header.ts";
import { decompress, isCompressionCodec, type CompressionCodec } from "./compression/index.ts";
import { CorruptRecordError, UnsupportedMagicError } from "./errors.ts";
import { readRecord, type RecordHeader } from "./record.ts";
import { VarintReader } from "./varint.ts";

export const TimestampType = {
  createTime: 0,
  logAppendTime: 1,
} as const;

export type TimestampType = (typeof TimestampType)[keyof typeof TimestampType];

export interface DecodedRecord {
  offset: number;
  /** CreateTime from the record, or the batch's maxTimestamp when the batch uses LogAppendTime. */
  timestamp: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeader[];
}

export interface DecodedBatch {
  header: BatchHeader;
  /** Where the batch starts in the decoded bytes. */
  position: number;
  /** Whole batch size in bytes, baseOffset and batchLength included. */
  size: number;
  compression: CompressionCodec;
  timestampType: TimestampType;
  isTransactional: boolean;
  isControl: boolean;
  records: DecodedRecord[];
}

/** The decoded batches, plus the size of a trailing partial batch that was ignored (0 if none). */
export type DecodedBatches = DecodedBatch[] & { partialBatchBytes: number };

export interface DecodeOptions {
  /** Upper bound on one batch's decompressed records section. */
  decompressedBytesMax?: number;
  /** Check each batch's CRC32C (default true), as Java consumers do by default. */
  crcCheck?: boolean;
}

/** Default bound on one batch's decompressed size: well above Kafka's 1 MiB default batch, far below harm. */
export const decompressedBytesMaxDefault = 64 * 1024 * 1024;

const magicCurrent = 2;

/**
 * Decodes every whole batch in `bytes`. A trailing partial batch (Fetch responses may end
 * with one) is skipped and its size reported as `partialBatchBytes`. Keys, values and header
 * values are views into `bytes` (or into the decompressed buffer), not copies.
 * Throws UnsupportedMagicError for magic 0/1 and CorruptRecordError / CompressionError for damage.
 */
export function decodeRecordBatches(bytes: Uint8Array, options: DecodeOptions = {}): DecodedBatches {
  const batches: DecodedBatch[] = [];
  let position = 0;
  while (position < bytes.length) {
    const remaining = bytes.length - position;
    if (remaining <= BatchField.magic) break;
    const magic = (bytes[position + BatchField.magic] << 24) >> 24;
    if (magic !== magicCurrent) throw new UnsupportedMagicError(magic, position);
    const view = new DataView(bytes.buffer, bytes.byteOffset + position, BatchField.magic);
    const size = view.getInt32(BatchField.batchLength) + batchLogOverhead;
    if (size < batchHeaderSize) {
      throw new CorruptRecordError(`Cannot decode record batch at position ${position}: batch length "${size - batchLogOverhead}" is too small`);
    }
    if (size > remaining) break;
    batches.push(decodeBatch(bytes, position, size, options));
    position += size;
  }
  return Object.assign(batches, { partialBatchBytes: bytes.length - position });
}

function decodeBatch(bytes: Uint8Array, position: number, size: number, options: DecodeOptions): DecodedBatch {
  const header = readBatchHeader(bytes, position);
  if ((options.crcCheck ?? true) && !batchCrcIsValid(bytes, position, size)) {
    throw new CorruptRecordError(`Cannot decode record batch at position ${position}: CRC mismatch`);
  }
  const codec = header.attributes & Attributes.compressionMask;
  if (!isCompressionCodec(codec)) {
    throw new CorruptRecordError(`Cannot decode record batch at position ${position}: unknown compression codec "${codec}"`);
  }
  if (header.recordCount < 0) {
    throw new CorruptRecordError(`Cannot decode record batch at position ${position}: record count "${header.recordCount}" is negative`);
  }
  const section = bytes.subarray(position + batchHeaderSize, position + size);
  const records = decompress(codec, section, options.decompressedBytesMax ?? decompressedBytesMaxDefault);
  const timestampType = header.attributes & Attributes.timestampTypeLogAppend ? TimestampType.logAppendTime : TimestampType.createTime;
  return {
    header,
    position,
    size,
    compression: codec,
    timestampType,
    isTransactional: (header.attributes & Attributes.transactional) !== 0,
    isControl: (header.attributes & Attributes.control) !== 0,
    records: decodeRecords(records, header, timestampType, position),
  };
}

function decodeRecords(section: Uint8Array, header: BatchHeader, timestampType: TimestampType, position: number): DecodedRecord[] {
  const reader = new VarintReader(section, 0, section.length);
  const decoded: DecodedRecord[] = [];
  for (let i = 0; i < header.recordCount; i++) {
    const record = readRecord(reader);
    decoded.push({
      offset: header.baseOffset + record.offsetDelta,
      timestamp: timestampType === TimestampType.logAppendTime ? header.maxTimestamp : header.baseTimestamp + record.timestampDelta,
      key: record.key,
      value: record.value,
      headers: record.headers,
    });
  }
  if (reader.position !== section.length) {
    throw new CorruptRecordError(
      `Cannot decode record batch at position ${position}: ${section.length - reader.position} bytes follow its ${header.recordCount} records`,
    );
  }
  return decoded;
}

/** A batch's header and its records section, decompressed, for reading single records from it (recordAt). */
export interface BatchRecords {
  header: BatchHeader;
  section: Uint8Array;
  /** Where each record starts in `section`, in order. */
  starts: Int32Array;
}

/**
 * The records of the whole batch `bytes` (as stored in a segment), ready for recordAt. Unlike
 * decodeRecordBatches it checks no CRC (the log verified its batches when it recovered them) and
 * decodes no record: a search reads one hit, or a phrase check a few, from batches of thousands.
 */
export function batchRecords(bytes: Uint8Array, options: DecodeOptions = {}): BatchRecords {
  const header = readBatchHeader(bytes, 0);
  const codec = header.attributes & Attributes.compressionMask;
  if (!isCompressionCodec(codec)) throw new CorruptRecordError(`Cannot decode record batch at offset ${header.baseOffset}: unknown compression codec "${codec}"`);
  const section = decompress(codec, bytes.subarray(batchHeaderSize), options.decompressedBytesMax ?? decompressedBytesMaxDefault);
  const reader = new VarintReader(section, 0, section.length);
  const starts = new Int32Array(Math.max(0, header.recordCount));
  let count = 0;
  while (count < starts.length && reader.position < section.length) {
    starts[count++] = reader.position;
    const length = reader.readVarint();
    reader.position += length;
  }
  return { header, section, starts: starts.subarray(0, count) };
}

/** The record at `offset` in `batch`, or null when the batch does not hold it (compaction leaves gaps). */
export function recordAt(batch: BatchRecords, offset: number): DecodedRecord | null {
  const { header, section, starts } = batch;
  const reader = new VarintReader(section, 0, section.length);
  const deltaAt = (index: number) => {
    reader.position = starts[index];
    reader.readVarint();
    reader.readInt8();
    reader.readVarlong();
    return reader.readVarint();
  };
  const wanted = offset - header.baseOffset;
  // Records sit at their offset delta unless compaction left gaps; then a binary search.
  let index = wanted >= 0 && wanted < starts.length && deltaAt(wanted) === wanted ? wanted : -1;
  for (let low = 0, high = starts.length - 1; index < 0 && low <= high; ) {
    const middle = (low + high) >>> 1;
    const delta = deltaAt(middle);
    if (delta === wanted) index = middle;
    else if (delta < wanted) low = middle + 1;
    else high = middle - 1;
  }
  if (index < 0) return null;
  reader.position = starts[index];
  const record = readRecord(reader);
  const logAppend = (header.attributes & Attributes.timestampTypeLogAppend) !== 0;
  return { offset, timestamp: logAppend ? header.maxTimestamp : header.baseTimestamp + record.timestampDelta, key: record.key, value: record.value, headers: record.headers };
}
