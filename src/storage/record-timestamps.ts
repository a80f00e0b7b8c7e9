// Per-record timestamps inside a stored batch, for ListOffsets by time and the
// max-timestamp query. Only the record prefix is read:
//
// Record =>
//   length: varint          bytes after this field
//   attributes: int8
//   timestampDelta: varlong  record timestamp - batch baseTimestamp
//   offsetDelta: varint      record offset - batch baseOffset
//   ...                      key, value, headers (skipped)
//
// Compressed batches are decompressed (bounded by decompressedBytesMaxDefault), as Kafka does.

import { Attributes, batchHeaderSize, readBatchHeader } from "../records/batch-header.ts";
import { decompress } from "../records/compression/index.ts";
import type { CompressionCodec } from "../records/compression/index.ts";
import { decompressedBytesMaxDefault } from "../records/decode-batches.ts";
import { VarintReader } from "../records/varint.ts";
import type { TimestampAndOffset } from "./partition-log.ts";

/**
 * The first record of `batch` (one whole stored batch) whose timestamp is at least `timestamp`
 * and whose offset is at least `offsetMin`, or null. LogAppendTime batches give every record
 * the batch's maxTimestamp, as Kafka does.
 */
export function firstRecordAtOrAfter(batch: Uint8Array, timestamp: number, offsetMin: number): TimestampAndOffset | null {
  const header = readBatchHeader(batch);
  const lastOffset = header.baseOffset + header.lastOffsetDelta;
  if (header.maxTimestamp < timestamp || lastOffset < offsetMin) return null;
  if ((header.attributes & Attributes.timestampTypeLogAppend) !== 0) {
    return { offset: Math.max(header.baseOffset, offsetMin), timestamp: header.maxTimestamp };
  }
  const codec = (header.attributes & Attributes.compressionMask) as CompressionCodec;
  const records = decompress(codec, batch.subarray(batchHeaderSize), decompressedBytesMaxDefault);
  const reader = new VarintReader(records, 0, records.length);
  for (let n = 0; n < header.recordCount; n++) {
    const length = reader.readVarint();
    const recordEnd = reader.position + length;
    reader.readInt8();
    const recordTimestamp = header.baseTimestamp + reader.readVarlong();
    const offset = header.baseOffset + reader.readVarint();
    if (recordTimestamp >= timestamp && offset >= offsetMin) return { offset, timestamp: recordTimestamp };
    reader.position = recordEnd;
  }
  return null;
}
