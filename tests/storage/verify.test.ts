import { afterEach, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { buildRecordBatch } from "../../src/records/record-batch.ts";
import { FileLog } from "../../src/storage/file-log.ts";
import { verifyPartitionDir } from "../../src/storage/verify.ts";
import { batchOf, recordingLogger, tempDir } from "./batches.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function writtenLog(): Promise<string> {
  const dir = tempDir("verify");
  dirs.push(dir);
  const log = await FileLog.open(dir, { fsync: "never", segmentBytes: 1000, indexIntervalBytes: 100, logger: recordingLogger() });
  for (let n = 0; n < 40; n++) await log.append(batchOf([`value-${n}`, `other-${n}`], { timestamps: [1000 + n, 999 + n] }));
  await log.close();
  return dir;
}

const firstLog = (dir: string) => path.join(dir, "00000000000000000000.log");

test("a cleanly closed log has no problems", async () => {
  expect(verifyPartitionDir(await writtenLog())).toEqual([]);
});

test("a flipped byte inside a sealed segment is reported with its position", async () => {
  const dir = await writtenLog();
  const bytes = fs.readFileSync(firstLog(dir));
  bytes[200] ^= 0xff;
  fs.writeFileSync(firstLog(dir), bytes);
  const problems = verifyPartitionDir(dir);
  expect(problems.some((problem) => problem.includes("00000000000000000000.log") && problem.includes("damaged"))).toBe(true);
});

test("an offset index entry pointing between batches is reported", async () => {
  const dir = await writtenLog();
  const index = path.join(dir, "00000000000000000000.index");
  const bytes = fs.readFileSync(index);
  expect(bytes.length).toBeGreaterThanOrEqual(8);
  new DataView(bytes.buffer, bytes.byteOffset).setInt32(4, new DataView(bytes.buffer, bytes.byteOffset).getInt32(4) + 1);
  fs.writeFileSync(index, bytes);
  expect(verifyPartitionDir(dir).some((problem) => problem.includes("no batch with that base offset"))).toBe(true);
});

test("a missing segment in the middle breaks offset continuity", async () => {
  const dir = await writtenLog();
  const second = fs.readdirSync(dir).filter((name) => name.endsWith(".log")).sort()[1];
  fs.rmSync(path.join(dir, second));
  expect(verifyPartitionDir(dir).some((problem) => problem.includes("the previous one ends at"))).toBe(true);
});

test("a checkpoint past the log end is reported", async () => {
  const dir = await writtenLog();
  fs.writeFileSync(path.join(dir, "log-start-offset"), "1\n999\n");
  expect(verifyPartitionDir(dir)).toContain('Checkpoint "log-start-offset" is 999, past the log end 80');
});

test("an idempotent producer's batch written twice, across a segment boundary, is reported", async () => {
  const dir = tempDir("verify");
  dirs.push(dir);
  const log = await FileLog.open(dir, { fsync: "never", segmentBytes: 200, logger: recordingLogger() });
  const batch = (baseSequence: number) => buildRecordBatch({ records: [{ value: "x".repeat(60) }, { value: "y".repeat(60) }], producerId: 4, producerEpoch: 1, baseSequence });
  for (const sequence of [0, 2, 2]) await log.append(batch(sequence));
  await log.close();
  expect(fs.readdirSync(dir).filter((name) => name.endsWith(".log")).length).toBeGreaterThan(1);
  expect(verifyPartitionDir(dir)).toEqual([expect.stringContaining("Producer 4 (epoch 1): the batch at offset 4 repeats sequences 2-3")]);
});
