import { afterEach, describe, expect, test } from "bun:test";
import { handleAddPartitionsToTxn } from "../../../src/engine/handlers/add-partitions-to-txn.ts";
import { handleDescribeTransactions } from "../../../src/engine/handlers/describe-transactions.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import { engineFixture } from "../fixtures.ts";
import { type TransactionFixture, transactionFixture } from "./transaction-handler-fixture.ts";

let fixture: TransactionFixture | undefined;
afterEach(() => {
  fixture?.close();
  fixture = undefined;
});

const absent = (transactionalId: string, errorCode: number) => ({
  errorCode,
  transactionalId,
  transactionState: "",
  transactionTimeoutMs: 0,
  transactionStartTimeMs: -1,
  producerId: -1,
  producerEpoch: -1,
  topics: [],
});

describe("DescribeTransactions", () => {
  test("an open transaction: state, timeout, start time, producer and its partitions (sorted); an idle one: Empty", async () => {
    fixture = await transactionFixture();
    const producer = await fixture.init("open", 45_000);
    const idle = await fixture.init("idle");
    await fixture.scheduler.advance(1_234);
    const startMs = fixture.scheduler.now();
    await handleAddPartitionsToTxn(
      { v3AndBelowTransactionalId: "open", v3AndBelowProducerId: producer.producerId, v3AndBelowProducerEpoch: producer.producerEpoch, v3AndBelowTopics: [{ name: "out", partitions: [1, 0] }] },
      fixture.ctx(3),
    );
    const response = await handleDescribeTransactions({ transactionalIds: ["open", "idle"] }, fixture.ctx(0));
    expect(response).toEqual({
      throttleTimeMs: 0,
      transactionStates: [
        { errorCode: ErrorCode.NONE, transactionalId: "open", transactionState: "Ongoing", transactionTimeoutMs: 45_000, transactionStartTimeMs: startMs, producerId: producer.producerId, producerEpoch: producer.producerEpoch, topics: [{ topic: "out", partitions: [0, 1] }] },
        expect.objectContaining({ errorCode: ErrorCode.NONE, transactionalId: "idle", transactionState: "Empty", producerId: idle.producerId, topics: [] }),
      ],
    });
  });

  test("an unknown transactional id is TRANSACTIONAL_ID_NOT_FOUND, answered on its own", async () => {
    fixture = await transactionFixture();
    await fixture.init("known");
    const response = await handleDescribeTransactions({ transactionalIds: ["unknown", "known"] }, fixture.ctx(0));
    expect(response!.transactionStates[0]).toEqual(absent("unknown", ErrorCode.TRANSACTIONAL_ID_NOT_FOUND));
    expect(response!.transactionStates[1].errorCode).toBe(ErrorCode.NONE);
  });

  test("without a transaction coordinator every id is COORDINATOR_NOT_AVAILABLE", async () => {
    const engine = await engineFixture();
    expect((await handleDescribeTransactions({ transactionalIds: ["a", "b"] }, engine.ctx(0)))!.transactionStates).toEqual([
      absent("a", ErrorCode.COORDINATOR_NOT_AVAILABLE),
      absent("b", ErrorCode.COORDINATOR_NOT_AVAILABLE),
    ]);
  });
});
