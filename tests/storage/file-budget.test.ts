import { afterEach, expect, test } from "bun:test";
import { eventually } from "../support/wait.ts";
import fs from "node:fs";
import { FileBudget } from "../../src/storage/file-budget.ts";
import { FileLog } from "../../src/storage/file-log.ts";
import { batchOf, recordingLogger, recordsOf, tempDir } from "./batches.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** Descriptors this process holds on segment files of the test's logs. */
function openFds(): number {
  let count = 0;
  for (const fd of fs.readdirSync("/proc/self/fd")) {
    try {
      if (/chronik-budget-.*\d{20}\.(log|index|timeindex)$/.test(fs.readlinkSync(`/proc/self/fd/${fd}`))) count++;
    } catch {
      // The fd closed between the listing and the readlink.
    }
  }
  return count;
}

/**
 * Open segment files once the background sealing of rolled segments has settled: a segment
 * being sealed keeps its files open until its fsyncs finish, then the budget closes them.
 */
async function settledFds(limit: number): Promise<number> {
  await eventually(() => openFds() <= limit, `at most ${limit} segment files open`, { waitMs: 5000 });
  return openFds();
}

test("the least recently used idle segments close first, busy ones stay open", () => {
  const budget = new FileBudget({ filesOpenMax: 9 });
  const released: string[] = [];
  const segment = (name: string, busy = false) => ({ release: () => (busy ? false : (released.push(name), true)) });
  const [a, b, c, d] = [segment("a"), segment("b", true), segment("c"), segment("d")];
  budget.touch(a);
  budget.touch(b);
  budget.touch(a);
  budget.touch(c);
  expect(released).toEqual([]);
  budget.touch(d);
  // b is least recently used but busy, so a (used before c) goes: only one must.
  expect(released).toEqual(["a"]);
  expect(budget.openCount).toBe(3);
});

test("many logs sharing one budget keep open files bounded and still read and append everywhere", async () => {
  const budget = new FileBudget({ filesOpenMax: 30 });
  const logs: FileLog[] = [];
  for (let n = 0; n < 40; n++) {
    const dir = tempDir("budget");
    dirs.push(dir);
    const log = await FileLog.open(dir, { fsync: "never", segmentBytes: 300, fileBudget: budget, logger: recordingLogger() });
    for (let m = 0; m < 6; m++) await log.append(batchOf([`log-${n}-value-${m}`]));
    logs.push(log);
  }
  expect(await settledFds(30)).toBeLessThanOrEqual(30);
  for (const [n, log] of logs.entries()) {
    expect(recordsOf((await log.read(0, 100)).bytes)[0]).toEqual([0, `log-${n}-value-0`]);
    expect((await log.append(batchOf(["more"]))).baseOffset).toBe(6);
  }
  expect(await settledFds(30)).toBeLessThanOrEqual(30);
  for (const log of logs) await log.close();
  expect(openFds()).toBe(0);
});
