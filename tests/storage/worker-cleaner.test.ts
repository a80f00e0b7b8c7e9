import { afterEach, expect, test } from "bun:test";
import fs from "node:fs";
import { buildRecordBatch, decodeRecordBatches } from "../../src/records/record-batch.ts";
import { FileLog } from "../../src/storage/file-log.ts";
import { inProcessCleaner } from "../../src/storage/log-cleaner.ts";
import type { Cleaner } from "../../src/storage/log-cleaner.ts";
import { verifyPartitionDir } from "../../src/storage/verify.ts";
import { WorkerCleaner } from "../../src/storage/worker-cleaner.ts";
import { recordingLogger, tempDir } from "./batches.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** Writes the same keyed data, compacts it with `cleaner`, and returns the stored [offset, key, value]. */
async function compactWith(cleaner: Cleaner): Promise<{ stored: string[]; problems: string[] }> {
  const dir = tempDir("worker-cleaner");
  dirs.push(dir);
  const log = await FileLog.open(dir, { fsync: "never", segmentBytes: 2048, cleanupPolicy: "compact", minCleanableDirtyRatio: 0, cleaner, logger: recordingLogger() });
  for (let n = 0; n < 400; n++) {
    const records = [{ key: `k${n % 23}`, value: n % 41 === 0 ? null : `v${n}`, timestamp: Date.now() }];
    await log.append(buildRecordBatch({ records }));
  }
  const stats = await log.compact();
  expect(stats?.recordsRemoved).toBeGreaterThan(0);
  const stored: string[] = [];
  const text = new TextDecoder();
  for (let offset = 0; offset < log.highWatermark; ) {
    const batches = decodeRecordBatches((await log.read(offset, 1 << 20)).bytes);
    if (batches.length === 0) break;
    for (const batch of batches) {
      for (const record of batch.records) stored.push(`${record.offset}:${text.decode(record.key!)}=${record.value ? text.decode(record.value) : "null"}`);
      offset = batch.header.baseOffset + batch.header.lastOffsetDelta + 1;
    }
  }
  await log.close();
  return { stored, problems: verifyPartitionDir(dir) };
}

test("the worker thread compacts exactly as the broker's thread does", async () => {
  const logger = recordingLogger();
  const worker = new WorkerCleaner({ logger });
  try {
    const [onWorker, inProcess] = [await compactWith(worker), await compactWith(inProcessCleaner)];
    // No fallback to the calling thread was needed.
    expect(logger.lines).toEqual([]);
    expect(onWorker.stored).toEqual(inProcess.stored);
    expect(onWorker.stored.length).toBeLessThan(400);
    expect(onWorker.problems).toEqual([]);
  } finally {
    await worker.close();
  }
});

test("a closed worker cleaner refuses jobs", async () => {
  const worker = new WorkerCleaner({ logger: recordingLogger() });
  await worker.close();
  await expect(worker.clean({ dir: "/nonexistent", segments: [], firstDirty: 0, nowMs: 0, deleteRetentionMs: 0, indexIntervalBytes: 4096 })).rejects.toThrow("closed");
});
