import { describe, expect, test } from "bun:test";
import { buildRecordBatch } from "../../src/records/build-batch.ts";
import { CompressionCodec } from "../../src/records/compression/index.ts";
import { RecordsErrorCode } from "../../src/records/errors.ts";
import { batchCrcIsValid, readBatchHeader } from "../../src/records/batch-header.ts";
import { correctMaxTimestamps, validateBatchesForAppend, type BatchValidation } from "../../src/records/validate-batches.ts";
import { BatchField, baseTime, concat, edited, sampleRecords } from "./batch-fixtures.ts";

const limits = { batchBytesMax: 1024 * 1024 };

function errorCodeOf(validation: BatchValidation): number {
  if (validation.ok) throw new Error("Expected the validation to fail");
  expect(validation.message.length).toBeGreaterThan(0);
  return validation.errorCode;
}

describe("validateBatchesForAppend", () => {
  test("accepts batches of every codec and describes each", () => {
    const batches = Object.values(CompressionCodec).map((codec, i) =>
      buildRecordBatch({ records: sampleRecords(), compression: codec, producerId: i, baseSequence: 4 * i }),
    );
    const validation = validateBatchesForAppend(concat(...batches), limits);
    if (!validation.ok) throw new Error(validation.message);
    expect(validation.batches.map((batch) => batch.compression)).toEqual(Object.values(CompressionCodec));
    let position = 0;
    for (const [i, batch] of validation.batches.entries()) {
      expect(batch).toMatchObject({ position, size: batches[i].length, recordCount: 4, lastOffsetDelta: 3 });
      expect(batch).toMatchObject({ baseTimestamp: baseTime, maxTimestamp: baseTime + 20, producerId: i, baseSequence: 4 * i });
      position += batches[i].length;
    }
  });

  test("rejects a flipped byte with CORRUPT_MESSAGE", () => {
    for (const codec of [CompressionCodec.none, CompressionCodec.lz4]) {
      const batch = buildRecordBatch({ records: sampleRecords(), compression: codec });
      batch[batch.length - 5] ^= 0x40;
      expect(errorCodeOf(validateBatchesForAppend(batch, limits))).toBe(RecordsErrorCode.corruptMessage);
    }
  });

  test("rejects magic 0 and 1 with UNSUPPORTED_FOR_MESSAGE_FORMAT", () => {
    const batch = buildRecordBatch({ records: sampleRecords() });
    for (const magic of [0, 1]) {
      const legacy = batch.slice();
      legacy[BatchField.magic] = magic;
      expect(errorCodeOf(validateBatchesForAppend(legacy, limits))).toBe(RecordsErrorCode.unsupportedForMessageFormat);
    }
  });

  test("rejects truncated input and a lying batch length with CORRUPT_MESSAGE", () => {
    const batch = buildRecordBatch({ records: sampleRecords() });
    for (const cut of [5, 16, 40, batch.length - 1]) {
      expect(errorCodeOf(validateBatchesForAppend(batch.subarray(0, cut), limits))).toBe(RecordsErrorCode.corruptMessage);
    }
    const tooShort = batch.slice();
    new DataView(tooShort.buffer).setInt32(BatchField.batchLength, 10);
    expect(errorCodeOf(validateBatchesForAppend(tooShort, limits))).toBe(RecordsErrorCode.corruptMessage);
    expect(errorCodeOf(validateBatchesForAppend(concat(batch, batch.subarray(0, 30)), limits))).toBe(RecordsErrorCode.corruptMessage);
  });

  test("rejects a batch over the limit with MESSAGE_TOO_LARGE", () => {
    const batch = buildRecordBatch({ records: [{ value: new Uint8Array(2000) }] });
    expect(errorCodeOf(validateBatchesForAppend(batch, { batchBytesMax: 1000 }))).toBe(RecordsErrorCode.messageTooLarge);
    expect(validateBatchesForAppend(batch, { batchBytesMax: batch.length }).ok).toBe(true);
  });

  test("rejects empty input", () => {
    expect(errorCodeOf(validateBatchesForAppend(new Uint8Array(0), limits))).toBe(RecordsErrorCode.invalidRecord);
  });

  test("rejects bad record counts and offset deltas with INVALID_RECORD", () => {
    const batch = buildRecordBatch({ records: sampleRecords() });
    const cases = [
      edited(batch, (view) => view.setInt32(BatchField.recordCount, 0)),
      edited(batch, (view) => view.setInt32(BatchField.recordCount, -1)),
      edited(batch, (view) => view.setInt32(BatchField.lastOffsetDelta, 7)),
    ];
    for (const bad of cases) expect(errorCodeOf(validateBatchesForAppend(bad, limits))).toBe(RecordsErrorCode.invalidRecord);
  });

  test("walks uncompressed records: a count that does not fill the batch is CORRUPT_MESSAGE", () => {
    const batch = buildRecordBatch({ records: sampleRecords() });
    const fewer = edited(batch, (view) => {
      view.setInt32(BatchField.recordCount, 3);
      view.setInt32(BatchField.lastOffsetDelta, 2);
    });
    expect(errorCodeOf(validateBatchesForAppend(fewer, limits))).toBe(RecordsErrorCode.corruptMessage);
    const more = edited(batch, (view) => {
      view.setInt32(BatchField.recordCount, 5);
      view.setInt32(BatchField.lastOffsetDelta, 4);
    });
    expect(errorCodeOf(validateBatchesForAppend(more, limits))).toBe(RecordsErrorCode.corruptMessage);
  });

  test("rejects out-of-sequence offset deltas in uncompressed batches with INVALID_RECORD", () => {
    // The first record's offsetDelta varint sits at 61 (length) + 1 (attributes) + timestampDelta (1 byte: 0).
    const batch = buildRecordBatch({ records: [{ value: "a" }, { value: "b" }], timestamp: baseTime });
    const offsetDeltaAt = 61 + 1 + 1 + 1;
    expect(batch[offsetDeltaAt]).toBe(0);
    const shuffled = edited(batch, (_view, bytes) => {
      bytes[offsetDeltaAt] = 2; // zig-zag 1
    });
    expect(errorCodeOf(validateBatchesForAppend(shuffled, limits))).toBe(RecordsErrorCode.invalidRecord);
  });

  test("rejects an unknown codec with CORRUPT_MESSAGE", () => {
    const batch = buildRecordBatch({ records: sampleRecords() });
    const unknown = edited(batch, (view) => view.setInt16(BatchField.attributes, 5));
    expect(errorCodeOf(validateBatchesForAppend(unknown, limits))).toBe(RecordsErrorCode.corruptMessage);
  });

  test("rejects control batches from clients unless allowed", () => {
    const control = buildRecordBatch({ records: [{ key: Uint8Array.of(0, 0, 0, 1), value: Uint8Array.of(0, 0, 0, 0, 0, 0) }], control: true });
    expect(errorCodeOf(validateBatchesForAppend(control, limits))).toBe(RecordsErrorCode.invalidRecord);
    expect(validateBatchesForAppend(control, { ...limits, controlBatchesAllowed: true }).ok).toBe(true);
  });
});

/** A batch of records at `timestamps` whose header says `headerMax` (as old sarama sends -1), CRC resealed. */
function withHeaderMax(timestamps: number[], headerMax: number, compression: CompressionCodec = CompressionCodec.none): Uint8Array {
  const batch = buildRecordBatch({ records: timestamps.map((timestamp, i) => ({ value: `v${i}`, timestamp })), compression });
  return edited(batch, (view) => view.setBigInt64(BatchField.maxTimestamp, BigInt(headerMax)));
}

function validated(bytes: Uint8Array) {
  const validation = validateBatchesForAppend(bytes, limits);
  if (!validation.ok) throw new Error(validation.message);
  return validation.batches;
}

describe("max timestamp from the records (CreateTime)", () => {
  const timestamps = [baseTime, baseTime + 5, baseTime + 2];

  test("an uncompressed batch's max timestamp is computed from its records, whatever its header says", () => {
    for (const headerMax of [-1, 0, baseTime + 1, baseTime + 1000]) {
      const [batch] = validated(withHeaderMax(timestamps, headerMax));
      expect(batch).toMatchObject({ maxTimestamp: baseTime + 5, maxTimestampInHeader: headerMax });
    }
  });

  test("a compressed batch whose header max is below its base timestamp (impossible) is decompressed to compute it", () => {
    for (const codec of [CompressionCodec.gzip, CompressionCodec.lz4, CompressionCodec.zstd, CompressionCodec.snappy]) {
      const [batch] = validated(withHeaderMax(timestamps, -1, codec));
      expect(batch).toMatchObject({ maxTimestamp: baseTime + 5, maxTimestampInHeader: -1 });
    }
  });

  test("a compressed batch with a plausible header max is trusted without decompressing", () => {
    const [batch] = validated(withHeaderMax(timestamps, baseTime + 1, CompressionCodec.gzip));
    expect(batch).toMatchObject({ maxTimestamp: baseTime + 1, maxTimestampInHeader: baseTime + 1 });
  });

  test("a compressed batch with an impossible header max and bad records inside is CORRUPT_MESSAGE", () => {
    const inner = buildRecordBatch({ records: [{ value: "a", timestamp: baseTime }, { value: "b", timestamp: baseTime + 1 }] });
    // Claims three records where two are compressed: only visible once decompressed.
    const batch = edited(withHeaderMax([baseTime, baseTime + 1], -1, CompressionCodec.gzip), (view) => {
      view.setInt32(BatchField.recordCount, 3);
      view.setInt32(BatchField.lastOffsetDelta, 2);
    });
    expect(inner.length).toBeGreaterThan(0);
    expect(errorCodeOf(validateBatchesForAppend(batch, limits))).toBe(RecordsErrorCode.corruptMessage);
  });

  test("correctMaxTimestamps rewrites the header field and the CRC only where they differ", () => {
    const wrong = withHeaderMax(timestamps, -1);
    const right = buildRecordBatch({ records: timestamps.map((timestamp, i) => ({ value: `v${i}`, timestamp })) });
    const bytes = concat(wrong, right);
    const original = bytes.slice();
    const batches = validated(bytes);
    expect(correctMaxTimestamps(bytes, batches)).toBe(1);
    expect(readBatchHeader(bytes, 0).maxTimestamp).toBe(baseTime + 5);
    expect(batchCrcIsValid(bytes, 0, wrong.length)).toBe(true);
    expect(bytes.subarray(wrong.length)).toEqual(original.subarray(wrong.length));
    expect(validated(bytes).map((batch) => batch.maxTimestampInHeader)).toEqual([baseTime + 5, baseTime + 5]);
  });
});
