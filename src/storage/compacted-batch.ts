// Re-encodes a batch that compaction thinned out. The surviving records keep their offsets
// (so offset deltas may skip), timestamps, keys, values and headers; the batch keeps its
// compression codec, timestamp type and producer fields, and gets a fresh CRC32C.
// buildRecordBatch numbers records 0..n-1, which is why this encoder exists.

import { BatchField, batchHeaderSize, batchLogOverhead, resealBatchCrc } from "../records/batch-header.ts";
import { compress } from "../records/compression/index.ts";
import type { DecodedBatch, DecodedRecord } from "../records/decode-batches.ts";
import { TimestampType } from "../records/decode-batches.ts";
import { recordBodySize, writeRecord } from "../records/record.ts";
import type { EncodableRecord } from "../records/record.ts";
import { varintSize } from "../records/varint.ts";

const textEncoder = new TextEncoder();

function setInt64(view: DataView, at: number, value: number): void {
  const high = Math.floor(value / 0x1_0000_0000);
  view.setInt32(at, high);
  view.setUint32(at + 4, value - high * 0x1_0000_0000);
}

/** One batch holding `kept` (a non-empty, ordered subset of `original.records`). */
export function rebuildBatch(original: DecodedBatch, kept: DecodedRecord[]): Uint8Array {
  if (kept.length === 0) throw new RangeError("Cannot rebuild a batch without records");
  const header = original.header;
  const baseOffset = kept[0].offset;
  const logAppendTime = original.timestampType === TimestampType.logAppendTime;
  // LogAppendTime records carry the batch's time, not their own: keep the original deltas' base.
  const baseTimestamp = logAppendTime ? header.baseTimestamp : kept[0].timestamp;
  const maxTimestamp = logAppendTime ? header.maxTimestamp : Math.max(...kept.map((record) => record.timestamp));
  const encodable: EncodableRecord[] = kept.map((record) => ({
    offsetDelta: record.offset - baseOffset,
    timestampDelta: logAppendTime ? 0 : record.timestamp - baseTimestamp,
    key: record.key,
    value: record.value,
    headers: record.headers.map((recordHeader) => ({ key: textEncoder.encode(recordHeader.key), value: recordHeader.value })),
  }));
  const bodySizes = encodable.map(recordBodySize);
  const section = new Uint8Array(bodySizes.reduce((sum, size) => sum + varintSize(size) + size, 0));
  let at = 0;
  encodable.forEach((record, n) => (at = writeRecord(section, at, record, bodySizes[n])));
  const records = compress(original.compression, section);

  const batch = new Uint8Array(batchHeaderSize + records.length);
  const view = new DataView(batch.buffer);
  setInt64(view, BatchField.baseOffset, baseOffset);
  view.setInt32(BatchField.batchLength, batch.length - batchLogOverhead);
  view.setInt32(BatchField.partitionLeaderEpoch, header.partitionLeaderEpoch);
  view.setInt8(BatchField.magic, 2);
  view.setInt16(BatchField.attributes, header.attributes);
  view.setInt32(BatchField.lastOffsetDelta, kept.at(-1)!.offset - baseOffset);
  setInt64(view, BatchField.baseTimestamp, baseTimestamp);
  setInt64(view, BatchField.maxTimestamp, maxTimestamp);
  setInt64(view, BatchField.producerId, header.producerId);
  view.setInt16(BatchField.producerEpoch, header.producerEpoch);
  view.setInt32(BatchField.baseSequence, header.baseSequence);
  view.setInt32(BatchField.recordCount, kept.length);
  batch.set(records, batchHeaderSize);
  resealBatchCrc(batch, 0, batch.length);
  return batch;
}
