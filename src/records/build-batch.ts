// Builds one RecordBatch v2 from records: the producer side of the client, tests and tools.
// Offsets and timestamps become deltas from the first record; the records section is
// compressed as a whole; the CRC32C is computed last over attributes..end.

import { Attributes, BatchField, batchHeaderSize, batchLogOverhead, resealBatchCrc } from "./batch-header.ts";
import { compress, CompressionCodec } from "./compression/index.ts";
import { recordBodySize, writeRecord, type EncodableRecord } from "./record.ts";
import { varintSize } from "./varint.ts";

export interface RecordInput {
  key?: Uint8Array | string | null;
  value?: Uint8Array | string | null;
  headers?: Array<{ key: string; value?: Uint8Array | string | null }>;
  /** Milliseconds since the epoch; defaults to the batch's `timestamp`. */
  timestamp?: number;
}

export interface BuildBatchInput {
  records: RecordInput[];
  baseOffset?: number;
  compression?: CompressionCodec;
  /** -1 (the default) for a non-idempotent producer. */
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  /** Marks a control batch (transaction markers); its records are control records. */
  control?: boolean;
  partitionLeaderEpoch?: number;
  /** Timestamp for records that have none; defaults to now. */
  timestamp?: number;
}

const magicCurrent = 2;
const textEncoder = new TextEncoder();

function toBytes(value: Uint8Array | string | null | undefined): Uint8Array | null {
  if (value === undefined || value === null) return null;
  return typeof value === "string" ? textEncoder.encode(value) : value;
}

function setInt64(view: DataView, at: number, value: number): void {
  const high = Math.floor(value / 0x1_0000_0000);
  view.setInt32(at, high);
  view.setUint32(at + 4, value - high * 0x1_0000_0000);
}

function encodeRecords(records: RecordInput[], timestamps: number[], baseTimestamp: number): Uint8Array {
  const encodable: EncodableRecord[] = [];
  const bodySizes: number[] = [];
  let total = 0;
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    const entry: EncodableRecord = {
      offsetDelta: i,
      timestampDelta: timestamps[i] - baseTimestamp,
      key: toBytes(record.key),
      value: toBytes(record.value),
      headers: (record.headers ?? []).map((header) => ({ key: textEncoder.encode(header.key), value: toBytes(header.value) })),
    };
    const bodySize = recordBodySize(entry);
    encodable.push(entry);
    bodySizes.push(bodySize);
    total += varintSize(bodySize) + bodySize;
  }
  const section = new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < encodable.length; i++) at = writeRecord(section, at, encodable[i], bodySizes[i]);
  return section;
}

function attributesOf(input: BuildBatchInput, codec: CompressionCodec): number {
  let attributes = codec;
  if (input.transactional) attributes |= Attributes.transactional;
  if (input.control) attributes |= Attributes.control;
  return attributes;
}

/** Encodes `input.records` (at least one) as a single RecordBatch v2. */
export function buildRecordBatch(input: BuildBatchInput): Uint8Array {
  const { records } = input;
  if (records.length === 0) throw new RangeError("Cannot build a record batch without records");
  const codec = input.compression ?? CompressionCodec.none;
  const fallbackTimestamp = input.timestamp ?? Date.now();
  const timestamps = records.map((record) => record.timestamp ?? fallbackTimestamp);
  const baseTimestamp = timestamps[0];
  const maxTimestamp = timestamps.reduce((max, timestamp) => Math.max(max, timestamp), baseTimestamp);
  const section = compress(codec, encodeRecords(records, timestamps, baseTimestamp));

  const batch = new Uint8Array(batchHeaderSize + section.length);
  const view = new DataView(batch.buffer);
  setInt64(view, BatchField.baseOffset, input.baseOffset ?? 0);
  view.setInt32(BatchField.batchLength, batch.length - batchLogOverhead);
  view.setInt32(BatchField.partitionLeaderEpoch, input.partitionLeaderEpoch ?? -1);
  view.setInt8(BatchField.magic, magicCurrent);
  view.setInt16(BatchField.attributes, attributesOf(input, codec));
  view.setInt32(BatchField.lastOffsetDelta, records.length - 1);
  setInt64(view, BatchField.baseTimestamp, baseTimestamp);
  setInt64(view, BatchField.maxTimestamp, maxTimestamp);
  setInt64(view, BatchField.producerId, input.producerId ?? -1);
  view.setInt16(BatchField.producerEpoch, input.producerEpoch ?? -1);
  view.setInt32(BatchField.baseSequence, input.baseSequence ?? -1);
  view.setInt32(BatchField.recordCount, records.length);
  batch.set(section, batchHeaderSize);
  resealBatchCrc(batch, 0, batch.length);
  return batch;
}
