import { afterEach, describe, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Partition, ProducerRefusedError } from "../../src/engine/partition.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { buildRecordBatch } from "../../src/records/record-batch.ts";
import { FileLog } from "../../src/storage/file-log.ts";
import { silentLogger } from "../../src/logger.ts";
import { MemoryLog } from "../../src/storage/memory-log.ts";
import { batchOf } from "./fixtures.ts";

describe("Partition", () => {
  test("appends through its log and wakes each waiter once", async () => {
    const partition = new Partition("orders", 0, new MemoryLog());
    const wakes: string[] = [];
    partition.onNextData(() => wakes.push("first"));
    partition.onNextData(() => wakes.push("second"));
    const appended = await partition.append(batchOf(["a", "b"]));
    expect(appended).toMatchObject({ baseOffset: 0, lastOffset: 1 });
    await Promise.resolve();
    expect(wakes.sort()).toEqual(["first", "second"]);
    await partition.append(batchOf(["c"]));
    await Promise.resolve();
    expect(wakes).toHaveLength(2);
  });

  test("a cancelled wait is not woken", async () => {
    const partition = new Partition("orders", 0, new MemoryLog());
    let woken = false;
    const cancel = partition.onNextData(() => (woken = true));
    cancel();
    await partition.append(batchOf(["a"]));
    await Promise.resolve();
    expect(woken).toBe(false);
  });

  test("waiters are not woken by a failed append", async () => {
    const log = new MemoryLog();
    const partition = new Partition("orders", 0, log);
    let woken = false;
    partition.onNextData(() => (woken = true));
    await log.close();
    await expect(partition.append(batchOf(["a"]))).rejects.toThrow("closed");
    await Promise.resolve();
    expect(woken).toBe(false);
  });

  test("waiters wake only once the append is durable", async () => {
    const log = new MemoryLog();
    const append = log.append.bind(log);
    let finish!: () => void;
    log.append = async (batches, options) => {
      await new Promise<void>((resolve) => (finish = resolve));
      return append(batches, options);
    };
    const partition = new Partition("orders", 0, log);
    let woken = false;
    partition.onNextData(() => (woken = true));
    const appended = partition.append(batchOf(["a"]));
    await Promise.resolve();
    expect(woken).toBe(false);
    finish();
    await appended;
    await Promise.resolve();
    expect(woken).toBe(true);
  });
});

/** A batch of `count` records from an idempotent producer. */
function produced(producerId: number, baseSequence: number, count: number, options: { epoch?: number; timestamp?: number } = {}): Uint8Array {
  const records = Array.from({ length: count }, (_, n) => ({ value: `p${producerId}-s${baseSequence + n}` }));
  return buildRecordBatch({ records, producerId, producerEpoch: options.epoch ?? 0, baseSequence, timestamp: options.timestamp ?? 1_000 });
}

async function refusal(appending: Promise<unknown>): Promise<number> {
  const error = await appending.then(() => null, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(ProducerRefusedError);
  return (error as ProducerRefusedError).errorCode;
}

describe("Partition producers", () => {
  test("a retried batch gets its first offsets and is not written again", async () => {
    const log = new MemoryLog();
    const partition = new Partition("orders", 0, log);
    await partition.append(produced(7, 0, 3));
    await partition.append(batchOf(["plain"]));
    await partition.append(produced(7, 3, 2));
    expect(await partition.append(produced(7, 0, 3))).toMatchObject({ baseOffset: 0, lastOffset: 2, logAppendTime: -1 });
    expect(await partition.append(produced(7, 3, 2))).toMatchObject({ baseOffset: 4, lastOffset: 5 });
    expect(log.logEndOffset).toBe(6);
  });

  test("a retry while the first write is not yet durable waits for it", async () => {
    const log = new MemoryLog();
    const append = log.append.bind(log);
    let finish!: () => void;
    log.append = (batches, options) => {
      const appending = append(batches, options);
      return new Promise((resolve) => (finish = () => resolve(appending)));
    };
    const partition = new Partition("orders", 0, log);
    const first = partition.append(produced(1, 0, 2));
    let retried = false;
    const retry = partition.append(produced(1, 0, 2)).then((result) => ((retried = true), result));
    await Promise.resolve();
    expect(retried).toBe(false);
    finish();
    expect(await first).toMatchObject({ baseOffset: 0 });
    expect(await retry).toMatchObject({ baseOffset: 0, lastOffset: 1 });
    expect(log.logEndOffset).toBe(2);
  });

  test("out-of-order sequences, older epochs and malformed producer fields are refused with Kafka's errors", async () => {
    const partition = new Partition("orders", 0, new MemoryLog());
    await partition.append(produced(3, 0, 2, { epoch: 1 }));
    expect(await refusal(partition.append(produced(3, 5, 1, { epoch: 1 })))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(await refusal(partition.append(produced(3, 2, 1, { epoch: 0 })))).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(await refusal(partition.append(produced(3, 4, 1, { epoch: 2 })))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(await refusal(partition.append(produced(3, -1, 1, { epoch: 1 })))).toBe(ErrorCode.INVALID_RECORD);
    const transactional = buildRecordBatch({ records: [{ value: "t" }], producerId: 4, producerEpoch: 0, baseSequence: 0, transactional: true });
    expect(await refusal(partition.append(transactional))).toBe(ErrorCode.INVALID_RECORD);
    // A new epoch starting at 0 is taken, and resets what the partition remembers.
    expect(await partition.append(produced(3, 0, 1, { epoch: 2 }))).toMatchObject({ baseOffset: 2 });
    expect(partition.log.logEndOffset).toBe(3);
  });

  test("a write that fails records nothing, so the retry is written", async () => {
    const log = new MemoryLog({ bytesMax: 1 });
    const partition = new Partition("orders", 0, log);
    await expect(partition.append(produced(9, 0, 1))).rejects.toThrow("limit");
    expect(partition.producers.entry(9)).toBeUndefined();
  });
});

describe("Partition producer state across restarts", () => {
  let dir: string;
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const open = async (options: { segmentBytes?: number; now?: () => number; producerIdExpirationMs?: number } = {}) => {
    const log = await FileLog.open(dir, { segmentBytes: options.segmentBytes ?? 1024 * 1024, logger: silentLogger });
    // The batches' timestamps are a few seconds after the epoch: the clock must be too, or they expire.
    return Partition.open("orders", 0, log, { now: options.now ?? (() => 10_000), producerIdExpirationMs: options.producerIdExpirationMs });
  };
  const snapshots = () => fs.readdirSync(dir).filter((name) => name.endsWith(".snapshot")).sort();

  test("without a close (a crash), the state is rebuilt from the log and retries are still recognised", async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "chronik-partition-"));
    const first = await open();
    for (let n = 0; n < 4; n++) await first.append(produced(5, n * 10, 10));
    // No close: as after SIGKILL, nothing but the log is on disk.
    expect(snapshots()).toEqual([]);
    const second = await open();
    expect(await second.append(produced(5, 30, 10))).toMatchObject({ baseOffset: 30, lastOffset: 39 });
    expect(await second.append(produced(5, 10, 10))).toMatchObject({ baseOffset: 10 });
    expect(await refusal(second.append(produced(5, 50, 1)))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(second.log.logEndOffset).toBe(40);
    await second.close();
  });

  test("segment rolls and close write Kafka-named snapshots; the newest two are kept; a torn one is skipped", async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "chronik-partition-"));
    const first = await open({ segmentBytes: 300 });
    for (let n = 0; n < 6; n++) await first.append(produced(11, n * 5, 5));
    await first.close();
    const names = snapshots();
    expect(names).toHaveLength(2);
    expect(names.at(-1)).toBe("00000000000000000030.snapshot");

    // The newest snapshot torn: the older one and the log after it still give the state.
    fs.truncateSync(path.join(dir, names.at(-1)!), 20);
    const second = await open({ segmentBytes: 300 });
    expect(snapshots()).toEqual([names[0]]);
    expect(await second.append(produced(11, 25, 5))).toMatchObject({ baseOffset: 25 });
    expect(await second.append(produced(11, 30, 5))).toMatchObject({ baseOffset: 30 });
    await second.close();
  });

  test("the state comes from a snapshot alone when the log after it is empty", async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "chronik-partition-"));
    const first = await open();
    await first.append(produced(21, 0, 4));
    await first.close();
    // Remove the batches: only the snapshot can still know producer 21.
    const reopened = await FileLog.open(dir, { logger: silentLogger });
    await reopened.advanceLogStartOffset(4);
    await reopened.close();
    const second = await open();
    expect(second.producers.entry(21)?.batches.at(-1)).toMatchObject({ firstSeq: 0, lastSeq: 3, firstOffset: 0, lastOffset: 3 });
    await second.close();
  });

  test("producers idle longer than producer.id.expiration.ms are dropped at open", async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "chronik-partition-"));
    const first = await open();
    await first.append(produced(31, 0, 1, { timestamp: 1_000 }));
    await first.append(produced(32, 0, 1, { timestamp: 50_000 }));
    await first.close();
    const second = await open({ now: () => 60_000, producerIdExpirationMs: 30_000 });
    expect(second.producers.entry(31)).toBeUndefined();
    expect(second.producers.entry(32)).toBeDefined();
    await second.close();
  });
});
