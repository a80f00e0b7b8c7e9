// A transaction coordinator wired to a group coordinator over in-memory logs, both on one manual
// clock, for the transaction handler tests (AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit,
// EndTxn, DescribeTransactions, ListTransactions, DescribeProducers).

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ProducerIdAllocator } from "../../../src/engine/producer-ids.ts";
import { TransactionCoordinator } from "../../../src/engine/transactions/transaction-coordinator.ts";
import { silentLogger } from "../../../src/logger.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import { type GroupFixture, groupFixture } from "../groups/group-fixture.ts";

export interface TransactionFixture extends GroupFixture {
  transactions: TransactionCoordinator;
  /** A producer of `transactionalId` at its next epoch (InitProducerId). */
  init(transactionalId: string, timeoutMs?: number): Promise<{ producerId: number; producerEpoch: number }>;
  /** Closes the coordinators and removes the producer id block's folder. */
  close(): void;
}

export async function transactionFixture(): Promise<TransactionFixture> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chronik-txn-handlers-"));
  const fixture = await groupFixture();
  await fixture.topics.create("out", 2);
  const producerIds = ProducerIdAllocator.open(path.join(dir, "producer-id-block"), silentLogger);
  const transactions = await TransactionCoordinator.open(fixture.topics, { producerIds, scheduler: fixture.scheduler, logger: silentLogger });
  await transactions.start(fixture.coordinator);
  const groupCtx = fixture.ctx;
  return {
    ...fixture,
    transactions,
    ctx: (apiVersion, overrides = {}) => groupCtx(apiVersion, { transactions, ...overrides }),
    async init(transactionalId, timeoutMs = 60_000) {
      const result = await transactions.initProducerId(transactionalId, timeoutMs, { producerId: -1, producerEpoch: -1 });
      if (result.errorCode !== ErrorCode.NONE) throw new Error(`InitProducerId failed with ${result.errorCode}`);
      return (result as { value: { producerId: number; producerEpoch: number } }).value;
    },
    close() {
      transactions.close();
      fixture.coordinator.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
