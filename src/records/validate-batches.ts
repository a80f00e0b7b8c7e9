// Validation of a Produce request's batches before the broker appends them. The broker
// stores batches verbatim (offsets are patched in place, outside the CRC), so it checks
// what it relies on and decodes nothing it does not need:
// - sizes consistent and inside the buffer (no partial batch), magic 2, CRC32C valid;
// - recordCount >= 1 and lastOffsetDelta == recordCount - 1, as Kafka's LogValidator requires;
// - a known codec and a batch no larger than the limit;
// - for uncompressed batches, a walk over the records (no allocation) proving they exactly
//   fill the batch with offsetDeltas 0..n-1, which also yields the records' largest timestamp.
// Compressed batches are not decompressed here: that would cost a full inflate per produce
// while the stored bytes stay the producer's own. Consumers and the indexer decompress and
// check records when they read (decode-batches.ts), and the CRC already proves the
// compressed bytes are exactly what the producer sent.
//
// The max timestamp (CreateTime): Kafka's LogValidator computes it from the records and
// rewrites the header when it differs, and so does the broker (correctMaxTimestamps), because
// retention and ListOffsets by time trust it. sarama up to 1.22 sends -1 there while every
// record has a real time; stored as sent, retention deleted such records minutes after they
// were produced. Uncompressed batches get it from the walk above for free. A compressed batch
// is decompressed for it only when its header value is impossible (below the base timestamp,
// which is the first record's); a plausible value is trusted, as the one inflate per produce
// is what the paragraph above avoids.

import { Attributes, BatchField, batchCrcIsValid, batchHeaderSize, batchLogOverhead, resealBatchCrc } from "./batch-header.ts";
import { decompressedBytesMaxDefault } from "./decode-batches.ts";
import { decompress, isCompressionCodec, CompressionCodec } from "./compression/index.ts";
import { CorruptRecordError, RecordsErrorCode } from "./errors.ts";
import { skipRecord, type TimestampDeltas } from "./record.ts";
import { VarintReader } from "./varint.ts";

export interface BatchLimits {
  /** Largest batch accepted, in bytes including baseOffset and batchLength (Kafka's max.message.bytes). */
  batchBytesMax: number;
  /** Control batches come only from the broker itself; clients may not write them (default false). */
  controlBatchesAllowed?: boolean;
}

export interface ValidatedBatch {
  position: number;
  size: number;
  recordCount: number;
  lastOffsetDelta: number;
  /** The first record's timestamp. */
  baseTimestamp: number;
  /**
   * The max timestamp the batch must be stored with: for CreateTime, the records' largest when
   * they were read (see the file comment), else the header's.
   */
  maxTimestamp: number;
  /** The max timestamp as the producer wrote it in the header. */
  maxTimestampInHeader: number;
  compression: CompressionCodec;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  isTransactional: boolean;
  isControl: boolean;
}

export type BatchValidation =
  | { ok: true; batches: ValidatedBatch[] }
  | { ok: false; errorCode: RecordsErrorCode; message: string };

interface Failure {
  ok: false;
  errorCode: RecordsErrorCode;
  message: string;
}

const magicCurrent = 2;

function fail(errorCode: RecordsErrorCode, position: number, detail: string): Failure {
  return { ok: false, errorCode, message: `Invalid record batch at position ${position}: ${detail}` };
}

function int64At(view: DataView, at: number): number {
  return view.getInt32(at) * 0x1_0000_0000 + view.getUint32(at + 4);
}

/** Checks every batch in `bytes` for appending; see the file comment for what is checked. */
export function validateBatchesForAppend(bytes: Uint8Array, limits: BatchLimits): BatchValidation {
  if (bytes.length === 0) return fail(RecordsErrorCode.invalidRecord, 0, "no record batches");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const batches: ValidatedBatch[] = [];
  let position = 0;
  while (position < bytes.length) {
    const checked = validateBatch(bytes, view, position, limits);
    if (!checked.ok) return checked;
    batches.push(checked.batch);
    position += checked.batch.size;
  }
  return { ok: true, batches };
}

function validateBatch(
  bytes: Uint8Array,
  view: DataView,
  position: number,
  limits: BatchLimits,
): Failure | { ok: true; batch: ValidatedBatch } {
  const remaining = bytes.length - position;
  if (remaining <= BatchField.magic) return fail(RecordsErrorCode.corruptMessage, position, `only ${remaining} bytes left, a batch header needs ${batchHeaderSize}`);
  const magic = view.getInt8(position + BatchField.magic);
  if (magic !== magicCurrent) {
    return fail(RecordsErrorCode.unsupportedForMessageFormat, position, `magic "${magic}" is not supported, only magic "2" (RecordBatch v2)`);
  }
  const size = view.getInt32(position + BatchField.batchLength) + batchLogOverhead;
  if (size < batchHeaderSize) return fail(RecordsErrorCode.corruptMessage, position, `batch length "${size - batchLogOverhead}" is too small`);
  if (size > remaining) return fail(RecordsErrorCode.corruptMessage, position, `batch of ${size} bytes is truncated at ${remaining}`);
  if (size > limits.batchBytesMax) {
    return fail(RecordsErrorCode.messageTooLarge, position, `batch of ${size} bytes exceeds the limit of ${limits.batchBytesMax}`);
  }
  if (!batchCrcIsValid(bytes, position, size)) return fail(RecordsErrorCode.corruptMessage, position, "CRC mismatch");
  const attributes = view.getInt16(position + BatchField.attributes);
  const codec = attributes & Attributes.compressionMask;
  if (!isCompressionCodec(codec)) return fail(RecordsErrorCode.corruptMessage, position, `unknown compression codec "${codec}"`);
  const isControl = (attributes & Attributes.control) !== 0;
  if (isControl && !limits.controlBatchesAllowed) return fail(RecordsErrorCode.invalidRecord, position, "clients may not write control batches");
  const recordCount = view.getInt32(position + BatchField.recordCount);
  const lastOffsetDelta = view.getInt32(position + BatchField.lastOffsetDelta);
  if (recordCount < 1) return fail(RecordsErrorCode.invalidRecord, position, `record count "${recordCount}" is not positive`);
  if (lastOffsetDelta !== recordCount - 1) {
    return fail(RecordsErrorCode.invalidRecord, position, `last offset delta "${lastOffsetDelta}" does not match record count "${recordCount}"`);
  }
  const baseTimestamp = int64At(view, position + BatchField.baseTimestamp);
  const maxTimestampInHeader = int64At(view, position + BatchField.maxTimestamp);
  const createTime = (attributes & Attributes.timestampTypeLogAppend) === 0;
  let records: Uint8Array | null = null;
  if (codec === CompressionCodec.none) {
    records = bytes.subarray(position + batchHeaderSize, position + size);
  } else if (createTime && maxTimestampInHeader < baseTimestamp) {
    try {
      records = decompress(codec, bytes.subarray(position + batchHeaderSize, position + size), decompressedBytesMaxDefault);
    } catch (error) {
      return fail(RecordsErrorCode.corruptMessage, position, `cannot decompress its records: ${(error as Error).message}`);
    }
  }
  let maxTimestamp = maxTimestampInHeader;
  if (records !== null) {
    const walked = walkRecords(records, position, recordCount);
    if (!walked.ok) return walked;
    if (createTime) maxTimestamp = baseTimestamp + walked.timestampDeltaMax;
  }
  return {
    ok: true,
    batch: {
      position,
      size,
      recordCount,
      lastOffsetDelta,
      baseTimestamp,
      maxTimestamp,
      maxTimestampInHeader,
      compression: codec,
      producerId: int64At(view, position + BatchField.producerId),
      producerEpoch: view.getInt16(position + BatchField.producerEpoch),
      baseSequence: view.getInt32(position + BatchField.baseSequence),
      isTransactional: (attributes & Attributes.transactional) !== 0,
      isControl,
    },
  };
}

/**
 * Steps over a batch's records (`records`: the bytes after the header, decompressed); a
 * failure, or the largest timestamp delta when they fill the bytes exactly. `position` is the
 * batch's, for messages.
 */
function walkRecords(records: Uint8Array, position: number, recordCount: number): Failure | { ok: true; timestampDeltaMax: number } {
  const reader = new VarintReader(records, 0, records.length);
  const timestamps: TimestampDeltas = { max: Number.NEGATIVE_INFINITY };
  try {
    for (let i = 0; i < recordCount; i++) {
      const offsetDelta = skipRecord(reader, timestamps);
      if (offsetDelta !== i) return fail(RecordsErrorCode.invalidRecord, position, `record ${i} has offset delta "${offsetDelta}"`);
    }
  } catch (error) {
    if (error instanceof CorruptRecordError) return fail(RecordsErrorCode.corruptMessage, position, error.message);
    throw error;
  }
  if (reader.position !== records.length) return fail(RecordsErrorCode.corruptMessage, position, `${records.length - reader.position} bytes follow its ${recordCount} records`);
  return { ok: true, timestampDeltaMax: timestamps.max };
}

/**
 * Rewrites the header max timestamp (and the CRC) of every validated batch whose computed
 * value differs from the producer's, in place; returns how many were rewritten. Call it for
 * CreateTime topics only: LogAppendTime stamps its own.
 */
export function correctMaxTimestamps(bytes: Uint8Array, batches: readonly ValidatedBatch[]): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let rewritten = 0;
  for (const batch of batches) {
    if (batch.maxTimestamp === batch.maxTimestampInHeader) continue;
    view.setBigInt64(batch.position + BatchField.maxTimestamp, BigInt(batch.maxTimestamp));
    resealBatchCrc(bytes, batch.position, batch.size);
    rewritten++;
  }
  return rewritten;
}
