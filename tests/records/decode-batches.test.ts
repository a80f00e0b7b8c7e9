import { describe, expect, test } from "bun:test";
import { createRequire } from "node:module";
import { buildRecordBatch } from "../../src/records/build-batch.ts";
import { CompressionCodec, compressionCodecName } from "../../src/records/compression/index.ts";
import { batchRecords, decodeRecordBatches, recordAt, TimestampType } from "../../src/records/decode-batches.ts";
import { rebuildBatch } from "../../src/storage/compacted-batch.ts";
import { CorruptRecordError, DecompressedSizeError, UnsupportedMagicError } from "../../src/records/errors.ts";
import { stampLogAppendTime } from "../../src/records/batch-header.ts";
import { BatchField, baseTime, concat, edited, sampleRecords } from "./batch-fixtures.ts";

const require = createRequire(import.meta.url);
// kafkajs's own batch encoder: bytes built independently of buildRecordBatch.
const KafkajsRecordBatch: (options: object) => Promise<{ buffer: Buffer }> =
  require("kafkajs/src/protocol/recordBatch/v0/index.js").RecordBatch;
const KafkajsRecord: (options: object) => unknown = require("kafkajs/src/protocol/recordBatch/record/v0/index.js");

const text = (bytes: Uint8Array | null) => (bytes === null ? null : new TextDecoder().decode(bytes));

describe("decodeRecordBatches", () => {
  for (const codec of Object.values(CompressionCodec)) {
    test(`round-trips keys, values, headers and nulls (${compressionCodecName(codec)})`, () => {
      const batch = buildRecordBatch({ records: sampleRecords(), baseOffset: 100, compression: codec });
      const [decoded] = decodeRecordBatches(batch);
      expect(decoded.compression).toBe(codec);
      expect(decoded.timestampType).toBe(TimestampType.createTime);
      expect(decoded.records.map((record) => [record.offset, record.timestamp, text(record.key), text(record.value)])).toEqual([
        [100, baseTime, "user-1", '{"level":"info"}'],
        [101, baseTime + 5, null, "no key"],
        [102, baseTime - 3, "tombstone", null],
        [103, baseTime + 20, "\u0000\u0001\u0002", ""],
      ]);
      expect(decoded.records[0].headers.map((header) => [header.key, text(header.value)])).toEqual([["trace", "abc"]]);
      expect(decoded.records[3].headers.map((header) => [header.key, text(header.value)])).toEqual([
        ["h", null],
        ["h", "2"],
      ]);
    });
  }

  test("walks concatenated batches and reports the header flags", () => {
    const first = buildRecordBatch({ records: [{ value: "a" }, { value: "b" }], baseOffset: 0 });
    const second = buildRecordBatch({ records: [{ value: "c" }], baseOffset: 2, transactional: true, producerId: 9, producerEpoch: 0 });
    const decoded = decodeRecordBatches(concat(first, second));
    expect(decoded.map((batch) => batch.position)).toEqual([0, first.length]);
    expect(decoded.map((batch) => batch.size)).toEqual([first.length, second.length]);
    expect(decoded.flatMap((batch) => batch.records.map((record) => record.offset))).toEqual([0, 1, 2]);
    expect(decoded[1].isTransactional).toBe(true);
    expect(decoded[1].isControl).toBe(false);
    expect(decoded[1].header.producerId).toBe(9);
    expect(decoded.partialBatchBytes).toBe(0);
  });

  test("ignores a trailing partial batch and reports its size", () => {
    const whole = buildRecordBatch({ records: [{ value: "a" }] });
    const next = buildRecordBatch({ records: [{ value: "b" }], baseOffset: 1 });
    for (const cut of [1, 16, 17, 61, next.length - 1]) {
      const decoded = decodeRecordBatches(concat(whole, next.subarray(0, cut)));
      expect(decoded.length).toBe(1);
      expect(decoded.partialBatchBytes).toBe(cut);
    }
  });

  test("gives LogAppendTime batches the batch's maxTimestamp", () => {
    const batch = buildRecordBatch({ records: sampleRecords() });
    stampLogAppendTime(batch, 0, batch.length, 1_800_000_000_000);
    const [decoded] = decodeRecordBatches(batch);
    expect(decoded.timestampType).toBe(TimestampType.logAppendTime);
    expect(decoded.records.every((record) => record.timestamp === 1_800_000_000_000)).toBe(true);
  });

  test("throws UnsupportedMagicError for the legacy message format", () => {
    const batch = buildRecordBatch({ records: [{ value: "a" }] });
    for (const magic of [0, 1]) {
      const legacy = batch.slice();
      legacy[BatchField.magic] = magic;
      expect(() => decodeRecordBatches(legacy)).toThrow(UnsupportedMagicError);
      expect(() => decodeRecordBatches(legacy)).toThrow(`magic "${magic}"`);
    }
  });

  test("throws CorruptRecordError on a CRC mismatch unless the check is off", () => {
    const batch = buildRecordBatch({ records: [{ value: "abc" }] });
    batch[batch.length - 2] ^= 0x01;
    expect(() => decodeRecordBatches(batch)).toThrow(/CRC mismatch/);
    expect(text(decodeRecordBatches(batch, { crcCheck: false })[0].records[0].value)).toBe("abb");
  });

  test("throws CorruptRecordError when the record count lies", () => {
    const batch = buildRecordBatch({ records: [{ value: "a" }, { value: "b" }] });
    expect(() => decodeRecordBatches(edited(batch, (view) => view.setInt32(BatchField.recordCount, 1)))).toThrow(/bytes follow/);
    expect(() => decodeRecordBatches(edited(batch, (view) => view.setInt32(BatchField.recordCount, 3)))).toThrow(CorruptRecordError);
  });

  test("bounds decompression per batch", () => {
    const batch = buildRecordBatch({ records: [{ value: new Uint8Array(2_000_000) }], compression: CompressionCodec.gzip });
    expect(() => decodeRecordBatches(batch, { decompressedBytesMax: 1_000_000 })).toThrow(DecompressedSizeError);
    expect(decodeRecordBatches(batch, { decompressedBytesMax: 3_000_000 })[0].records[0].value!.length).toBe(2_000_000);
  });

  test("decodes batches encoded by kafkajs, plain and gzip", async () => {
    for (const compression of [0, 1]) {
      const records = [
        KafkajsRecord({ offsetDelta: 0, timestampDelta: 0, key: Buffer.from("k1"), value: Buffer.from("v1"), headers: { a: "1" } }),
        KafkajsRecord({ offsetDelta: 1, timestampDelta: 7, key: null, value: Buffer.from("v2") }),
      ];
      const { buffer } = await KafkajsRecordBatch({
        compression,
        firstOffset: require("kafkajs/src/utils/long.js").fromNumber(500),
        firstTimestamp: baseTime,
        maxTimestamp: baseTime + 7,
        lastOffsetDelta: 1,
        records,
      });
      const [decoded] = decodeRecordBatches(new Uint8Array(buffer));
      expect(decoded.records.map((record) => [record.offset, record.timestamp, text(record.key), text(record.value)])).toEqual([
        [500, baseTime, "k1", "v1"],
        [501, baseTime + 7, null, "v2"],
      ]);
      expect(decoded.records[0].headers.map((header) => [header.key, text(header.value)])).toEqual([["a", "1"]]);
    }
  });
});

describe("batchRecords and recordAt", () => {
  const records = Array.from({ length: 300 }, (_, i) => ({ key: i % 3 === 0 ? null : new TextEncoder().encode(`k${i}`), value: new TextEncoder().encode(`value number ${i}`), timestamp: baseTime + i }));

  for (const compression of [CompressionCodec.none, CompressionCodec.gzip, CompressionCodec.lz4]) {
    test(`read one record at a time what decodeRecordBatches reads (${compressionCodecName(compression)})`, () => {
      const bytes = buildRecordBatch({ records, compression });
      const expected = decodeRecordBatches(bytes)[0].records;
      const batch = batchRecords(bytes);
      expect(batch.starts.length).toBe(300);
      for (const record of expected.toReversed()) expect(recordAt(batch, record.offset)).toEqual(record);
      expect(recordAt(batch, 300)).toBeNull();
      expect(recordAt(batch, -1)).toBeNull();
    });
  }

  test("find records past gaps compaction left, and not the ones it removed", () => {
    const original = decodeRecordBatches(buildRecordBatch({ records, baseOffset: 1000 }))[0];
    const kept = original.records.filter((record) => record.offset % 7 !== 0);
    const batch = batchRecords(rebuildBatch(original, kept));
    for (const record of kept) expect(recordAt(batch, record.offset)).toEqual(record);
    for (const record of original.records.filter((candidate) => candidate.offset % 7 === 0 && candidate.offset > kept[0].offset)) expect(recordAt(batch, record.offset)).toBeNull();
  });
});
