// The fixed 61-byte header of a RecordBatch (magic 2):
//
// RecordBatch =>
//   baseOffset: int64            @0
//   batchLength: int32           @8   (bytes after this field)
//   partitionLeaderEpoch: int32  @12
//   magic: int8                  @16  (2)
//   crc: uint32                  @17  (CRC32C of attributes..end)
//   attributes: int16            @21
//   lastOffsetDelta: int32       @23
//   baseTimestamp: int64         @27
//   maxTimestamp: int64          @35
//   producerId: int64            @43
//   producerEpoch: int16         @51
//   baseSequence: int32          @53
//   recordCount: int32           @57
//   records                      @61
//
// Storage and the broker read these fields in place; nothing here decodes records.

import { crc32c } from "./crc32c.ts";

export const BatchField = {
  baseOffset: 0,
  batchLength: 8,
  partitionLeaderEpoch: 12,
  magic: 16,
  crc: 17,
  attributes: 21,
  lastOffsetDelta: 23,
  baseTimestamp: 27,
  maxTimestamp: 35,
  producerId: 43,
  producerEpoch: 51,
  baseSequence: 53,
  recordCount: 57,
} as const;

/** Size of the header up to and including recordCount. */
export const batchHeaderSize = 61;
/** baseOffset + batchLength: the bytes not counted by batchLength. */
export const batchLogOverhead = 12;
/** Where the CRC-covered region starts. */
const crcStart = BatchField.attributes;

export const Attributes = {
  compressionMask: 0x07,
  timestampTypeLogAppend: 0x08,
  transactional: 0x10,
  control: 0x20,
  deleteHorizon: 0x40,
} as const;

export interface BatchHeader {
  baseOffset: number;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function int64At(view: DataView, at: number): number {
  return view.getInt32(at) * 0x1_0000_0000 + view.getUint32(at + 4);
}

/** Reads the header of the batch starting at `position`; the caller checks there are 61 bytes. */
export function readBatchHeader(bytes: Uint8Array, position = 0): BatchHeader {
  const view = viewOf(bytes);
  const at = position;
  return {
    baseOffset: int64At(view, at + BatchField.baseOffset),
    batchLength: view.getInt32(at + BatchField.batchLength),
    partitionLeaderEpoch: view.getInt32(at + BatchField.partitionLeaderEpoch),
    magic: view.getInt8(at + BatchField.magic),
    crc: view.getUint32(at + BatchField.crc),
    attributes: view.getInt16(at + BatchField.attributes),
    lastOffsetDelta: view.getInt32(at + BatchField.lastOffsetDelta),
    baseTimestamp: int64At(view, at + BatchField.baseTimestamp),
    maxTimestamp: int64At(view, at + BatchField.maxTimestamp),
    producerId: int64At(view, at + BatchField.producerId),
    producerEpoch: view.getInt16(at + BatchField.producerEpoch),
    baseSequence: view.getInt32(at + BatchField.baseSequence),
    recordCount: view.getInt32(at + BatchField.recordCount),
  };
}

/** Total bytes of the batch starting at `position` (header fields included). */
export function batchSizeAt(bytes: Uint8Array, position = 0): number {
  return viewOf(bytes).getInt32(position + BatchField.batchLength) + batchLogOverhead;
}

/** Writes baseOffset in place. baseOffset lies outside the CRC, so the checksum stays valid. */
export function patchBaseOffset(bytes: Uint8Array, position: number, baseOffset: number): void {
  viewOf(bytes).setBigInt64(position + BatchField.baseOffset, BigInt(baseOffset));
}

/** Writes partitionLeaderEpoch in place (also outside the CRC). */
export function patchPartitionLeaderEpoch(bytes: Uint8Array, position: number, epoch: number): void {
  viewOf(bytes).setInt32(position + BatchField.partitionLeaderEpoch, epoch);
}

/** CRC32C over attributes..end of the batch at `position`, as the batch defines it. */
export function computeBatchCrc(bytes: Uint8Array, position: number, size: number): number {
  return crc32c(bytes, position + crcStart, position + size);
}

/** Rewrites the stored CRC after a field inside the CRC region changed (e.g. LogAppendTime). */
export function resealBatchCrc(bytes: Uint8Array, position: number, size: number): void {
  viewOf(bytes).setUint32(position + BatchField.crc, computeBatchCrc(bytes, position, size));
}

/** True when the stored CRC matches the batch bytes. */
export function batchCrcIsValid(bytes: Uint8Array, position: number, size: number): boolean {
  return viewOf(bytes).getUint32(position + BatchField.crc) === computeBatchCrc(bytes, position, size);
}

/** Sets maxTimestamp and the LogAppendTime attribute bit, then reseals the CRC. */
export function stampLogAppendTime(bytes: Uint8Array, position: number, size: number, timestamp: number): void {
  const view = viewOf(bytes);
  const attributes = view.getInt16(position + BatchField.attributes);
  view.setInt16(position + BatchField.attributes, attributes | Attributes.timestampTypeLogAppend);
  view.setBigInt64(position + BatchField.maxTimestamp, BigInt(timestamp));
  resealBatchCrc(bytes, position, size);
}
