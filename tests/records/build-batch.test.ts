import { describe, expect, test } from "bun:test";
import { createRequire } from "node:module";
import { batchCrcIsValid, readBatchHeader, Attributes } from "../../src/records/batch-header.ts";
import { buildRecordBatch } from "../../src/records/build-batch.ts";
import { CompressionCodec } from "../../src/records/compression/index.ts";
import { baseTime, sampleRecords } from "./batch-fixtures.ts";

const require = createRequire(import.meta.url);
// kafkajs's own batch decoder: an independent reading of what we build.
const decodeWithKafkajs: (decoder: unknown) => Promise<any> = require("kafkajs/src/protocol/recordBatch/v0/decoder.js");
const KafkajsDecoder: new (buffer: Buffer) => unknown = require("kafkajs/src/protocol/decoder.js");

describe("buildRecordBatch", () => {
  test("fills the header from the records", () => {
    const batch = buildRecordBatch({
      records: sampleRecords(),
      baseOffset: 42,
      producerId: 7,
      producerEpoch: 2,
      baseSequence: 100,
      partitionLeaderEpoch: 3,
      transactional: true,
    });
    const header = readBatchHeader(batch);
    expect(header.baseOffset).toBe(42);
    expect(header.batchLength).toBe(batch.length - 12);
    expect(header.partitionLeaderEpoch).toBe(3);
    expect(header.magic).toBe(2);
    expect(header.attributes).toBe(Attributes.transactional);
    expect(header.lastOffsetDelta).toBe(3);
    expect(header.baseTimestamp).toBe(baseTime);
    expect(header.maxTimestamp).toBe(baseTime + 20);
    expect(header.producerId).toBe(7);
    expect(header.producerEpoch).toBe(2);
    expect(header.baseSequence).toBe(100);
    expect(header.recordCount).toBe(4);
    expect(batchCrcIsValid(batch, 0, batch.length)).toBe(true);
  });

  test("defaults to a non-idempotent producer, epoch -1 and the batch timestamp", () => {
    const header = readBatchHeader(buildRecordBatch({ records: [{ value: "x" }], timestamp: 123 }));
    expect([header.producerId, header.producerEpoch, header.baseSequence, header.partitionLeaderEpoch]).toEqual([-1, -1, -1, -1]);
    expect([header.baseTimestamp, header.maxTimestamp, header.baseOffset]).toEqual([123, 123, 0]);
  });

  test("sets the codec and control bits", () => {
    const header = readBatchHeader(buildRecordBatch({ records: [{ value: "x" }], compression: CompressionCodec.zstd, control: true }));
    expect(header.attributes & Attributes.compressionMask).toBe(CompressionCodec.zstd);
    expect(header.attributes & Attributes.control).toBe(Attributes.control);
  });

  test("refuses an empty batch", () => {
    expect(() => buildRecordBatch({ records: [] })).toThrow(RangeError);
  });

  for (const codec of [CompressionCodec.none, CompressionCodec.gzip]) {
    test(`produces a batch kafkajs decodes (codec ${codec})`, async () => {
      const batch = buildRecordBatch({ records: sampleRecords(), baseOffset: 10, compression: codec });
      const decoded = await decodeWithKafkajs(new KafkajsDecoder(Buffer.from(batch)));
      expect(decoded.records.map((record: any) => [record.offset, record.timestamp, record.key?.toString() ?? null])).toEqual([
        ["10", String(baseTime), "user-1"],
        ["11", String(baseTime + 5), null],
        ["12", String(baseTime - 3), "tombstone"],
        ["13", String(baseTime + 20), "\u0000\u0001\u0002"],
      ]);
      expect(decoded.records[0].headers.trace.toString()).toBe("abc");
      expect(decoded.records[2].value).toBeNull();
    });
  }
});
