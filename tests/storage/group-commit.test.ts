import { afterEach, describe, expect, test } from "bun:test";
import fs from "node:fs";
import { FileLog } from "../../src/storage/file-log.ts";
import { FlushScheduler } from "../../src/storage/group-commit.ts";
import { LogFailedError } from "../../src/storage/partition-log.ts";
import { batchOf, recordingLogger, tempDir } from "./batches.ts";
import { eventually, nextTurn } from "../support/wait.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function newDir(): string {
  const dir = tempDir("group-commit");
  dirs.push(dir);
  return dir;
}

describe("FlushScheduler", () => {
  test("50 concurrent appends to two logs cost far fewer than 50 fsync rounds", async () => {
    // The first round's fsync finishes once every append has been written, so they all pile up behind it.
    let logs: FileLog[] = [];
    const allWritten = () => logs.length === 2 && logs.every((log) => log.logEndOffset === 25);
    const flushScheduler = new FlushScheduler({
      fsync: async (fd) => {
        await eventually(allWritten, "all 50 appends written", { waitMs: 5000, pollMs: 1 });
        fs.fsyncSync(fd);
      },
    });
    logs = [
      await FileLog.open(newDir(), { flushScheduler, logger: recordingLogger() }),
      await FileLog.open(newDir(), { flushScheduler, logger: recordingLogger() }),
    ];
    const roundsBefore = flushScheduler.roundCount;
    const results = await Promise.all(Array.from({ length: 50 }, (_, n) => logs[n % 2].append(batchOf([`v${n}`]))));
    expect(results.map((result) => result.baseOffset).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 25 }, (_, n) => [n, n]).flat(),
    );
    expect(flushScheduler.roundCount - roundsBefore).toBeLessThanOrEqual(2);
    expect(logs.map((log) => log.highWatermark)).toEqual([25, 25]);
    for (const log of logs) await log.close();
  });

  test("a request made during a round waits for the next round", async () => {
    const started: number[] = [];
    const finishers: Array<() => void> = [];
    const scheduler = new FlushScheduler({
      fsync: (fd) => {
        started.push(fd);
        return new Promise<void>((resolve) => finishers.push(resolve));
      },
    });
    const first = scheduler.sync(7);
    await eventually(() => started.length === 1, "the first round's fsync", { waitMs: 5000, pollMs: 1 });
    expect(started).toEqual([7]);
    let secondDone = false;
    const second = scheduler.sync(7).then(() => (secondDone = true));
    const third = scheduler.sync(8);
    await nextTurn();
    expect(started).toEqual([7]);
    finishers.shift()!();
    await first;
    await eventually(() => started.length === 3, "the second round's fsyncs", { waitMs: 5000, pollMs: 1 });
    expect([started, secondDone, scheduler.roundCount]).toEqual([[7, 7, 8], false, 2]);
    finishers.splice(0).forEach((finish) => finish());
    await Promise.all([second, third]);
    expect(scheduler.fsyncCount).toBe(3);
  });

  test("a failed fsync rejects its appends and fails the log for further writes", async () => {
    const flushScheduler = new FlushScheduler({
      fsync: async () => {
        throw new Error("EIO: i/o error");
      },
    });
    const logger = recordingLogger();
    const log = await FileLog.open(newDir(), { flushScheduler, logger }).catch((error) => error);
    // Opening a fresh directory fsyncs nothing through the scheduler, so the log opens.
    expect(log).toBeInstanceOf(FileLog);
    await expect(log.append(batchOf(["a"]))).rejects.toBeInstanceOf(LogFailedError);
    await expect(log.append(batchOf(["b"]))).rejects.toThrow(/failed during fsync/);
    expect(logger.lines.join("\n")).toContain("EIO");
    expect(log.highWatermark).toBe(0);
    await log.close();
  });
});

describe("FlushScheduler observer", () => {
  test("each round reports how many writes it makes durable, each fsync its time on the injected clock", async () => {
    let now = 0;
    const fsyncs: number[] = [];
    const rounds: number[] = [];
    const scheduler = new FlushScheduler({
      fsync: async () => {
        now += 3;
      },
      now: () => now,
      observer: { fsynced: (seconds) => fsyncs.push(seconds), round: (waiters) => rounds.push(waiters) },
    });
    await Promise.all([scheduler.sync(7), scheduler.sync(7), scheduler.sync(8)]);
    await scheduler.sync(7);
    expect(rounds).toEqual([3, 1]);
    // The first round's two fsyncs overlap: the first one ends after the second one started.
    expect(fsyncs).toEqual([0.006, 0.003, 0.003]);
  });
});
