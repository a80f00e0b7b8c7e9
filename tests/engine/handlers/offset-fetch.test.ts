import { afterEach, describe, expect, test } from "bun:test";
import { handleOffsetFetch } from "../../../src/engine/handlers/offset-fetch.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import { engineFixture } from "../fixtures.ts";
import { type GroupFixture, groupFixture } from "../groups/group-fixture.ts";

let fixture: GroupFixture | undefined;
afterEach(() => {
  fixture?.coordinator.close();
  fixture = undefined;
});

const simpleCommit = { memberId: "", groupInstanceId: null, generationId: -1 };

/** Group "billing" has orders/0 = 5 (epoch 2, metadata "m"), orders/1 = 7 and payments/0 = 11; group "audit" has orders/0 = 3. */
async function withOffsets(): Promise<GroupFixture> {
  fixture = await groupFixture();
  await fixture.topics.create("orders", 2);
  await fixture.topics.create("payments", 1);
  const commit = (groupId: string, topic: string, partition: number, offset: number, leaderEpoch = -1, metadata: string | null = null) =>
    fixture!.coordinator.commitOffsets(groupId, simpleCommit, [{ topic, partition, offset, leaderEpoch, metadata }]);
  await commit("billing", "orders", 0, 5, 2, "m");
  await commit("billing", "orders", 1, 7);
  await commit("billing", "payments", 0, 11);
  await commit("audit", "orders", 0, 3);
  return fixture;
}

const none = (partitionIndex: number) => ({ partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: "", errorCode: ErrorCode.NONE });

describe("OffsetFetch", () => {
  test("v8: several groups at once, each with all its offsets (topics null) or the partitions asked", async () => {
    const fixture = await withOffsets();
    const response = await handleOffsetFetch(
      {
        groups: [
          { groupId: "billing", topics: null },
          { groupId: "audit", topics: [{ name: "orders", partitionIndexes: [0, 1] }] },
          { groupId: "nobody", topics: [{ name: "orders", partitionIndexes: [0] }] },
        ],
        requireStable: false,
      },
      fixture.ctx(8),
    );
    expect(response).toEqual({
      throttleTimeMs: 0,
      groups: [
        {
          groupId: "billing",
          errorCode: ErrorCode.NONE,
          topics: [
            {
              name: "orders",
              partitions: [
                { partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: 2, metadata: "m", errorCode: ErrorCode.NONE },
                { partitionIndex: 1, committedOffset: 7, committedLeaderEpoch: -1, metadata: null, errorCode: ErrorCode.NONE },
              ],
            },
            { name: "payments", partitions: [{ partitionIndex: 0, committedOffset: 11, committedLeaderEpoch: -1, metadata: null, errorCode: ErrorCode.NONE }] },
          ],
        },
        // A partition without a committed offset answers -1 and no error.
        { groupId: "audit", errorCode: ErrorCode.NONE, topics: [{ name: "orders", partitions: [{ partitionIndex: 0, committedOffset: 3, committedLeaderEpoch: -1, metadata: null, errorCode: ErrorCode.NONE }, none(1)] }] },
        // So does a group that does not exist.
        { groupId: "nobody", errorCode: ErrorCode.NONE, topics: [{ name: "orders", partitions: [none(0)] }] },
      ],
    });
  });

  test("v2-7: one group at the top level with a top-level error code; topics null means all", async () => {
    const fixture = await withOffsets();
    const asked = await handleOffsetFetch({ groupId: "billing", topics: [{ name: "payments", partitionIndexes: [0] }] }, fixture.ctx(5));
    expect(asked).toEqual({ throttleTimeMs: 0, errorCode: ErrorCode.NONE, topics: [{ name: "payments", partitions: [{ partitionIndex: 0, committedOffset: 11, committedLeaderEpoch: -1, metadata: null, errorCode: ErrorCode.NONE }] }] });
    const all = await handleOffsetFetch({ groupId: "audit", topics: null }, fixture.ctx(2));
    expect(all!.topics!.map((topic) => [topic.name, topic.partitions.map((partition) => partition.committedOffset)])).toEqual([["orders", [3]]]);
    expect(all!.groups).toBeUndefined();
  });

  test("v7 require_stable: an offset pending in an open transaction is UNSTABLE_OFFSET_COMMIT until it commits", async () => {
    const fixture = await withOffsets();
    const producer = { producerId: 9, producerEpoch: 0 };
    await fixture.coordinator.commitTransactionalOffsets("billing", producer, simpleCommit, [{ topic: "orders", partition: 1, offset: 50, leaderEpoch: -1, metadata: null }]);
    const fetch = (requireStable: boolean) => handleOffsetFetch({ groupId: "billing", topics: [{ name: "orders", partitionIndexes: [0, 1] }], requireStable }, fixture.ctx(7));
    const stable = await fetch(true);
    expect(stable!.topics!.map((topic) => topic.partitions.map((partition) => [partition.partitionIndex, partition.committedOffset, partition.errorCode]))).toEqual([
      [
        [0, 5, ErrorCode.NONE],
        [1, 7, ErrorCode.UNSTABLE_OFFSET_COMMIT],
      ],
    ]);
    // Without require_stable the last committed offset is answered.
    expect((await fetch(false))!.topics![0].partitions[1]).toMatchObject({ committedOffset: 7, errorCode: ErrorCode.NONE });
    await fixture.coordinator.completeTransaction({ ...producer, commit: true, coordinatorEpoch: 0 });
    expect((await fetch(true))!.topics![0].partitions[1]).toMatchObject({ committedOffset: 50, errorCode: ErrorCode.NONE });
  });

  test("without a coordinator: COORDINATOR_NOT_AVAILABLE per group (v8), at the top and on every partition asked (v0-7)", async () => {
    const engine = await engineFixture();
    const v8 = await handleOffsetFetch({ groups: [{ groupId: "a", topics: null }, { groupId: "b", topics: [{ name: "orders", partitionIndexes: [0] }] }], requireStable: false }, engine.ctx(8));
    expect(v8!.groups).toEqual([
      { groupId: "a", errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, topics: [] },
      { groupId: "b", errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, topics: [] },
    ]);
    // v0 and v1 have no top-level error code: the partitions carry it.
    const v1 = await handleOffsetFetch({ groupId: "a", topics: [{ name: "orders", partitionIndexes: [0, 1] }] }, engine.ctx(1));
    expect(v1).toEqual({
      throttleTimeMs: 0,
      errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
      topics: [{ name: "orders", partitions: [0, 1].map((partitionIndex) => ({ partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: "", errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE })) }],
    });
  });

  test("an empty group id is INVALID_GROUP_ID, for that group only in v8", async () => {
    const fixture = await withOffsets();
    const v8 = await handleOffsetFetch({ groups: [{ groupId: "", topics: null }, { groupId: "audit", topics: null }], requireStable: false }, fixture.ctx(8));
    expect(v8!.groups!.map((group) => [group.groupId, group.errorCode, group.topics.length])).toEqual([
      ["", ErrorCode.INVALID_GROUP_ID, 0],
      ["audit", ErrorCode.NONE, 1],
    ]);
    const v3 = await handleOffsetFetch({ groupId: "", topics: [{ name: "orders", partitionIndexes: [0] }] }, fixture.ctx(3));
    expect(v3!.errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    expect(v3!.topics![0].partitions[0]).toMatchObject({ committedOffset: -1, errorCode: ErrorCode.INVALID_GROUP_ID });
  });
});
