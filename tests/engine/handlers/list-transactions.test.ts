import { afterEach, describe, expect, test } from "bun:test";
import { handleAddPartitionsToTxn } from "../../../src/engine/handlers/add-partitions-to-txn.ts";
import { handleEndTxn } from "../../../src/engine/handlers/end-txn.ts";
import { handleListTransactions } from "../../../src/engine/handlers/list-transactions.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import { engineFixture } from "../fixtures.ts";
import { type TransactionFixture, transactionFixture } from "./transaction-handler-fixture.ts";

let fixture: TransactionFixture | undefined;
afterEach(() => {
  fixture?.close();
  fixture = undefined;
});

type Producer = { producerId: number; producerEpoch: number };

async function open(transactionalId: string): Promise<Producer> {
  const producer = await fixture!.init(transactionalId);
  await handleAddPartitionsToTxn(
    { v3AndBelowTransactionalId: transactionalId, v3AndBelowProducerId: producer.producerId, v3AndBelowProducerEpoch: producer.producerEpoch, v3AndBelowTopics: [{ name: "out", partitions: [0] }] },
    fixture!.ctx(3),
  );
  return producer;
}

/** "early" opened at t0, "late" opened 10 s later, "done" committed, "idle" never opened one. */
async function withTransactions(): Promise<Record<string, Producer>> {
  fixture = await transactionFixture();
  const early = await open("early");
  await fixture.scheduler.advance(10_000);
  const late = await open("late");
  const done = await open("done");
  await handleEndTxn({ transactionalId: "done", ...done, committed: true }, fixture.ctx(3));
  const idle = await fixture.init("idle");
  await fixture.scheduler.advance(5_000);
  return { early, late, done, idle };
}

const ids = (response: Awaited<ReturnType<typeof handleListTransactions>>) => response!.transactionStates.map((state) => state.transactionalId).sort();

describe("ListTransactions", () => {
  test("every transactional id with its producer and state", async () => {
    const producers = await withTransactions();
    const response = await handleListTransactions({ stateFilters: [], producerIdFilters: [] }, fixture!.ctx(0));
    expect(response!.errorCode).toBe(ErrorCode.NONE);
    expect(response!.unknownStateFilters).toEqual([]);
    expect([...response!.transactionStates].sort((a, b) => (a.transactionalId < b.transactionalId ? -1 : 1))).toEqual([
      { transactionalId: "done", producerId: producers.done.producerId, transactionState: "CompleteCommit" },
      { transactionalId: "early", producerId: producers.early.producerId, transactionState: "Ongoing" },
      { transactionalId: "idle", producerId: producers.idle.producerId, transactionState: "Empty" },
      { transactionalId: "late", producerId: producers.late.producerId, transactionState: "Ongoing" },
    ]);
  });

  test("filters by state (unknown state names are reported back) and by producer id", async () => {
    const producers = await withTransactions();
    const byState = await handleListTransactions({ stateFilters: ["Ongoing", "Sleeping"], producerIdFilters: [] }, fixture!.ctx(0));
    expect(ids(byState)).toEqual(["early", "late"]);
    expect(byState!.unknownStateFilters).toEqual(["Sleeping"]);
    expect(ids(await handleListTransactions({ stateFilters: [], producerIdFilters: [producers.idle.producerId, producers.done.producerId] }, fixture!.ctx(0)))).toEqual(["done", "idle"]);
  });

  test("v1: the duration filter keeps the Ongoing transactions open for longer than it", async () => {
    await withTransactions();
    // early has been open 15 s, late 5 s.
    expect(ids(await handleListTransactions({ stateFilters: [], producerIdFilters: [], durationFilter: 10_000 }, fixture!.ctx(1)))).toEqual(["early"]);
    expect(ids(await handleListTransactions({ stateFilters: [], producerIdFilters: [], durationFilter: 1_000 }, fixture!.ctx(1)))).toEqual(["early", "late"]);
    expect(ids(await handleListTransactions({ stateFilters: [], producerIdFilters: [], durationFilter: -1 }, fixture!.ctx(1)))).toEqual(["done", "early", "idle", "late"]);
  });

  test("without a transaction coordinator: COORDINATOR_NOT_AVAILABLE", async () => {
    const engine = await engineFixture();
    expect(await handleListTransactions({ stateFilters: [], producerIdFilters: [] }, engine.ctx(1))).toEqual({
      throttleTimeMs: 0,
      errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
      unknownStateFilters: [],
      transactionStates: [],
    });
  });
});
