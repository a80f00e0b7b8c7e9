// `chronik inspect` on real segments written by a broker: kafka-dump-log style lines, --records,
// --payload, --format json, and --verify on a clean copy, a flipped byte, a truncated tail and
// a wrong index entry. The live folder is inspected while the broker runs and is left untouched.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "../../src/logger.ts";
import { buildRecordBatch } from "../../src/records/record-batch.ts";
import { buildMarkerBatch } from "../../src/records/transaction-marker.ts";
import { FileLog } from "../../src/storage/file-log.ts";
import { type Broker, chronikCommand, run, runOk, startBroker } from "./harness.ts";

const commandTimeoutMs = 60_000;
const recordCount = 3000;

let broker: Broker;
let scratch: string;
let liveFolder: string;

const inspect = (args: string[]) => run([...chronikCommand(), "inspect", ...args], { timeoutMs: commandTimeoutMs });

/** A fresh copy of the partition folder, to damage. */
async function copyOfPartition(name: string): Promise<string> {
  const copy = join(scratch, name);
  await cp(liveFolder, copy, { recursive: true });
  return copy;
}

const firstLog = (folder: string) => join(folder, fs.readdirSync(folder).filter((name) => name.endsWith(".log")).sort()[0]);

beforeAll(async () => {
  broker = await startBroker({ args: ["--segment-bytes", "64KiB"] });
  scratch = await mkdtemp(join(tmpdir(), "chronik-inspect-"));
  const input = Array.from({ length: recordCount }, (_, i) => `key-${i % 10}\tvalue ${i} ${"x".repeat(i % 50)}`).join("\n");
  await runOk([...chronikCommand(), "produce", "dump", "-b", broker.bootstrap, "-p", "0", "-K", "\t", "-H", "source=test", "--linger-ms", "0", "--batch-bytes", "2KiB"], { stdin: input, timeoutMs: commandTimeoutMs });
  await runOk([...chronikCommand(), "produce", "dump", "-b", broker.bootstrap, "-p", "0", "-z", "zstd"], { stdin: "compressed 1\ncompressed 2\n", timeoutMs: commandTimeoutMs });
  liveFolder = join(broker.dataDir, "topics", "dump", "0");
}, 60_000);

afterAll(async () => {
  await broker?.cleanup();
  await rm(scratch, { recursive: true, force: true });
}, 30_000);

describe("chronik inspect", () => {
  test("one kafka-dump-log line per batch, covering every offset in order", async () => {
    const before = fs.readdirSync(liveFolder).map((name) => [name, fs.statSync(join(liveFolder, name)).size]);
    const result = await inspect([liveFolder]);
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.toString().trim().split("\n");
    expect(lines[0]).toMatch(/^Dumping .*00000000000000000000\.log$/);
    expect(lines[1]).toBe("Log starting offset: 0");
    const batches = lines.filter((line) => line.startsWith("baseOffset:"));
    expect(batches[0]).toMatch(
      /^baseOffset: 0 lastOffset: \d+ count: \d+ baseSequence: -?\d+ lastSequence: -?\d+ producerId: -?\d+ producerEpoch: -?\d+ partitionLeaderEpoch: -?\d+ isTransactional: false isControl: false position: 0 CreateTime: \d+ size: \d+ magic: 2 compresscodec: none crc: \d+ isvalid: true$/,
    );
    let next = 0;
    for (const line of batches) {
      const [, base, last] = /baseOffset: (\d+) lastOffset: (\d+)/.exec(line) as RegExpExecArray;
      expect(Number(base)).toBe(next);
      next = Number(last) + 1;
    }
    expect(next).toBe(recordCount + 2);
    expect(batches.at(-1)).toContain("compresscodec: zstd");
    expect(lines.filter((line) => line.startsWith("Dumping")).length).toBeGreaterThan(1);
    // Read-only: the live folder is as it was.
    expect(fs.readdirSync(liveFolder).map((name) => [name, fs.statSync(join(liveFolder, name)).size])).toEqual(before);
  }, commandTimeoutMs);

  test("--records and --payload print a | line per record; --format json one object per batch", async () => {
    const log = firstLog(liveFolder);
    const records = (await inspect([log, "--payload"])).stdout.toString().split("\n").filter((line) => line.startsWith("|"));
    expect(records[0]).toBe(`| offset: 0 CreateTime: ${/CreateTime: (\d+)/.exec(records[0])?.[1]} keySize: 5 valueSize: 8 sequence: -1 headerKeys: [source] key: key-0 payload: value 0 `);
    const json = (await inspect([log, "--records", "--format", "json"])).stdout.toString().trim().split("\n").map((line) => JSON.parse(line));
    expect(json[0]).toMatchObject({ baseOffset: 0, magic: 2, compresscodec: "none", isvalid: true, position: 0 });
    expect(json[0].records[0]).toMatchObject({ offset: 0, keySize: 5, valueSize: 8, headerKeys: ["source"] });
    expect(json[0].records[0].payload).toBeUndefined();
    expect(json.reduce((sum, batch) => sum + batch.count, 0)).toBe(records.length);
  }, commandTimeoutMs);

  test("--verify names a batch an idempotent producer wrote twice, and a gap in its sequences", async () => {
    const folder = join(scratch, "duplicated");
    const log = await FileLog.open(folder, { logger: silentLogger });
    const batch = (baseSequence: number) => buildRecordBatch({ records: [{ value: "a" }, { value: "b" }], producerId: 9, producerEpoch: 0, baseSequence });
    // Straight into the log, past the broker's checks: what a broker without them would store.
    for (const sequence of [0, 2, 2, 6]) await log.append(batch(sequence));
    await log.close();
    const result = await inspect(["--verify", folder]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("Producer 9 (epoch 0): the batch at offset 4 repeats sequences 2-3");
    expect(result.stderr).toContain("the batch at offset 6 starts at sequence 6, but the producer's previous batch (offset 4) ended at 3");
  }, commandTimeoutMs);

  test("a transaction marker prints as kafka-dump-log prints it, in text and JSON", async () => {
    const folder = join(scratch, "markers");
    const log = await FileLog.open(folder, { logger: silentLogger });
    await log.append(buildRecordBatch({ records: [{ value: "t" }], producerId: 3, producerEpoch: 1, baseSequence: 0, transactional: true }));
    await log.append(buildMarkerBatch({ producerId: 3, producerEpoch: 1, commit: true, coordinatorEpoch: 5 }, 1_000));
    await log.close();
    const text = (await inspect(["--records", folder])).stdout.toString();
    expect(text).toContain("isTransactional: true isControl: true");
    expect(text).toMatch(/\| offset: 1 .* endTxnMarker: COMMIT coordinatorEpoch: 5\n/);
    const json = (await inspect(["--records", "--format", "json", folder])).stdout.toString().trim().split("\n").map((line) => JSON.parse(line));
    expect(json[1].records[0]).toMatchObject({ offset: 1, endTxnMarker: "COMMIT", coordinatorEpoch: 5 });
    expect((await inspect(["--verify", folder])).exitCode).toBe(0);
  }, commandTimeoutMs);

  test("--verify passes a clean copy", async () => {
    const clean = await copyOfPartition("clean");
    const result = await inspect(["--verify", clean]);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
  }, commandTimeoutMs);

  test("--verify finds a flipped byte", async () => {
    const folder = await copyOfPartition("flipped");
    const log = firstLog(folder);
    const bytes = fs.readFileSync(log);
    bytes[200] ^= 0x01;
    fs.writeFileSync(log, bytes);
    const result = await inspect(["--verify", log]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/fails its CRC check/);
    expect(result.stdout.toString()).toContain("isvalid: false");
  }, commandTimeoutMs);

  test("--verify reports a truncated tail as trailing bytes", async () => {
    const folder = await copyOfPartition("truncated");
    const log = firstLog(folder);
    const size = fs.statSync(log).size;
    fs.truncateSync(log, size - 10);
    const result = await inspect(["--verify", log]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/trailing bytes at position \d+ are not a batch: a batch of \d+ bytes runs past the end of the file/);
    const plain = await inspect([log]);
    expect(plain.exitCode).toBe(0);
    expect(plain.stderr).toContain("trailing bytes");
  }, commandTimeoutMs);

  test("--verify finds an index entry that points to the wrong place", async () => {
    const folder = await copyOfPartition("bad-index");
    const index = firstLog(folder).replace(/\.log$/, ".index");
    const bytes = fs.readFileSync(index);
    expect(bytes.length).toBeGreaterThanOrEqual(16);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    view.setInt32(12, view.getInt32(12) + 1);
    fs.writeFileSync(index, bytes);
    const result = await inspect(["--verify", folder]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/index entry 1 \(offset \d+\) points to position \d+, where no batch starts/);
  }, commandTimeoutMs);

  test("a topic folder means all its partitions", async () => {
    const result = await inspect([join(broker.dataDir, "topics", "dump")]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.toString()).toContain(`Dumping ${join(liveFolder, "00000000000000000000.log")}`);
  }, commandTimeoutMs);

  test("a data folder, and its topics folder, mean every topic's partitions", async () => {
    await runOk([...chronikCommand(), "produce", "second", "-b", broker.bootstrap, "-p", "0"], { stdin: "a\nb\n", timeoutMs: commandTimeoutMs });
    for (const folder of [broker.dataDir, join(broker.dataDir, "topics")]) {
      const result = await inspect([folder]);
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stdout.toString()).toContain(`Dumping ${join(liveFolder, "00000000000000000000.log")}`);
      expect(result.stdout.toString()).toContain(`Dumping ${join(broker.dataDir, "topics", "second", "0", "00000000000000000000.log")}`);
    }
  }, commandTimeoutMs);

  test("bad paths are one line and a non-zero exit", async () => {
    const missing = await inspect([join(scratch, "nothing.log")]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toBe(`chronik inspect: Cannot inspect "${join(scratch, "nothing.log")}": no such file or folder\n`);
    const empty = await inspect([scratch]);
    expect(empty.stderr).toBe(`chronik inspect: Folder "${scratch}" holds no segment (.log) files\n`);
  }, commandTimeoutMs);
});
