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

/** A transactional batch of `count` records. */
function transactional(producerId: number, baseSequence: number, count: number, epoch = 0): Uint8Array {
  const records = Array.from({ length: count }, (_, n) => ({ value: `t${producerId}-s${baseSequence + n}` }));
  return buildRecordBatch({ records, producerId, producerEpoch: epoch, baseSequence, transactional: true, timestamp: 1_000 });
}

const marker = (producerId: number, commit: boolean, producerEpoch = 0) => ({ producerId, producerEpoch, commit, coordinatorEpoch: 0 });

describe("Partition transactions", () => {
  test("an open transaction holds the last stable offset back until its marker; an abort is remembered for read_committed", async () => {
    const partition = new Partition("orders", 0, new MemoryLog());
    await partition.append(transactional(1, 0, 2));
    await partition.append(batchOf(["plain"]));
    expect(partition.lastStableOffset).toBe(0);
    // read_committed stops where the open transaction starts.
    expect((await partition.log.read(0, 1 << 20, partition.lastStableOffset)).bytes.length).toBe(0);
    await partition.writeMarker(marker(1, true), 2_000);
    expect(partition.lastStableOffset).toBe(4);
    await partition.append(transactional(1, 2, 2));
    await partition.append(transactional(2, 0, 1));
    expect(partition.lastStableOffset).toBe(4);
    await partition.writeMarker(marker(1, false), 2_000);
    expect(partition.lastStableOffset).toBe(6);
    await partition.writeMarker(marker(2, true), 2_000);
    expect(partition.lastStableOffset).toBe(partition.log.highWatermark);
    expect(partition.abortedTransactions(0, 100)).toEqual([{ producerId: 1, firstOffset: 4, lastOffset: 7, lastStableOffset: 6 }]);
    expect(partition.abortedTransactions(8, 100)).toEqual([]);
    expect(partition.abortedTransactions(0, 4)).toEqual([]);
  });

  test("a batch outside the producer's open transaction is INVALID_TXN_STATE; a marker of an older epoch INVALID_PRODUCER_EPOCH", async () => {
    const partition = new Partition("orders", 0, new MemoryLog());
    await partition.append(transactional(1, 0, 1, 2));
    expect(await refusal(partition.append(produced(1, 1, 1, { epoch: 2 })))).toBe(ErrorCode.INVALID_TXN_STATE);
    expect(await refusal(partition.writeMarker(marker(1, true, 1), 0))).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    // A marker of a newer epoch (the coordinator fenced the producer) ends the transaction.
    await partition.writeMarker(marker(1, false, 3), 0);
    expect(partition.abortedTransactions(0, 10)).toMatchObject([{ producerId: 1, firstOffset: 0, lastOffset: 1 }]);
    expect(await refusal(partition.append(transactional(1, 0, 1, 2)))).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
  });
});

describe("Partition transactions across restarts", () => {
  let dir: string;
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const open = async () => {
    const log = await FileLog.open(dir, { segmentBytes: 400, logger: silentLogger });
    return Partition.open("orders", 0, log, { now: () => 10_000 });
  };

  /** Three transactions of producer 1 (aborted, committed, aborted) across segments, and one of producer 2 left open. */
  async function writeTransactions(partition: Partition): Promise<void> {
    let sequence = 0;
    for (const commit of [false, true, false]) {
      await partition.append(transactional(1, sequence, 3));
      sequence += 3;
      await partition.writeMarker(marker(1, commit), 2_000);
    }
    await partition.append(transactional(2, 0, 2));
  }

  const expectedAborts = [
    { producerId: 1, firstOffset: 0, lastOffset: 3 },
    { producerId: 1, firstOffset: 8, lastOffset: 11 },
  ];

  test("after a crash the aborts and the open transaction come back from .txnindex files, snapshots and the log", async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "chronik-txn-"));
    const first = await open();
    await writeTransactions(first);
    expect(first.abortedTransactions(0, 100)).toMatchObject(expectedAborts);
    expect(first.lastStableOffset).toBe(12);
    // No close: as after SIGKILL. The segments rolled on the way wrote their .txnindex.
    const second = await open();
    expect(second.abortedTransactions(0, 100)).toMatchObject(expectedAborts);
    expect(second.lastStableOffset).toBe(12);
    await second.writeMarker(marker(2, false), 3_000);
    expect(second.lastStableOffset).toBe(second.log.highWatermark);
    await second.close();
    expect(fs.readdirSync(dir).some((name) => name.endsWith(".txnindex"))).toBe(true);
    const third = await open();
    expect(third.abortedTransactions(0, 100)).toMatchObject([...expectedAborts, { producerId: 2, firstOffset: 12, lastOffset: 14 }]);
    await third.close();
  });

  test("an unreadable .txnindex makes the open read the whole log, and the aborts are all found", async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "chronik-txn-"));
    const first = await open();
    await writeTransactions(first);
    await first.close();
    const indexes = fs.readdirSync(dir).filter((name) => name.endsWith(".txnindex"));
    expect(indexes.length).toBeGreaterThan(0);
    for (const name of indexes) fs.writeFileSync(path.join(dir, name), new Uint8Array(5));
    const second = await open();
    expect(second.abortedTransactions(0, 100)).toMatchObject(expectedAborts);
    expect(second.lastStableOffset).toBe(12);
    await second.close();
  });
});
