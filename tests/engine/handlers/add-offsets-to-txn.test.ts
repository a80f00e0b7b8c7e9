import { afterEach, describe, expect, test } from "bun:test";
import { handleAddOffsetsToTxn } from "../../../src/engine/handlers/add-offsets-to-txn.ts";
import { consumerOffsetsTopic } from "../../../src/engine/groups/group-log.ts";
import { TransactionStatus } from "../../../src/engine/transactions/transaction-log.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import { engineFixture } from "../fixtures.ts";
import { type TransactionFixture, transactionFixture } from "./transaction-handler-fixture.ts";

let fixture: TransactionFixture | undefined;
afterEach(() => {
  fixture?.close();
  fixture = undefined;
});

const request = (producer: { producerId: number; producerEpoch: number }, groupId = "g", transactionalId = "tx") => ({ transactionalId, groupId, ...producer });

describe("AddOffsetsToTxn", () => {
  test("adds the group's __consumer_offsets partition to the open transaction", async () => {
    fixture = await transactionFixture();
    const producer = await fixture.init("tx");
    expect(await handleAddOffsetsToTxn(request(producer), fixture.ctx(3))).toEqual({ throttleTimeMs: 0, errorCode: ErrorCode.NONE });
    const state = fixture.transactions.state("tx")!;
    expect(state.status).toBe(TransactionStatus.ongoing);
    expect([...state.partitions.get(consumerOffsetsTopic)!]).toEqual([0]);
    // TxnOffsetCommit is now allowed.
    expect(fixture.transactions.verifyOffsets("tx", producer)).toBeNull();
  });

  test("a fenced epoch is PRODUCER_FENCED from v2 and INVALID_PRODUCER_EPOCH before", async () => {
    fixture = await transactionFixture();
    const old = await fixture.init("tx");
    await fixture.init("tx");
    expect((await handleAddOffsetsToTxn(request(old), fixture.ctx(2)))!.errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    expect((await handleAddOffsetsToTxn(request(old), fixture.ctx(1)))!.errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect((await handleAddOffsetsToTxn(request(old, "g", "unknown-tx"), fixture.ctx(3)))!.errorCode).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  });

  test("an empty group id is INVALID_GROUP_ID and the transaction is left as it was", async () => {
    fixture = await transactionFixture();
    const producer = await fixture.init("tx");
    expect((await handleAddOffsetsToTxn(request(producer, ""), fixture.ctx(3)))!.errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    expect(fixture.transactions.state("tx")!.status).toBe(TransactionStatus.empty);
  });

  test("without a transaction or a group coordinator: COORDINATOR_NOT_AVAILABLE", async () => {
    fixture = await transactionFixture();
    const producer = await fixture.init("tx");
    expect((await handleAddOffsetsToTxn(request(producer), fixture.ctx(3, { groups: undefined })))!.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect((await handleAddOffsetsToTxn(request(producer), fixture.ctx(3, { transactions: undefined })))!.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect(fixture.transactions.state("tx")!.status).toBe(TransactionStatus.empty);
    const engine = await engineFixture();
    expect(await handleAddOffsetsToTxn(request(producer), engine.ctx(3))).toEqual({ throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE });
  });
});
