// Compaction throughput, and what it costs concurrent produce. In one process (one event loop,
// as in the broker): a compacted log of `megabytes` MB of keyed records (`keys` distinct keys,
// 200-byte values, 100 records a batch) is compacted; MB/s counts the bytes the pass read.
// Then produce throughput (64 KiB batches, fsync "always", one log) is measured alone and
// again while an equal log is being compacted, with the appends' p99 latency: once with the
// cleaner on the same thread (in chunks) and once on the broker's worker thread.
// Run: npx bun scripts/bench/storage-compaction.ts [megabytes=128] [keys=10000]

import fs from "node:fs";
import { buildRecordBatch } from "../../src/records/record-batch.ts";
import { FileLog } from "../../src/storage/file-log.ts";
import { inProcessCleaner } from "../../src/storage/log-cleaner.ts";
import type { Cleaner } from "../../src/storage/log-cleaner.ts";
import { WorkerCleaner } from "../../src/storage/worker-cleaner.ts";
import { makeTempDir } from "../../tests/e2e/harness.ts";

const megabytes = Number(process.argv[2] ?? 128);
const keys = Number(process.argv[3] ?? 10_000);
const quiet = { info: () => {}, warn: () => {} };
const produceSeconds = 5;

async function filledCompactedLog(dir: string, cleaner: Cleaner): Promise<FileLog> {
  const log = await FileLog.open(dir, {
    cleaner,
    fsync: "never",
    segmentBytes: 16 * 1024 * 1024,
    cleanupPolicy: "compact",
    minCleanableDirtyRatio: 0,
    logger: quiet,
  });
  let sequence = 0;
  while (log.sizeBytes < megabytes * 1e6) {
    const records = Array.from({ length: 100 }, () => ({ key: `key-${sequence % keys}`, value: `${sequence++}-`.padEnd(200, "v") }));
    await log.append(buildRecordBatch({ records }));
  }
  // Roll once more, so everything written is in sealed, cleanable segments.
  log.configure({ segmentMs: 1 });
  await Bun.sleep(5);
  await log.append(buildRecordBatch({ records: [{ key: "roll", value: "x" }] }));
  return log;
}

/** Appends 64 KiB batches for `seconds` (or until `until` settles); MB/s and p99 append latency. */
async function produce(log: FileLog, seconds: number, until?: Promise<unknown>): Promise<{ megabytesPerSecond: number; p99Ms: number }> {
  const batch = buildRecordBatch({ records: Array.from({ length: 64 }, (_, n) => ({ value: `${n}`.padEnd(1000, "p") })) });
  let done = false;
  until?.then(() => (done = true));
  const latencies: number[] = [];
  const started = performance.now();
  let bytes = 0;
  while (!done && performance.now() - started < seconds * 1000) {
    const before = performance.now();
    await log.append(batch.slice());
    latencies.push(performance.now() - before);
    bytes += batch.length;
  }
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { megabytesPerSecond: bytes / 1e6 / elapsed, p99Ms: latencies[Math.floor(latencies.length * 0.99)] ?? 0 };
}

const root = await makeTempDir("bench-compaction");
const workerCleaner = new WorkerCleaner({ logger: quiet });
console.log(`Writing ${megabytes} MB of keyed records (${keys} keys) ...`);
for (const [name, cleaner] of [["same thread", inProcessCleaner], ["worker thread", workerCleaner]] as const) {
  const log = await filledCompactedLog(`${root}/alone-${name}`, cleaner);
  const stats = await log.compact();
  if (stats === null) throw new Error("The compaction pass did not run");
  console.log(
    `Compaction (${name}): read ${(stats.bytesRead / 1e6).toFixed(1)} MB, wrote ${(stats.bytesWritten / 1e6).toFixed(1)} MB, ` +
      `removed ${stats.recordsRemoved} records in ${(stats.durationMs / 1000).toFixed(2)} s = ${(stats.bytesRead / 1e6 / (stats.durationMs / 1000)).toFixed(1)} MB/s`,
  );
  await log.close();
}

const target = await FileLog.open(`${root}/produce`, { fsync: "always", logger: quiet });
const alone = await produce(target, produceSeconds);
console.log(`Produce alone: ${alone.megabytesPerSecond.toFixed(1)} MB/s, p99 append ${alone.p99Ms.toFixed(2)} ms`);
for (const [name, cleaner] of [["same thread", inProcessCleaner], ["worker thread", workerCleaner]] as const) {
  const compacted = await filledCompactedLog(`${root}/during-${name}`, cleaner);
  const compacting = compacted.compact();
  const during = await produce(target, 60, compacting);
  const stats = await compacting;
  console.log(
    `Produce during compaction (${name}): ${during.megabytesPerSecond.toFixed(1)} MB/s, p99 append ${during.p99Ms.toFixed(2)} ms ` +
      `(the pass ran ${((stats?.durationMs ?? 0) / 1000).toFixed(2)} s)`,
  );
  await compacted.close();
}
await target.close();
await workerCleaner.close();
fs.rmSync(root, { recursive: true, force: true });
