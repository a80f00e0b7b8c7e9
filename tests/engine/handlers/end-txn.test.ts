import { afterEach, describe, expect, test } from "bun:test";
import { handleAddPartitionsToTxn } from "../../../src/engine/handlers/add-partitions-to-txn.ts";
import { handleEndTxn } from "../../../src/engine/handlers/end-txn.ts";
import { TransactionStatus } from "../../../src/engine/transactions/transaction-log.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import { decodeRecordBatches } from "../../../src/records/record-batch.ts";
import { engineFixture, recordingLogger } from "../fixtures.ts";
import { type TransactionFixture, transactionFixture } from "./transaction-handler-fixture.ts";

let fixture: TransactionFixture | undefined;
afterEach(() => {
  fixture?.close();
  fixture = undefined;
});

type Producer = { producerId: number; producerEpoch: number };
const end = (producer: Producer, committed: boolean, transactionalId = "tx") => ({ transactionalId, ...producer, committed });

async function ongoing(partitions: number[]): Promise<Producer> {
  const producer = await fixture!.init("tx");
  const added = await handleAddPartitionsToTxn(
    { v3AndBelowTransactionalId: "tx", v3AndBelowProducerId: producer.producerId, v3AndBelowProducerEpoch: producer.producerEpoch, v3AndBelowTopics: [{ name: "out", partitions }] },
    fixture!.ctx(3),
  );
  expect(added!.resultsByTopicV3AndBelow![0].resultsByPartition.every((partition) => partition.partitionErrorCode === ErrorCode.NONE)).toBe(true);
  return producer;
}

/** The producer id of each control batch (transaction marker) in out-`partition`. */
async function markersIn(partition: number): Promise<number[]> {
  const log = fixture!.topics.get("out")!.partitions[partition].log;
  const batches = decodeRecordBatches((await log.read(0, 1 << 20)).bytes);
  return batches.filter((batch) => batch.isControl).map((batch) => batch.header.producerId);
}

describe("EndTxn", () => {
  test("commit writes a marker into every partition of the transaction and completes it", async () => {
    fixture = await transactionFixture();
    const producer = await ongoing([0, 1]);
    expect(await handleEndTxn(end(producer, true), fixture.ctx(3))).toEqual({ throttleTimeMs: 0, errorCode: ErrorCode.NONE });
    expect(fixture.transactions.state("tx")!.status).toBe(TransactionStatus.completeCommit);
    expect(await markersIn(0)).toEqual([producer.producerId]);
    expect(await markersIn(1)).toEqual([producer.producerId]);
    // A retried commit is answered NONE and writes nothing more.
    expect((await handleEndTxn(end(producer, true), fixture.ctx(3)))!.errorCode).toBe(ErrorCode.NONE);
    expect(await markersIn(0)).toEqual([producer.producerId]);
  });

  test("abort completes the transaction as aborted", async () => {
    fixture = await transactionFixture();
    const producer = await ongoing([1]);
    expect((await handleEndTxn(end(producer, false), fixture.ctx(3)))!.errorCode).toBe(ErrorCode.NONE);
    expect(fixture.transactions.state("tx")!.status).toBe(TransactionStatus.completeAbort);
    expect(await markersIn(1)).toEqual([producer.producerId]);
    expect(await markersIn(0)).toEqual([]);
  });

  test("ending what is not open is INVALID_TXN_STATE, and the reason is logged at debug", async () => {
    fixture = await transactionFixture();
    const producer = await ongoing([0]);
    await handleEndTxn(end(producer, true), fixture.ctx(3));
    const logger = recordingLogger();
    expect((await handleEndTxn(end(producer, false), fixture.ctx(3, { logger })))!.errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    expect(logger.lines).toEqual(["debug EndTxn refused"]);
  });

  test("a fenced epoch is PRODUCER_FENCED from v2 and INVALID_PRODUCER_EPOCH before; another producer id is INVALID_PRODUCER_ID_MAPPING", async () => {
    fixture = await transactionFixture();
    const old = await ongoing([0]);
    // InitProducerId again aborts the open transaction and bumps the epoch.
    const current = await fixture.init("tx");
    expect(current.producerEpoch).toBeGreaterThan(old.producerEpoch);
    expect((await handleEndTxn(end(old, true), fixture.ctx(2)))!.errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    expect((await handleEndTxn(end(old, true), fixture.ctx(1)))!.errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect((await handleEndTxn(end(current, true, "other-tx"), fixture.ctx(3)))!.errorCode).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  });

  test("without a transaction coordinator: COORDINATOR_NOT_AVAILABLE", async () => {
    const engine = await engineFixture();
    expect(await handleEndTxn(end({ producerId: 1, producerEpoch: 0 }, true), engine.ctx(3))).toEqual({ throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE });
  });
});
