import { afterEach, expect, test } from "bun:test";
import { eventually, nextTurn } from "../support/wait.ts";
import fs from "node:fs";
import { buildRecordBatch } from "../../src/records/record-batch.ts";
import { FileLog } from "../../src/storage/file-log.ts";
import { LogMaintenance } from "../../src/storage/log-maintenance.ts";
import { recordingLogger, tempDir } from "./batches.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function openLog(options: Parameters<typeof FileLog.open>[1]): Promise<FileLog> {
  const dir = tempDir("maintenance");
  dirs.push(dir);
  return FileLog.open(dir, { fsync: "never", segmentBytes: 400, logger: recordingLogger(), ...options });
}

const keyed = (key: string, value: string, timestamp: number) => buildRecordBatch({ records: [{ key, value, timestamp }] });

test("a round enforces retention on delete logs, compacts compacted ones, and forgets closed logs", async () => {
  const now = Date.now();
  const expiring = await openLog({ retentionMs: 1000 });
  const table = await openLog({ cleanupPolicy: "compact", minCleanableDirtyRatio: 0 });
  const closed = await openLog({ retentionMs: 1000 });
  for (let n = 0; n < 20; n++) {
    await expiring.append(keyed(`k${n}`, `v${n}`, now - 60_000));
    await table.append(keyed("same", `v${n}`, now));
    await closed.append(keyed(`k${n}`, `v${n}`, now - 60_000));
  }
  await closed.close();
  const logger = recordingLogger();
  const maintenance = new LogMaintenance({ checkIntervalMs: 60_000, logger });
  for (const log of [expiring, table, closed]) maintenance.add(log);
  const round = await maintenance.runRound();
  expect(round.segmentsDeleted).toBeGreaterThan(0);
  expect(round.compactions).toBe(1);
  expect(expiring.logStartOffset).toBe(20);
  expect(table.compactedOffset).toBeGreaterThan(0);
  expect(logger.lines.some((line) => line.startsWith("Compacted"))).toBe(true);
  await maintenance.stop();
  await Promise.all([expiring.close(), table.close()]);
});

test("rounds run by themselves every checkIntervalMs until stopped", async () => {
  const log = await openLog({ retentionMs: 1000 });
  for (let n = 0; n < 20; n++) await log.append(keyed(`k${n}`, `v${n}`, Date.now() - 60_000));
  const maintenance = new LogMaintenance({ checkIntervalMs: 20, logger: recordingLogger() });
  maintenance.add(log);
  maintenance.start();
  await eventually(() => log.logStartOffset === 20, "a round deletes the expired records", { waitMs: 5000, pollMs: 10 });
  await maintenance.stop();
  await log.close();
});

test("reads during a compaction pass see whole batches, and leftovers of an interrupted pass are removed at open", async () => {
  const log = await openLog({ cleanupPolicy: "compact", minCleanableDirtyRatio: 0, segmentBytes: 64 * 1024 });
  const now = Date.now();
  for (let n = 0; n < 3000; n++) await log.append(keyed(`key-${n % 50}`, `value-${n}`.padEnd(100, "x"), now));
  const pass = log.compact();
  let reads = 0;
  let finished = false;
  void pass.then(() => (finished = true));
  while (!finished) {
    const { bytes } = await log.read(0, 4096);
    expect(bytes.length).toBeGreaterThan(0);
    reads++;
    await nextTurn();
  }
  expect((await pass)?.recordsRemoved).toBeGreaterThan(0);
  expect(reads).toBeGreaterThan(1);
  const dir = log.dir;
  await log.close();
  fs.writeFileSync(`${dir}/00000000000000000000.log.cleaned`, "half written");
  fs.writeFileSync(`${dir}/00000000000000000000.index.cleaned`, "");
  const reopened = await FileLog.open(dir, { fsync: "never", logger: recordingLogger() });
  expect(fs.readdirSync(dir).filter((name) => name.endsWith(".cleaned"))).toEqual([]);
  await reopened.close();
});

test("compaction runs every cleanerBackoffMs once the dirty ratio passes, while retention keeps to checkIntervalMs", async () => {
  const now = Date.now();
  const table = await openLog({ cleanupPolicy: "compact", minCleanableDirtyRatio: 0.01 });
  const expiring = await openLog({ retentionMs: 1000 });
  for (let n = 0; n < 20; n++) {
    await table.append(keyed("same", `v${n}`, now));
    await expiring.append(keyed(`k${n}`, `v${n}`, now - 60_000));
  }
  const maintenance = new LogMaintenance({ checkIntervalMs: 60 * 60 * 1000, cleanerBackoffMs: 20, logger: recordingLogger() });
  maintenance.add(table);
  maintenance.add(expiring);
  maintenance.start();
  await eventually(() => table.compactedOffset > 0, "a compaction pass", { waitMs: 10_000, pollMs: 10 });
  // The retention check is an hour away: the expired records are still there.
  expect(expiring.logStartOffset).toBe(0);
  await maintenance.stop();
  await Promise.all([table.close(), expiring.close()]);
}, 15_000);

test("the cleaner backoff must be a positive number of milliseconds", () => {
  expect(() => new LogMaintenance({ checkIntervalMs: 1000, cleanerBackoffMs: 0, logger: recordingLogger() })).toThrow('Invalid log cleaner backoff "0"');
});
