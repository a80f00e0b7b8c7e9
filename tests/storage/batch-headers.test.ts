import { describe, expect, test } from "bun:test";
import { buildRecordBatch } from "../../src/records/record-batch.ts";
import { forEachBatchHeader } from "../../src/storage/batch-headers.ts";
import { MemoryLog } from "../../src/storage/memory-log.ts";

describe("forEachBatchHeader", () => {
  test("visits every batch holding an offset at or after the start, across reads, in order", async () => {
    const log = new MemoryLog();
    const big = "x".repeat(300 * 1024);
    for (let n = 0; n < 8; n++) {
      await log.append(buildRecordBatch({ records: [{ value: big }, { value: big }], producerId: n, producerEpoch: 0, baseSequence: 0 }));
    }
    const seen: Array<[number, number]> = [];
    await forEachBatchHeader(log, 5, (header) => seen.push([header.baseOffset, header.producerId]));
    // Offset 5 lies inside the batch at 4; four batches of 600 KiB take several 1 MiB reads.
    expect(seen).toEqual([[4, 2], [6, 3], [8, 4], [10, 5], [12, 6], [14, 7]]);
  });

  test("an empty log, and a start past the end, visit nothing", async () => {
    const seen: number[] = [];
    await forEachBatchHeader(new MemoryLog(), 0, (header) => seen.push(header.baseOffset));
    const log = new MemoryLog();
    await log.append(buildRecordBatch({ records: [{ value: "a" }] }));
    await forEachBatchHeader(log, 1, (header) => seen.push(header.baseOffset));
    expect(seen).toEqual([]);
  });
});
