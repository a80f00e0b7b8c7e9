import { afterEach, describe, expect, test } from "bun:test";
import { consumerOffsetsTopic } from "../../../src/engine/groups/group-log.ts";
import { handleOffsetCommit } from "../../../src/engine/handlers/offset-commit.ts";
import { handleOffsetFetch } from "../../../src/engine/handlers/offset-fetch.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import { buildRecordBatch, decodeRecordBatches } from "../../../src/records/record-batch.ts";
import { type GroupFixture, groupFixture } from "./group-fixture.ts";
import { eventually } from "../../support/wait.ts";

let fixture: GroupFixture;
afterEach(() => fixture?.coordinator.close());

const simpleCommit = { memberId: "", groupInstanceId: null, generationId: -1 };

describe("GroupCoordinator offsets", () => {
  test("committed offsets are written to __consumer_offsets and replayed by a new coordinator", async () => {
    fixture = await groupFixture();
    await fixture.topics.create("orders", 2);
    const commit = (offset: number) => fixture.coordinator.commitOffsets("g", simpleCommit, [{ topic: "orders", partition: 1, offset, leaderEpoch: -1, metadata: "m" }]);
    expect(await commit(5)).toBe(ErrorCode.NONE);
    expect(await commit(9)).toBe(ErrorCode.NONE);
    expect(fixture.topics.get(consumerOffsetsTopic)!.partitions[0].log.logEndOffset).toBe(2);
    const reopened = await fixture.reopen();
    expect(reopened.offsets.get("g", "orders", 1)).toMatchObject({ offset: 9, metadata: "m" });
    expect(reopened.get("g")?.state).toBe("Empty");
    reopened.close();
  });

  test("OffsetCommit answers UNKNOWN_TOPIC_OR_PARTITION per partition and commits the rest", async () => {
    fixture = await groupFixture();
    await fixture.topics.create("known", 1);
    const response = await handleOffsetCommit(
      {
        groupId: "g",
        generationIdOrMemberEpoch: -1,
        memberId: "",
        topics: [
          { name: "known", partitions: [{ partitionIndex: 0, committedOffset: 3, committedMetadata: null }, { partitionIndex: 4, committedOffset: 1, committedMetadata: null }] },
          { name: "missing", partitions: [{ partitionIndex: 0, committedOffset: 1, committedMetadata: null }] },
        ],
      },
      fixture.ctx(8),
    );
    expect(response!.topics.map((topic) => topic.partitions.map((partition) => partition.errorCode))).toEqual([
      [ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    const fetched = await handleOffsetFetch({ groups: [{ groupId: "g", topics: null }], requireStable: false }, fixture.ctx(8));
    expect(fetched!.groups![0].topics).toEqual([{ name: "known", partitions: [{ partitionIndex: 0, committedOffset: 3, committedLeaderEpoch: -1, metadata: null, errorCode: 0 }] }]);
  });

  test("a commit with a generation for a group that does not exist is ILLEGAL_GENERATION", async () => {
    fixture = await groupFixture();
    await fixture.topics.create("t", 1);
    expect(await fixture.coordinator.commitOffsets("nope", { memberId: "m", groupInstanceId: null, generationId: 3 }, [{ topic: "t", partition: 0, offset: 1, leaderEpoch: -1, metadata: null }])).toBe(ErrorCode.ILLEGAL_GENERATION);
  });

  test("offsets of an empty group expire after the retention, with tombstones that survive a restart", async () => {
    fixture = await groupFixture({ offsetsRetentionMs: 60_000 });
    await fixture.topics.create("t", 1);
    await fixture.coordinator.commitOffsets("g", simpleCommit, [{ topic: "t", partition: 0, offset: 7, leaderEpoch: -1, metadata: null }]);
    await fixture.scheduler.advance(59_000);
    expect(fixture.coordinator.offsets.get("g", "t", 0)?.offset).toBe(7);
    await fixture.scheduler.advance(2_000);
    // Expiry finishes after its timer has fired (it writes tombstones to the group log).
    await eventually(() => fixture.coordinator.offsets.get("g", "t", 0) === undefined, "the expired offsets to go", { waitMs: 5000, pollMs: 1 });
    expect(fixture.coordinator.get("g")).toBeUndefined();
    const reopened = await fixture.reopen();
    expect(reopened.offsets.get("g", "t", 0)).toBeUndefined();
    expect(reopened.get("g")).toBeUndefined();
    reopened.close();
  });

  test("DeleteGroups refuses a group with members and deletes an empty one with its offsets", async () => {
    fixture = await groupFixture();
    await fixture.topics.create("t", 1);
    await fixture.coordinator.commitOffsets("g", simpleCommit, [{ topic: "t", partition: 0, offset: 1, leaderEpoch: -1, metadata: null }]);
    expect(await fixture.coordinator.deleteGroup("absent")).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
    expect(await fixture.coordinator.deleteGroup("g")).toBe(ErrorCode.NONE);
    expect(fixture.coordinator.offsets.has("g")).toBe(false);
    const reopened = await fixture.reopen();
    expect(reopened.offsets.has("g")).toBe(false);
    reopened.close();
  });
});

describe("GroupCoordinator upgrade from the JSON records of older versions", () => {
  const json = (value: unknown) => JSON.stringify(value);

  test("JSON records are read, written again in Kafka's formats, and dropped; nothing is lost", async () => {
    fixture = await groupFixture();
    const partition = fixture.topics.get(consumerOffsetsTopic)!.partitions[0];
    const legacyGroup = {
      kind: "classic", protocolType: "consumer", protocolName: null, generation: 4, leader: null, emptySinceMs: 1_000, members: [],
    };
    await partition.append(buildRecordBatch({
      records: [
        { key: json({ type: "offset", group: "billing", topic: "orders", partition: 0 }), value: json({ offset: 5, leaderEpoch: -1, metadata: "a", commitTimestampMs: 100 }) },
        { key: json({ type: "offset", group: "billing", topic: "orders", partition: 1 }), value: json({ offset: 7, leaderEpoch: 2, metadata: null, commitTimestampMs: 100 }) },
        { key: json({ type: "offset", group: "gone", topic: "orders", partition: 0 }), value: json({ offset: 1, leaderEpoch: -1, metadata: null, commitTimestampMs: 100 }) },
        { key: json({ type: "offset", group: "gone", topic: "orders", partition: 0 }), value: null },
        { key: json({ type: "group", group: "billing" }), value: json(legacyGroup) },
      ],
    }));
    fixture.coordinator.close();
    const migrated = await fixture.reopen();
    expect(migrated.offsets.list("billing")).toEqual([
      { topic: "orders", partition: 0, offset: 5, leaderEpoch: -1, metadata: "a", commitTimestampMs: 100 },
      { topic: "orders", partition: 1, offset: 7, leaderEpoch: 2, metadata: "", commitTimestampMs: 100 },
    ]);
    expect(migrated.offsets.list("gone")).toEqual([]);
    expect(migrated.get("billing")).toMatchObject({ generationId: 4, emptySinceMs: 1_000 });
    migrated.close();

    // Only Kafka-format records are left to read: every key starts with a version's zero byte.
    const log = partition.log;
    const keys = decodeRecordBatches((await log.read(log.logStartOffset, 1 << 20)).bytes).flatMap((batch) => batch.records.map((record) => record.key!));
    expect(log.logStartOffset).toBe(5);
    expect(keys.length).toBe(3);
    expect(keys.every((key) => key[0] === 0)).toBe(true);

    // A second start finds nothing to migrate and the same state.
    const again = await fixture.reopen();
    expect(again.offsets.list("billing").map((entry) => entry.offset)).toEqual([5, 7]);
    expect(log.logStartOffset).toBe(5);
    fixture.coordinator = again;
  });
});

describe("GroupCoordinator offsets in transactions", () => {
  const producer = { producerId: 42, producerEpoch: 3 };
  const offset = (partition: number, value: number) => ({ topic: "orders", partition, offset: value, leaderEpoch: -1, metadata: null });

  test("TxnOffsetCommit offsets count once the commit marker is written, never after an abort, and across a restart", async () => {
    fixture = await groupFixture();
    await fixture.topics.create("orders", 2);
    const coordinator = fixture.coordinator;
    expect(await coordinator.commitTransactionalOffsets("g", producer, simpleCommit, [offset(0, 10)])).toBe(ErrorCode.NONE);
    expect(coordinator.offsets.get("g", "orders", 0)).toBeUndefined();
    expect(coordinator.hasPendingOffset("g", "orders", 0)).toBe(true);
    await coordinator.completeTransaction({ ...producer, commit: true, coordinatorEpoch: 0 });
    expect(coordinator.offsets.get("g", "orders", 0)).toMatchObject({ offset: 10 });
    expect(coordinator.hasPendingOffset("g", "orders", 0)).toBe(false);

    await coordinator.commitTransactionalOffsets("g", producer, simpleCommit, [offset(0, 20)]);
    await coordinator.completeTransaction({ ...producer, commit: false, coordinatorEpoch: 0 });
    expect(coordinator.offsets.get("g", "orders", 0)).toMatchObject({ offset: 10 });

    // One left open when the broker stops: pending after the restart, applied by its marker then.
    await coordinator.commitTransactionalOffsets("g", producer, simpleCommit, [offset(1, 30)]);
    coordinator.close();
    const reopened = await fixture.reopen();
    expect(reopened.offsets.get("g", "orders", 0)).toMatchObject({ offset: 10 });
    expect(reopened.offsets.get("g", "orders", 1)).toBeUndefined();
    expect(reopened.hasPendingOffset("g", "orders", 1)).toBe(true);
    await reopened.completeTransaction({ ...producer, commit: true, coordinatorEpoch: 0 });
    expect(reopened.offsets.get("g", "orders", 1)).toMatchObject({ offset: 30 });
    fixture.coordinator = reopened;
  });
});

describe("OffsetFetch with require_stable", () => {
  test("a partition whose offset waits in an open transaction is UNSTABLE_OFFSET_COMMIT until the transaction ends", async () => {
    fixture = await groupFixture();
    await fixture.topics.create("orders", 1);
    const producer = { producerId: 7, producerEpoch: 0 };
    await fixture.coordinator.commitTransactionalOffsets("g", producer, simpleCommit, [{ topic: "orders", partition: 0, offset: 4, leaderEpoch: -1, metadata: null }]);
    const request = (requireStable: boolean) => ({ groups: [{ groupId: "g", topics: [{ name: "orders", partitionIndexes: [0] }] }], requireStable });
    const errorOf = async (requireStable: boolean) => (await handleOffsetFetch(request(requireStable), fixture.ctx(8)))!.groups![0].topics[0].partitions[0];
    expect(await errorOf(true)).toMatchObject({ errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT });
    expect(await errorOf(false)).toMatchObject({ errorCode: ErrorCode.NONE, committedOffset: -1 });
    await fixture.coordinator.completeTransaction({ ...producer, commit: true, coordinatorEpoch: 0 });
    expect(await errorOf(true)).toMatchObject({ errorCode: ErrorCode.NONE, committedOffset: 4 });
  });
});
