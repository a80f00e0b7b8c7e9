import { afterEach, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { FileLog } from "../../src/storage/file-log.ts";
import { recoveryPointFileName } from "../../src/storage/recovery.ts";
import { batchOf, recordingLogger, recordsOf, tempDir } from "./batches.ts";

const dirs: string[] = [];
const logs: FileLog[] = [];
const options = { fsync: "never", segmentBytes: 1000, indexIntervalBytes: 100 } as const;

afterEach(async () => {
  for (const log of logs.splice(0)) await log.close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * Writes `count` one-record batches and leaves the log as a crash would: not closed, and
 * without a recovery point, so every segment is scanned at the next open.
 */
async function crashedLog(count: number): Promise<{ dir: string; sizes: number[] }> {
  const dir = tempDir("recovery");
  dirs.push(dir);
  const log = await FileLog.open(dir, { ...options, logger: recordingLogger() });
  const sizes: number[] = [];
  for (let n = 0; n < count; n++) {
    const batch = batchOf([`value-${n}`]);
    sizes.push(batch.length);
    await log.append(batch);
  }
  await log.close();
  fs.rmSync(path.join(dir, recoveryPointFileName));
  return { dir, sizes };
}

async function reopen(dir: string) {
  const logger = recordingLogger();
  const log = await FileLog.open(dir, { ...options, logger });
  logs.push(log);
  const records = recordsOf((await log.read(0, 1 << 20)).bytes);
  return { log, logger, records };
}

function lastLogFile(dir: string): string {
  return path.join(dir, fs.readdirSync(dir).filter((name) => name.endsWith(".log")).sort().at(-1)!);
}

describe("recovery", () => {
  test("a log without damage recovers whole and silently", async () => {
    const { dir } = await crashedLog(5);
    const { log, logger, records } = await reopen(dir);
    expect(log.logEndOffset).toBe(5);
    expect(records.length).toBe(5);
    expect(logger.lines).toEqual([]);
  });

  test("a torn last batch is cut off and logged", async () => {
    const { dir, sizes } = await crashedLog(5);
    const file = lastLogFile(dir);
    const size = fs.statSync(file).size;
    fs.truncateSync(file, size - Math.floor(sizes[4] / 2));
    const { log, logger, records } = await reopen(dir);
    expect(log.logEndOffset).toBe(4);
    expect(records.map(([offset]) => offset)).toEqual([0, 1, 2, 3]);
    expect(fs.statSync(file).size).toBe(size - sizes[4]);
    expect(logger.lines.join("\n")).toMatch(/truncated \d+ bytes at position \d+ \(offset 4\).*torn batch/);
  });

  test("a flipped byte fails the CRC and ends the log at that batch", async () => {
    const { dir, sizes } = await crashedLog(5);
    const file = lastLogFile(dir);
    const bytes = fs.readFileSync(file);
    const thirdStart = sizes[0] + sizes[1];
    bytes[thirdStart + 70] ^= 0x01;
    fs.writeFileSync(file, bytes);
    const { log, logger, records } = await reopen(dir);
    expect(log.logEndOffset).toBe(2);
    expect(records.map(([, value]) => value)).toEqual(["value-0", "value-1"]);
    expect(logger.lines.join("\n")).toContain(`truncated ${sizes[2] + sizes[3] + sizes[4]} bytes at position ${thirdStart} (offset 2)`);
    expect(logger.lines.join("\n")).toContain("CRC mismatch");
  });

  test("garbage after the last batch is cut off", async () => {
    const { dir } = await crashedLog(3);
    const file = lastLogFile(dir);
    fs.appendFileSync(file, new Uint8Array(100).fill(0xab));
    const { log, logger, records } = await reopen(dir);
    expect([log.logEndOffset, records.length]).toEqual([3, 3]);
    expect(logger.lines.join("\n")).toContain("truncated 100 bytes");
    expect((await log.append(batchOf(["after"]))).baseOffset).toBe(3);
  });

  test("damage in an early segment deletes the segments after it", async () => {
    const { dir, sizes } = await crashedLog(30);
    const logFiles = fs.readdirSync(dir).filter((name) => name.endsWith(".log")).sort();
    expect(logFiles.length).toBeGreaterThanOrEqual(3);
    const second = path.join(dir, logFiles[1]);
    const bytes = fs.readFileSync(second);
    bytes[sizes[0] + 65] ^= 0xff;
    fs.writeFileSync(second, bytes);
    const { log, logger } = await reopen(dir);
    const secondBase = Number(logFiles[1].slice(0, 20));
    expect(log.logEndOffset).toBe(secondBase + 1);
    expect(fs.readdirSync(dir).filter((name) => name.endsWith(".log")).length).toBe(2);
    expect(logger.lines.join("\n")).toMatch(/CRC mismatch; deleted \d+ later segments/);
  });

  test("a deleted index of a sealed segment is rebuilt from the log", async () => {
    const { dir } = await crashedLog(30);
    const first = await FileLog.open(dir, options);
    await first.close();
    fs.rmSync(path.join(dir, "00000000000000000000.index"));
    const { log, logger, records } = await reopen(dir);
    expect(records[0]).toEqual([0, "value-0"]);
    expect(recordsOf((await log.read(3, 1)).bytes)).toEqual([[3, "value-3"]]);
    expect(fs.existsSync(path.join(dir, "00000000000000000000.index"))).toBe(true);
    expect(logger.lines.join("\n")).toContain("Rebuilding indexes");
  });

  test("an index with entries out of order is rebuilt", async () => {
    const { dir } = await crashedLog(30);
    const first = await FileLog.open(dir, options);
    await first.close();
    const index = path.join(dir, "00000000000000000000.index");
    const entries = fs.readFileSync(index);
    expect(entries.length).toBeGreaterThanOrEqual(16);
    entries.writeInt32BE(1_000_000, 0);
    fs.writeFileSync(index, entries);
    const { log, logger } = await reopen(dir);
    expect(recordsOf((await log.read(4, 1)).bytes)).toEqual([[4, "value-4"]]);
    expect(logger.lines.join("\n")).toContain("out of order or past the log");
  });

  test("a deleted index of the active segment is rebuilt by a scan", async () => {
    const { dir } = await crashedLog(3);
    const first = await FileLog.open(dir, options);
    await first.close();
    fs.rmSync(path.join(dir, "00000000000000000000.timeindex"));
    const { log } = await reopen(dir);
    expect(log.maxTimestamp()).toEqual({ offset: 0, timestamp: 1000 });
    expect(fs.existsSync(path.join(dir, "00000000000000000000.timeindex"))).toBe(true);
  });
});
