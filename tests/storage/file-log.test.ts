import { afterEach, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { FileLog } from "../../src/storage/file-log.ts";
import type { FileLogOptions } from "../../src/storage/file-log.ts";
import { FlushScheduler } from "../../src/storage/group-commit.ts";
import { batchOf, recordingLogger, recordsOf, tempDir } from "./batches.ts";
import { describePartitionLog } from "./partition-log-suite.ts";
import { eventually } from "../support/wait.ts";

for (const fsync of ["always", "never"] as const) {
  describePartitionLog(`FileLog fsync ${fsync}`, async () => {
    const dir = tempDir("suite");
    const log = await FileLog.open(dir, { fsync, segmentBytes: 4096, indexIntervalBytes: 100, logger: recordingLogger() });
    return {
      log,
      cleanup: async () => {
        await log.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  });
}

const dirs: string[] = [];
const logs: FileLog[] = [];

async function openLog(dir: string, options: FileLogOptions = {}): Promise<FileLog> {
  const log = await FileLog.open(dir, { logger: recordingLogger(), ...options });
  logs.push(log);
  return log;
}

function newDir(): string {
  const dir = tempDir("file-log");
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  for (const log of logs.splice(0)) await log.close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** Reads every record from `offset` to the high watermark, one read at a time. */
async function readAll(log: FileLog, from = log.logStartOffset): Promise<Array<[number, string]>> {
  const records: Array<[number, string]> = [];
  let offset = from;
  while (offset < log.highWatermark) {
    const batchRecords = recordsOf((await log.read(offset, 1000)).bytes);
    if (batchRecords.length === 0) throw new Error(`Read at ${offset} returned nothing below ${log.highWatermark}`);
    records.push(...batchRecords.filter(([recordOffset]) => recordOffset >= offset));
    offset = batchRecords.at(-1)![0] + 1;
  }
  return records;
}

describe("FileLog", () => {
  test("appends and reads back across segment rolls", async () => {
    const dir = newDir();
    const log = await openLog(dir, { segmentBytes: 1000, indexIntervalBytes: 200 });
    const expected: Array<[number, string]> = [];
    for (let n = 0; n < 60; n++) {
      const values = [`record-${n}-a`, `record-${n}-b`];
      const { baseOffset } = await log.append(batchOf(values));
      expected.push([baseOffset, values[0]], [baseOffset + 1, values[1]]);
    }
    expect(log.segmentCount).toBeGreaterThan(5);
    expect(await readAll(log)).toEqual(expected);
    expect(recordsOf((await log.read(77, 1)).bytes)[0]).toEqual([76, "record-38-a"]);
    const logFiles = fs.readdirSync(dir).filter((name) => name.endsWith(".log")).sort();
    expect(logFiles[0]).toBe("00000000000000000000.log");
    expect(logFiles.length).toBe(log.segmentCount);
  });

  test("rolls a segment once it is older than segmentMs", async () => {
    let now = 1_000_000;
    const log = await openLog(newDir(), { segmentMs: 60_000, now: () => now });
    await log.append(batchOf(["a"]));
    now += 30_000;
    await log.append(batchOf(["b"]));
    expect(log.segmentCount).toBe(1);
    now += 31_000;
    await log.append(batchOf(["c"]));
    expect(log.segmentCount).toBe(2);
  });

  test("reopens after a clean close with the same data, timestamps and no repairs", async () => {
    const dir = newDir();
    const first = await FileLog.open(dir, { segmentBytes: 1000, indexIntervalBytes: 100 });
    for (let n = 0; n < 40; n++) await first.append(batchOf([`v${n}`], { timestamps: [5000 + n * 10] }));
    const before = await readAll(first);
    await first.close();
    const logger = recordingLogger();
    const log = await openLog(dir, { segmentBytes: 1000, indexIntervalBytes: 100, logger });
    expect(logger.lines).toEqual([]);
    expect([log.logEndOffset, log.highWatermark]).toEqual([40, 40]);
    expect(await readAll(log)).toEqual(before);
    expect(log.maxTimestamp()).toEqual({ offset: 39, timestamp: 5390 });
    expect(await log.offsetForTimestamp(5201)).toEqual({ offset: 21, timestamp: 5210 });
    expect((await log.append(batchOf(["next"]))).baseOffset).toBe(40);
  });

  test("fsync always: the append resolves, and the high watermark moves, only after the fsync", async () => {
    const pending: Array<() => void> = [];
    // Fsyncs wait for the test to release them, until closing, whose fsyncs go through at once.
    let holding = true;
    const flushScheduler = new FlushScheduler({ fsync: () => (holding ? new Promise<void>((resolve) => pending.push(resolve)) : Promise.resolve()) });
    const log = await openLog(newDir(), { flushScheduler });
    const releaseAll = () => pending.splice(0).forEach((resolve) => resolve());
    let acknowledged = false;
    const append = log.append(batchOf(["a"])).then(() => (acknowledged = true));
    await eventually(() => pending.length === 1, "the append waits on its fsync", { waitMs: 5000, pollMs: 1 });
    expect([acknowledged, log.logEndOffset, log.highWatermark]).toEqual([false, 1, 0]);
    expect((await log.read(0, 1000)).bytes.length).toBe(0);
    releaseAll();
    await append;
    expect(log.highWatermark).toBe(1);
    expect(recordsOf((await log.read(0, 1000)).bytes)).toEqual([[0, "a"]]);
    holding = false;
    await log.close();
  });

  test("fsync never: appends are acknowledged without any fsync", async () => {
    let fsyncs = 0;
    const flushScheduler = new FlushScheduler({ fsync: async () => void fsyncs++ });
    const log = await openLog(newDir(), { fsync: "never", flushScheduler });
    for (let n = 0; n < 10; n++) await log.append(batchOf([`v${n}`]));
    expect(fsyncs).toBe(0);
    expect(log.highWatermark).toBe(10);
  });

  test("fsync interval: appends are acknowledged at once and fsynced within the interval", async () => {
    let fsyncs = 0;
    const flushScheduler = new FlushScheduler({ fsync: async () => void fsyncs++ });
    const log = await openLog(newDir(), { fsync: "interval", fsyncIntervalMs: 20, flushScheduler });
    for (let n = 0; n < 10; n++) await log.append(batchOf([`v${n}`]));
    expect(fsyncs).toBe(0);
    await eventually(() => fsyncs === 1, "the interval's fsync", { waitMs: 5000, pollMs: 5 });
  });

  test("every acknowledged append survives kill -9 of the writing process", async () => {
    const dir = newDir();
    const child = Bun.spawn([process.execPath, path.join(import.meta.dir, "durability-child.ts"), dir], { stdout: "pipe" });
    let output = "";
    const decoder = new TextDecoder();
    for await (const chunk of child.stdout) {
      output += decoder.decode(chunk);
      if (output.split("\n").length > 1500) break;
    }
    child.kill(9);
    await child.exited;
    const acknowledged = output.split("\n").slice(0, -1).map((line) => line.split(" "));
    expect(acknowledged.length).toBeGreaterThanOrEqual(1500);
    const log = await openLog(dir);
    const stored = new Map(await readAll(log));
    for (const [offset, value] of acknowledged) expect(stored.get(Number(offset))).toBe(value);
  }, 30_000);
});

describe("FileLog retention", () => {
  test("retention.ms deletes whole expired segments, never unexpired ones, and checkpoints the new start", async () => {
    let now = 1_000_000;
    const dir = newDir();
    const log = await openLog(dir, { segmentBytes: 300, retentionMs: 60_000, now: () => now });
    for (let n = 0; n < 10; n++) await log.append(batchOf([`old-${n}`], { timestamps: [now - 120_000] }));
    for (let n = 0; n < 10; n++) await log.append(batchOf([`new-${n}`], { timestamps: [now] }));
    const segmentsBefore = log.segmentCount;
    const deleted = await log.enforceRetention();
    expect(deleted).toBeGreaterThan(0);
    expect(log.segmentCount).toBe(segmentsBefore - deleted);
    expect(log.logStartOffset).toBeGreaterThan(0);
    expect(log.logStartOffset).toBeLessThanOrEqual(10);
    const stored = await readAll(log);
    expect(stored.filter(([, value]) => value.startsWith("new-")).length).toBe(10);
    await expect(log.read(0, 1000)).rejects.toThrow("out of range");
    expect(fs.readFileSync(path.join(dir, "log-start-offset"), "utf8")).toBe(`1\n${log.logStartOffset}\n`);
    expect(await log.enforceRetention()).toBe(0);
  });

  test("when every segment expired, the active one goes too and the log restarts empty at its end", async () => {
    let now = 1_000_000;
    const log = await openLog(newDir(), { segmentBytes: 300, retentionMs: 1000, now: () => now });
    for (let n = 0; n < 8; n++) await log.append(batchOf([`v${n}`], { timestamps: [now] }));
    now += 5000;
    await log.enforceRetention();
    expect([log.logStartOffset, log.logEndOffset, log.segmentCount]).toEqual([8, 8, 1]);
    expect((await log.append(batchOf(["after"]))).baseOffset).toBe(8);
  });

  test("a negative (unknown) max timestamp never counts as expired: the segment's file time counts instead", async () => {
    const now = 1_000_000_000_000_000;
    const log = await openLog(newDir(), { segmentBytes: 300, retentionMs: 60 * 60 * 1000, now: () => now });
    const unknown = batchOf(["no time"], { timestamps: [-1] });
    for (let n = 0; n < 6; n++) await log.append(unknown);
    expect(log.segmentCount).toBeGreaterThan(1);
    // The files were written moments ago (by the real clock), so nothing is an hour old.
    const realNowLog = await openLog(newDir(), { segmentBytes: 300, retentionMs: 60 * 60 * 1000 });
    for (let n = 0; n < 6; n++) await realNowLog.append(unknown);
    expect(await realNowLog.enforceRetention()).toBe(0);
    expect(realNowLog.logStartOffset).toBe(0);
    // Far in the future the file time is old: retention applies, as Kafka's does with lastModified.
    expect(await log.enforceRetention()).toBeGreaterThan(0);
  });

  test("retention.bytes keeps the newest segments within the limit", async () => {
    const log = await openLog(newDir(), { segmentBytes: 300, retentionMs: -1, retentionBytes: 700 });
    for (let n = 0; n < 30; n++) await log.append(batchOf([`v${n}`]));
    await log.enforceRetention();
    expect(log.sizeBytes).toBeLessThanOrEqual(700 + 300);
    expect(log.logStartOffset).toBeGreaterThan(0);
    expect((await readAll(log)).at(-1)).toEqual([29, "v29"]);
  });

  test("cleanup.policy compact alone never deletes by retention; configure changes it while running", async () => {
    let now = 1_000_000;
    const log = await openLog(newDir(), { segmentBytes: 300, retentionMs: 1000, cleanupPolicy: "compact", now: () => now });
    for (let n = 0; n < 8; n++) await log.append(batchOf([`v${n}`], { timestamps: [now] }));
    now += 5000;
    expect(await log.enforceRetention()).toBe(0);
    log.configure({ cleanupPolicy: "compact,delete" });
    expect(await log.enforceRetention()).toBeGreaterThan(0);
    expect(() => log.configure({ retentionBytes: -5 })).toThrow("retentionBytes");
  });

  test("the log start offset survives a reopen, and reads below it are out of range", async () => {
    const dir = newDir();
    const first = await FileLog.open(dir, { segmentBytes: 300 });
    for (let n = 0; n < 20; n++) await first.append(batchOf([`v${n}`]));
    await first.advanceLogStartOffset(13);
    await first.close();
    const log = await openLog(dir, { segmentBytes: 300 });
    expect(log.logStartOffset).toBe(13);
    await expect(log.read(12, 100)).rejects.toThrow("out of range");
    expect(recordsOf((await log.read(13, 100)).bytes).map(([offset]) => offset)).toContain(13);
  });
});
