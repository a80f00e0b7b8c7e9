import { afterEach, describe, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ProducerIdAllocator } from "../../../src/engine/producer-ids.ts";
import { TransactionCoordinator, type TransactionalOffsets } from "../../../src/engine/transactions/transaction-coordinator.ts";
import { TransactionStatus } from "../../../src/engine/transactions/transaction-log.ts";
import { silentLogger } from "../../../src/logger.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import { buildRecordBatch } from "../../../src/records/record-batch.ts";
import { type EngineFixture, engineFixture } from "../fixtures.ts";
import { ManualScheduler } from "../groups/manual-scheduler.ts";

let dir: string;
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Setup {
  fixture: EngineFixture;
  scheduler: ManualScheduler;
  coordinator: TransactionCoordinator;
  reopen(offsets?: TransactionalOffsets | null): Promise<TransactionCoordinator>;
}

async function setup(offsets: TransactionalOffsets | null = null): Promise<Setup> {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "chronik-txn-coordinator-"));
  const fixture = await engineFixture();
  await fixture.topics.create("out", 2);
  const scheduler = new ManualScheduler(1_000_000);
  const producerIds = ProducerIdAllocator.open(path.join(dir, "producer-id-block"), silentLogger);
  const open = async (connected: TransactionalOffsets | null) => {
    const coordinator = await TransactionCoordinator.open(fixture.topics, { producerIds, scheduler, logger: silentLogger });
    await coordinator.start(connected);
    return coordinator;
  };
  return { fixture, scheduler, coordinator: await open(offsets), reopen: (connected = offsets) => open(connected) };
}

async function init(coordinator: TransactionCoordinator, transactionalId = "tx", timeoutMs = 60_000) {
  const result = await coordinator.initProducerId(transactionalId, timeoutMs, { producerId: -1, producerEpoch: -1 });
  if (result.errorCode !== ErrorCode.NONE) throw new Error(`InitProducerId failed with ${result.errorCode}`);
  return (result as { value: { producerId: number; producerEpoch: number } }).value;
}

/** Writes a transactional batch of `producer` into out-`partition`, as Produce would after AddPartitionsToTxn. */
async function produce(fixture: EngineFixture, producer: { producerId: number; producerEpoch: number }, partition: number, baseSequence: number, values: string[]) {
  const batch = buildRecordBatch({ records: values.map((value) => ({ value })), ...producer, baseSequence, transactional: true });
  await fixture.topics.get("out")!.partitions[partition].append(batch);
}

describe("TransactionCoordinator", () => {
  test("InitProducerId gives an id at epoch 0, the same id at the next epoch after, and the older epoch is fenced", async () => {
    const { coordinator } = await setup();
    const first = await init(coordinator);
    expect(first.producerEpoch).toBe(0);
    const second = await init(coordinator);
    expect(second).toEqual({ producerId: first.producerId, producerEpoch: 1 });
    const fenced = await coordinator.addPartitions("tx", first, [{ name: "out", partitions: [0] }]);
    expect(fenced).toMatchObject({ errorCode: ErrorCode.PRODUCER_FENCED });
    const unknownProducer = await coordinator.addPartitions("tx", { producerId: 999, producerEpoch: 1 }, [{ name: "out", partitions: [0] }]);
    expect(unknownProducer).toMatchObject({ errorCode: ErrorCode.INVALID_PRODUCER_ID_MAPPING });
    const timeout = await coordinator.initProducerId("tx", 16 * 60 * 1000, { producerId: -1, producerEpoch: -1 });
    expect(timeout.errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
  });

  test("an unknown partition fails AddPartitionsToTxn, the others are not attempted", async () => {
    const { coordinator } = await setup();
    const producer = await init(coordinator);
    const result = await coordinator.addPartitions("tx", producer, [{ name: "out", partitions: [0, 7] }, { name: "missing", partitions: [0] }]);
    expect(result).toEqual([
      { topic: "out", partition: 0, errorCode: ErrorCode.OPERATION_NOT_ATTEMPTED },
      { topic: "out", partition: 7, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION },
      { topic: "missing", partition: 0, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION },
    ]);
    expect(coordinator.state("tx")?.status).toBe(TransactionStatus.empty);
  });

  test("commit writes a commit marker into every partition of the transaction; a retried end is NONE, the other end INVALID_TXN_STATE", async () => {
    const { coordinator, fixture } = await setup();
    const producer = await init(coordinator);
    expect(await coordinator.addPartitions("tx", producer, [{ name: "out", partitions: [0, 1] }])).toEqual([
      { topic: "out", partition: 0, errorCode: ErrorCode.NONE },
      { topic: "out", partition: 1, errorCode: ErrorCode.NONE },
    ]);
    expect(coordinator.verifyProduce("tx", producer, "out", 0)).toBeNull();
    await produce(fixture, producer, 0, 0, ["a", "b"]);
    const partition = fixture.topics.get("out")!.partitions[0];
    expect(partition.lastStableOffset).toBe(0);
    expect(await coordinator.endTransaction("tx", producer, true)).toEqual({ errorCode: ErrorCode.NONE });
    expect(partition.lastStableOffset).toBe(3);
    expect(fixture.topics.get("out")!.partitions[1].log.logEndOffset).toBe(1);
    expect(coordinator.state("tx")?.status).toBe(TransactionStatus.completeCommit);
    expect(await coordinator.endTransaction("tx", producer, true)).toEqual({ errorCode: ErrorCode.NONE });
    expect(await coordinator.endTransaction("tx", producer, false)).toMatchObject({ errorCode: ErrorCode.INVALID_TXN_STATE });
    expect(coordinator.verifyProduce("tx", producer, "out", 0)).toMatchObject({ errorCode: ErrorCode.INVALID_TXN_STATE });
  });

  test("abort leaves an aborted transaction for read_committed; a new instance aborts what the old one left open and fences it", async () => {
    const { coordinator, fixture } = await setup();
    const old = await init(coordinator);
    await coordinator.addPartitions("tx", old, [{ name: "out", partitions: [0] }]);
    await produce(fixture, old, 0, 0, ["a"]);
    expect(await coordinator.endTransaction("tx", old, false)).toEqual({ errorCode: ErrorCode.NONE });
    const partition = fixture.topics.get("out")!.partitions[0];
    expect(partition.abortedTransactions(0, 10)).toMatchObject([{ producerId: old.producerId, firstOffset: 0, lastOffset: 1 }]);

    await coordinator.addPartitions("tx", old, [{ name: "out", partitions: [0] }]);
    await produce(fixture, old, 0, 1, ["b"]);
    const next = await init(coordinator);
    expect(next).toEqual({ producerId: old.producerId, producerEpoch: 1 });
    expect(partition.abortedTransactions(0, 10)).toMatchObject([{ firstOffset: 0 }, { firstOffset: 2, lastOffset: 3 }]);
    expect(partition.lastStableOffset).toBe(4);
    expect(await coordinator.endTransaction("tx", old, true)).toMatchObject({ errorCode: ErrorCode.PRODUCER_FENCED });
  });

  test("a transaction past its timeout is aborted and its producer fenced", async () => {
    const { coordinator, fixture, scheduler } = await setup();
    const producer = await init(coordinator, "tx", 20_000);
    await coordinator.addPartitions("tx", producer, [{ name: "out", partitions: [1] }]);
    await produce(fixture, producer, 1, 0, ["late"]);
    await scheduler.advance(15_000);
    expect(coordinator.state("tx")?.status).toBe(TransactionStatus.ongoing);
    // The check every 10 s finds it past 20 s at the 30 s one; waiting for that check's work is waiting for the abort.
    await scheduler.advance(15_000);
    await coordinator.abortTimedOut();
    expect(coordinator.state("tx")).toMatchObject({ status: TransactionStatus.completeAbort, producerEpoch: 1 });
    expect(fixture.topics.get("out")!.partitions[1].abortedTransactions(0, 10)).toHaveLength(1);
    expect(await coordinator.endTransaction("tx", producer, true)).toMatchObject({ errorCode: ErrorCode.PRODUCER_FENCED });
  });

  test("a restart finds the state in __transaction_state and completes a transaction left prepared", async () => {
    const { coordinator, fixture, reopen } = await setup();
    const producer = await init(coordinator);
    await coordinator.addPartitions("tx", producer, [{ name: "out", partitions: [0, 1] }]);
    await produce(fixture, producer, 0, 0, ["a"]);
    // The marker of partition 1 cannot be written: the transaction stays prepared.
    const partition1 = fixture.topics.get("out")!.partitions[1];
    const writeMarker = partition1.writeMarker.bind(partition1);
    partition1.writeMarker = () => Promise.reject(new Error("disk gone"));
    expect(await coordinator.endTransaction("tx", producer, true)).toMatchObject({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE });
    expect(coordinator.state("tx")?.status).toBe(TransactionStatus.prepareCommit);
    coordinator.close();
    partition1.writeMarker = writeMarker;

    const restarted = await reopen();
    expect(restarted.state("tx")).toMatchObject({ status: TransactionStatus.completeCommit, producerId: producer.producerId });
    expect(fixture.topics.get("out")!.partitions[0].lastStableOffset).toBe(fixture.topics.get("out")!.partitions[0].log.highWatermark);
    expect(partition1.log.logEndOffset).toBe(1);
    expect(await restarted.initProducerId("tx", 60_000, { producerId: -1, producerEpoch: -1 })).toMatchObject({ value: { producerEpoch: 1 } });
    restarted.close();
  });

  test("offsets in a transaction go to the group side with the marker", async () => {
    const completed: Array<{ producerId: number; commit: boolean }> = [];
    const { coordinator } = await setup({ completeTransaction: async (marker) => void completed.push({ producerId: marker.producerId, commit: marker.commit }) });
    const producer = await init(coordinator);
    expect(coordinator.verifyOffsets("tx", producer)).toMatchObject({ errorCode: ErrorCode.INVALID_TXN_STATE });
    expect(await coordinator.addOffsets("tx", producer)).toBe(ErrorCode.NONE);
    expect(coordinator.verifyOffsets("tx", producer)).toBeNull();
    await coordinator.endTransaction("tx", producer, true);
    expect(completed).toEqual([{ producerId: producer.producerId, commit: true }]);
  });
});

describe("TransactionCoordinator id expiry", () => {
  test("an id idle for transactional.id.expiration.ms is forgotten, also after a restart; one with an open transaction is kept", async () => {
    const { coordinator, fixture, scheduler, reopen } = await setup();
    // The periodic check stops: this test calls it by hand, at the times it chooses.
    coordinator.close();
    const idle = await init(coordinator, "idle");
    const busy = await init(coordinator, "busy", 60_000);
    await coordinator.addPartitions("busy", busy, [{ name: "out", partitions: [0] }]);
    await produce(fixture, busy, 0, 0, ["open"]);
    await scheduler.advance(6 * 24 * 60 * 60 * 1000);
    expect(await coordinator.expireIds()).toBe(0);
    await scheduler.advance(2 * 24 * 60 * 60 * 1000);
    expect(await coordinator.expireIds()).toBe(1);
    expect(coordinator.state("idle")).toBeUndefined();
    expect(coordinator.state("busy")?.status).toBe(TransactionStatus.ongoing);
    const restarted = await reopen();
    restarted.close();
    expect(restarted.state("idle")).toBeUndefined();
    expect(restarted.state("busy")).toBeDefined();
    const again = await init(restarted, "idle");
    expect(again.producerId).not.toBe(idle.producerId);
  });
});
