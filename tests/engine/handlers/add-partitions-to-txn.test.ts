import { afterEach, describe, expect, test } from "bun:test";
import { handleAddPartitionsToTxn } from "../../../src/engine/handlers/add-partitions-to-txn.ts";
import { TransactionStatus } from "../../../src/engine/transactions/transaction-log.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import type { AddPartitionsToTxnResponse } from "../../../src/protocol/messages/add-partitions-to-txn.ts";
import { engineFixture } from "../fixtures.ts";
import { type TransactionFixture, transactionFixture } from "./transaction-handler-fixture.ts";

let fixture: TransactionFixture | undefined;
afterEach(() => {
  fixture?.close();
  fixture = undefined;
});

function request(producer: { producerId: number; producerEpoch: number }, topics: Record<string, number[]>, transactionalId = "tx") {
  return {
    v3AndBelowTransactionalId: transactionalId,
    v3AndBelowProducerId: producer.producerId,
    v3AndBelowProducerEpoch: producer.producerEpoch,
    v3AndBelowTopics: Object.entries(topics).map(([name, partitions]) => ({ name, partitions })),
  };
}

function codes(response: AddPartitionsToTxnResponse | null): Array<[string, number, number]> {
  return response!.resultsByTopicV3AndBelow!.flatMap((topic) => topic.resultsByPartition.map((partition): [string, number, number] => [topic.name, partition.partitionIndex, partition.partitionErrorCode]));
}

describe("AddPartitionsToTxn", () => {
  test("adds the partitions to the producer's transaction, which is then Ongoing", async () => {
    fixture = await transactionFixture();
    const producer = await fixture.init("tx");
    const response = await handleAddPartitionsToTxn(request(producer, { out: [0, 1] }), fixture.ctx(3));
    expect(response!.throttleTimeMs).toBe(0);
    expect(codes(response)).toEqual([
      ["out", 0, ErrorCode.NONE],
      ["out", 1, ErrorCode.NONE],
    ]);
    const state = fixture.transactions.state("tx")!;
    expect(state.status).toBe(TransactionStatus.ongoing);
    expect([...state.partitions.get("out")!].sort()).toEqual([0, 1]);
  });

  test("an unknown partition is UNKNOWN_TOPIC_OR_PARTITION and the rest OPERATION_NOT_ATTEMPTED; nothing is added", async () => {
    fixture = await transactionFixture();
    const producer = await fixture.init("tx");
    expect(codes(await handleAddPartitionsToTxn(request(producer, { out: [0, 9], missing: [0] }), fixture.ctx(3)))).toEqual([
      ["out", 0, ErrorCode.OPERATION_NOT_ATTEMPTED],
      ["out", 9, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ["missing", 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    expect(fixture.transactions.state("tx")!.partitions.size).toBe(0);
  });

  test("a fenced epoch is PRODUCER_FENCED from v2 and INVALID_PRODUCER_EPOCH before, on every partition", async () => {
    fixture = await transactionFixture();
    const old = await fixture.init("tx");
    await fixture.init("tx");
    expect(codes(await handleAddPartitionsToTxn(request(old, { out: [0, 1] }), fixture.ctx(2)))).toEqual([
      ["out", 0, ErrorCode.PRODUCER_FENCED],
      ["out", 1, ErrorCode.PRODUCER_FENCED],
    ]);
    expect(codes(await handleAddPartitionsToTxn(request(old, { out: [0] }), fixture.ctx(1)))).toEqual([["out", 0, ErrorCode.INVALID_PRODUCER_EPOCH]]);
  });

  test("a producer id that is not the transactional id's is INVALID_PRODUCER_ID_MAPPING", async () => {
    fixture = await transactionFixture();
    const producer = await fixture.init("tx");
    expect(codes(await handleAddPartitionsToTxn(request({ ...producer, producerId: producer.producerId + 1 }, { out: [0] }), fixture.ctx(3)))).toEqual([["out", 0, ErrorCode.INVALID_PRODUCER_ID_MAPPING]]);
    expect(codes(await handleAddPartitionsToTxn(request(producer, { out: [0] }, "never-initialized"), fixture.ctx(3)))).toEqual([["out", 0, ErrorCode.INVALID_PRODUCER_ID_MAPPING]]);
  });

  test("without a transaction coordinator: COORDINATOR_NOT_AVAILABLE on every partition", async () => {
    const engine = await engineFixture();
    expect(codes(await handleAddPartitionsToTxn(request({ producerId: 1, producerEpoch: 0 }, { out: [0, 1] }), engine.ctx(3)))).toEqual([
      ["out", 0, ErrorCode.COORDINATOR_NOT_AVAILABLE],
      ["out", 1, ErrorCode.COORDINATOR_NOT_AVAILABLE],
    ]);
  });
});
