import { afterEach, describe, expect, test } from "bun:test";
import { handleAddOffsetsToTxn } from "../../../src/engine/handlers/add-offsets-to-txn.ts";
import { handleEndTxn } from "../../../src/engine/handlers/end-txn.ts";
import { handleTxnOffsetCommit } from "../../../src/engine/handlers/txn-offset-commit.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import type { TxnOffsetCommitRequest, TxnOffsetCommitResponse } from "../../../src/protocol/messages/txn-offset-commit.ts";
import { recordingLogger } from "../fixtures.ts";
import { failGroupLogWrites } from "./group-handler-fixture.ts";
import { type TransactionFixture, transactionFixture } from "./transaction-handler-fixture.ts";

let fixture: TransactionFixture | undefined;
afterEach(() => {
  fixture?.close();
  fixture = undefined;
});

type Producer = { producerId: number; producerEpoch: number };
type Entry = { partition: number; offset?: number; metadata?: string | null };

function commit(producer: Producer, topics: Record<string, Entry[]>, groupId = "g"): TxnOffsetCommitRequest {
  return {
    transactionalId: "tx",
    groupId,
    ...producer,
    generationId: -1,
    memberId: "",
    groupInstanceId: null,
    topics: Object.entries(topics).map(([name, entries]) => ({
      name,
      partitions: entries.map((entry) => ({ partitionIndex: entry.partition, committedOffset: entry.offset ?? 10, committedLeaderEpoch: -1, committedMetadata: entry.metadata ?? null })),
    })),
  };
}

function codes(response: TxnOffsetCommitResponse | null): Array<[string, number, number]> {
  return response!.topics.flatMap((topic) => topic.partitions.map((partition): [string, number, number] => [topic.name, partition.partitionIndex, partition.errorCode]));
}

/** A producer of "tx" whose open transaction holds group "g"'s offsets (AddOffsetsToTxn done). */
async function withOffsetsAdded(): Promise<Producer> {
  fixture = await transactionFixture();
  const producer = await fixture.init("tx");
  expect((await handleAddOffsetsToTxn({ transactionalId: "tx", groupId: "g", ...producer }, fixture.ctx(3)))!.errorCode).toBe(ErrorCode.NONE);
  return producer;
}

describe("TxnOffsetCommit", () => {
  test("offsets are pending until the transaction commits, then they are the group's", async () => {
    const producer = await withOffsetsAdded();
    const response = await handleTxnOffsetCommit(commit(producer, { out: [{ partition: 0, offset: 5, metadata: "m" }, { partition: 1, offset: 6 }] }), fixture!.ctx(3));
    expect(codes(response)).toEqual([
      ["out", 0, ErrorCode.NONE],
      ["out", 1, ErrorCode.NONE],
    ]);
    const groups = fixture!.coordinator;
    expect(groups.offsets.get("g", "out", 0)).toBeUndefined();
    expect(groups.hasPendingOffset("g", "out", 0)).toBe(true);
    expect((await handleEndTxn({ transactionalId: "tx", ...producer, committed: true }, fixture!.ctx(3)))!.errorCode).toBe(ErrorCode.NONE);
    expect(groups.offsets.get("g", "out", 0)).toMatchObject({ offset: 5, metadata: "m" });
    expect(groups.offsets.get("g", "out", 1)?.offset).toBe(6);
    expect(groups.hasPendingOffset("g", "out", 0)).toBe(false);
  });

  test("aborted, the offsets never count", async () => {
    const producer = await withOffsetsAdded();
    await handleTxnOffsetCommit(commit(producer, { out: [{ partition: 0, offset: 5 }] }), fixture!.ctx(3));
    await handleEndTxn({ transactionalId: "tx", ...producer, committed: false }, fixture!.ctx(3));
    expect(fixture!.coordinator.offsets.get("g", "out", 0)).toBeUndefined();
    expect(fixture!.coordinator.hasPendingOffset("g", "out", 0)).toBe(false);
  });

  test("without AddOffsetsToTxn first: INVALID_TXN_STATE on every partition", async () => {
    fixture = await transactionFixture();
    const producer = await fixture.init("tx");
    expect(codes(await handleTxnOffsetCommit(commit(producer, { out: [{ partition: 0 }, { partition: 1 }] }), fixture.ctx(3)))).toEqual([
      ["out", 0, ErrorCode.INVALID_TXN_STATE],
      ["out", 1, ErrorCode.INVALID_TXN_STATE],
    ]);
    expect(fixture.coordinator.hasPendingOffset("g", "out", 0)).toBe(false);
  });

  test("a fenced epoch is PRODUCER_FENCED from v3 and INVALID_PRODUCER_EPOCH before", async () => {
    const old = await withOffsetsAdded();
    await fixture!.init("tx");
    expect(codes(await handleTxnOffsetCommit(commit(old, { out: [{ partition: 0 }] }), fixture!.ctx(3)))).toEqual([["out", 0, ErrorCode.PRODUCER_FENCED]]);
    expect(codes(await handleTxnOffsetCommit(commit(old, { out: [{ partition: 0 }] }), fixture!.ctx(2)))).toEqual([["out", 0, ErrorCode.INVALID_PRODUCER_EPOCH]]);
  });

  test("unknown partitions and metadata too large are answered per partition; the rest is committed in the transaction", async () => {
    const producer = await withOffsetsAdded();
    const metadataMax = fixture!.config.offsetMetadataBytesMax;
    const response = await handleTxnOffsetCommit(
      commit(producer, { out: [{ partition: 0 }, { partition: 2 }, { partition: 1, metadata: "x".repeat(metadataMax + 1) }], missing: [{ partition: 0 }] }),
      fixture!.ctx(3),
    );
    expect(codes(response)).toEqual([
      ["out", 0, ErrorCode.NONE],
      ["out", 2, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ["out", 1, ErrorCode.OFFSET_METADATA_TOO_LARGE],
      ["missing", 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    expect(fixture!.coordinator.hasPendingOffset("g", "out", 0)).toBe(true);
    expect(fixture!.coordinator.hasPendingOffset("g", "out", 1)).toBe(false);
  });

  test("an empty group id is INVALID_GROUP_ID; without a coordinator, COORDINATOR_NOT_AVAILABLE", async () => {
    const producer = await withOffsetsAdded();
    expect(codes(await handleTxnOffsetCommit(commit(producer, { out: [{ partition: 0 }] }, ""), fixture!.ctx(3)))).toEqual([["out", 0, ErrorCode.INVALID_GROUP_ID]]);
    expect(codes(await handleTxnOffsetCommit(commit(producer, { out: [{ partition: 0 }] }), fixture!.ctx(3, { groups: undefined })))).toEqual([["out", 0, ErrorCode.COORDINATOR_NOT_AVAILABLE]]);
    expect(codes(await handleTxnOffsetCommit(commit(producer, { out: [{ partition: 0 }] }), fixture!.ctx(3, { transactions: undefined })))).toEqual([["out", 0, ErrorCode.COORDINATOR_NOT_AVAILABLE]]);
  });

  test("when the offsets cannot be written: COORDINATOR_NOT_AVAILABLE, logged", async () => {
    const producer = await withOffsetsAdded();
    failGroupLogWrites(fixture!);
    const logger = recordingLogger();
    expect(codes(await handleTxnOffsetCommit(commit(producer, { out: [{ partition: 0 }] }), fixture!.ctx(3, { logger })))).toEqual([["out", 0, ErrorCode.COORDINATOR_NOT_AVAILABLE]]);
    expect(fixture!.coordinator.hasPendingOffset("g", "out", 0)).toBe(false);
    expect(logger.lines.some((line) => line.startsWith("error Cannot store transactional offsets"))).toBe(true);
  });
});
