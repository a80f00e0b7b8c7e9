// The behaviour every PartitionLog owes the engine, written once and run against FileLog
// and MemoryLog (see partition-log.test.ts).

import { afterEach, describe, expect, test } from "bun:test";
import { batchCrcIsValid, readBatchHeader, Attributes } from "../../src/records/batch-header.ts";
import { CompressionCodec } from "../../src/records/record-batch.ts";
import { OffsetOutOfRangeError } from "../../src/storage/partition-log.ts";
import type { PartitionLog } from "../../src/storage/partition-log.ts";
import { batchBaseOffsets, batchOf, concat, recordsOf } from "./batches.ts";

export type OpenLog = () => Promise<{ log: PartitionLog; cleanup: () => Promise<void> }>;

export function describePartitionLog(name: string, openLog: OpenLog): void {
  describe(`${name} (PartitionLog behaviour)`, () => {
    let cleanups: Array<() => Promise<void>> = [];
    const open = async () => {
      const { log, cleanup } = await openLog();
      cleanups.push(cleanup);
      return log;
    };
    afterEach(async () => {
      for (const cleanup of cleanups) await cleanup();
      cleanups = [];
    });

    test("an empty log has nothing to read", async () => {
      const log = await open();
      expect([log.logStartOffset, log.logEndOffset, log.highWatermark]).toEqual([0, 0, 0]);
      expect((await log.read(0, 1024)).bytes.length).toBe(0);
      expect(log.maxTimestamp()).toBeNull();
      expect(await log.offsetForTimestamp(0)).toBeNull();
    });

    test("append assigns offsets batch by batch and read returns the stored bytes", async () => {
      const log = await open();
      const first = await log.append(concat(batchOf(["a", "b"]), batchOf(["c"])));
      expect(first).toEqual({ baseOffset: 0, lastOffset: 2, logAppendTime: -1, logStartOffset: 0 });
      const second = await log.append(batchOf(["d", "e", "f"]));
      expect([second.baseOffset, second.lastOffset]).toEqual([3, 5]);
      expect([log.logEndOffset, log.highWatermark]).toEqual([6, 6]);
      const read = await log.read(0, 1 << 20);
      expect(batchBaseOffsets(read.bytes)).toEqual([0, 2, 3]);
      expect(recordsOf(read.bytes).map(([, value]) => value)).toEqual(["a", "b", "c", "d", "e", "f"]);
      expect([read.highWatermark, read.logStartOffset]).toEqual([6, 0]);
    });

    test("a read at an offset inside a batch starts with that batch", async () => {
      const log = await open();
      await log.append(batchOf(["a", "b", "c"]));
      await log.append(batchOf(["d", "e", "f"]));
      expect(batchBaseOffsets((await log.read(4, 1 << 20)).bytes)).toEqual([3]);
      expect(batchBaseOffsets((await log.read(2, 1 << 20)).bytes)).toEqual([0, 3]);
    });

    test("a read returns at least one whole batch, and only whole batches", async () => {
      const log = await open();
      const batch = batchOf(["x".repeat(100)]);
      for (let n = 0; n < 3; n++) await log.append(batch.slice());
      expect(batchBaseOffsets((await log.read(0, 1)).bytes)).toEqual([0]);
      expect(batchBaseOffsets((await log.read(0, batch.length * 2 + 10)).bytes)).toEqual([0, 1]);
      expect((await log.read(3, 1)).bytes.length).toBe(0);
    });

    test("offsets outside [logStartOffset, logEndOffset] are out of range", async () => {
      const log = await open();
      await log.append(batchOf(["a"]));
      await expect(log.read(2, 100)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
      await expect(log.read(-1, 100)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
    });

    test("offsetForTimestamp finds the first record at or after the time, inside batches", async () => {
      const log = await open();
      await log.append(batchOf(["a", "b", "c"], { timestamps: [100, 300, 200] }));
      await log.append(batchOf(["d", "e"], { timestamps: [250, 400] }));
      expect(await log.offsetForTimestamp(0)).toEqual({ offset: 0, timestamp: 100 });
      expect(await log.offsetForTimestamp(150)).toEqual({ offset: 1, timestamp: 300 });
      expect(await log.offsetForTimestamp(300)).toEqual({ offset: 1, timestamp: 300 });
      expect(await log.offsetForTimestamp(301)).toEqual({ offset: 4, timestamp: 400 });
      expect(await log.offsetForTimestamp(401)).toBeNull();
    });

    test("offsetForTimestamp looks inside compressed batches", async () => {
      const log = await open();
      await log.append(batchOf(["a", "b", "c"], { timestamps: [100, 200, 300], compression: CompressionCodec.gzip }));
      expect(await log.offsetForTimestamp(150)).toEqual({ offset: 1, timestamp: 200 });
    });

    test("maxTimestamp names the first record carrying the largest timestamp", async () => {
      const log = await open();
      await log.append(batchOf(["a", "b", "c"], { timestamps: [100, 500, 200] }));
      await log.append(batchOf(["d", "e"], { timestamps: [500, 300] }));
      expect(log.maxTimestamp()).toEqual({ offset: 1, timestamp: 500 });
    });

    test("LogAppendTime rewrites maxTimestamp, sets the attribute and keeps the CRC valid", async () => {
      const log = await open();
      const result = await log.append(batchOf(["a", "b"]), { logAppendTime: 7777 });
      expect(result.logAppendTime).toBe(7777);
      const bytes = (await log.read(0, 1 << 20)).bytes;
      const header = readBatchHeader(bytes);
      expect(header.maxTimestamp).toBe(7777);
      expect(header.attributes & Attributes.timestampTypeLogAppend).toBeTruthy();
      expect(batchCrcIsValid(bytes, 0, bytes.length)).toBe(true);
      expect(await log.offsetForTimestamp(7000)).toEqual({ offset: 0, timestamp: 7777 });
    });

    test("truncateTo removes the batch holding the offset and everything after", async () => {
      const log = await open();
      await log.append(batchOf(["a", "b"]));
      await log.append(batchOf(["c", "d"]));
      await log.append(batchOf(["e"]));
      await log.truncateTo(3);
      expect(log.logEndOffset).toBe(2);
      expect(recordsOf((await log.read(0, 1 << 20)).bytes).map(([, value]) => value)).toEqual(["a", "b"]);
      const next = await log.append(batchOf(["z"]));
      expect(next.baseOffset).toBe(2);
      expect(recordsOf((await log.read(2, 1 << 20)).bytes)).toEqual([[2, "z"]]);
    });

    test("advanceLogStartOffset hides earlier offsets", async () => {
      const log = await open();
      await log.append(batchOf(["a", "b"]));
      await log.append(batchOf(["c"]));
      await log.advanceLogStartOffset(2);
      expect(log.logStartOffset).toBe(2);
      await expect(log.read(1, 100)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
      expect(recordsOf((await log.read(2, 1 << 20)).bytes)).toEqual([[2, "c"]]);
      expect((await log.append(batchOf(["d"]))).logStartOffset).toBe(2);
      await expect(log.advanceLogStartOffset(10)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
    });
  });
}
