import { afterEach, describe, expect, test } from "bun:test";
import { handleJoinGroup } from "../../../src/engine/handlers/join-group.ts";
import { handleOffsetCommit } from "../../../src/engine/handlers/offset-commit.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import type { OffsetCommitRequest, OffsetCommitResponse } from "../../../src/protocol/messages/offset-commit.ts";
import { engineFixture, recordingLogger } from "../fixtures.ts";
import { type GroupFixture, groupFixture, testInitialDelayMs } from "../groups/group-fixture.ts";
import { failGroupLogWrites, joinRequest, stableGroup } from "./group-handler-fixture.ts";

let fixture: GroupFixture | undefined;
afterEach(() => {
  fixture?.coordinator.close();
  fixture = undefined;
});

type Entry = { partition: number; offset?: number; metadata?: string | null; leaderEpoch?: number };

function commit(groupId: string, topics: Record<string, Entry[]>, member: { memberId?: string; generationId?: number } = {}): OffsetCommitRequest {
  return {
    groupId,
    generationIdOrMemberEpoch: member.generationId ?? -1,
    memberId: member.memberId ?? "",
    groupInstanceId: null,
    topics: Object.entries(topics).map(([name, entries]) => ({
      name,
      partitions: entries.map((entry) => ({ partitionIndex: entry.partition, committedOffset: entry.offset ?? 10, committedLeaderEpoch: entry.leaderEpoch ?? -1, committedMetadata: entry.metadata ?? null })),
    })),
  };
}

function codes(response: OffsetCommitResponse | null): Array<[string, number, number]> {
  return response!.topics.flatMap((topic) => topic.partitions.map((partition): [string, number, number] => [topic.name, partition.partitionIndex, partition.errorCode]));
}

async function withTopics(config: Record<string, number> = {}): Promise<GroupFixture> {
  fixture = await groupFixture(config);
  await fixture.topics.create("orders", 2);
  await fixture.topics.create("payments", 1);
  return fixture;
}

describe("OffsetCommit", () => {
  test("a commit outside group management stores offset, leader epoch and metadata for an Empty group", async () => {
    const fixture = await withTopics();
    const response = await handleOffsetCommit(commit("g", { orders: [{ partition: 0, offset: 5, leaderEpoch: 3, metadata: "from host-1" }, { partition: 1, offset: 9 }] }), fixture.ctx(8));
    expect(codes(response)).toEqual([
      ["orders", 0, ErrorCode.NONE],
      ["orders", 1, ErrorCode.NONE],
    ]);
    expect(fixture.coordinator.offsets.get("g", "orders", 0)).toMatchObject({ offset: 5, leaderEpoch: 3, metadata: "from host-1" });
    expect(fixture.coordinator.offsets.get("g", "orders", 1)).toMatchObject({ offset: 9, leaderEpoch: -1, metadata: null });
    expect(fixture.coordinator.get("g")?.state).toBe("Empty");
    // Durable: a restarted coordinator reads them back.
    const reopened = await fixture.reopen();
    expect(reopened.offsets.get("g", "orders", 0)?.offset).toBe(5);
    reopened.close();
  });

  test("v0 requests carry no leader epoch and no generation: the offset is stored with epoch -1", async () => {
    const fixture = await withTopics();
    const response = await handleOffsetCommit(
      { groupId: "g", topics: [{ name: "orders", partitions: [{ partitionIndex: 0, committedOffset: 4, committedMetadata: "" }] }] },
      fixture.ctx(0),
    );
    expect(codes(response)).toEqual([["orders", 0, ErrorCode.NONE]]);
    expect(fixture.coordinator.offsets.get("g", "orders", 0)).toMatchObject({ offset: 4, leaderEpoch: -1, metadata: "" });
  });

  test("a member of a Stable group commits with its generation; a wrong generation or member is refused for every partition", async () => {
    const fixture = await withTopics();
    const { leader, generationId } = await stableGroup(fixture, "g");
    expect(codes(await handleOffsetCommit(commit("g", { orders: [{ partition: 0, offset: 1 }] }, { memberId: leader, generationId }), fixture.ctx(8)))).toEqual([["orders", 0, ErrorCode.NONE]]);
    const stale = await handleOffsetCommit(commit("g", { orders: [{ partition: 0, offset: 2 }], payments: [{ partition: 0 }] }, { memberId: leader, generationId: generationId + 1 }), fixture.ctx(8));
    expect(codes(stale)).toEqual([
      ["orders", 0, ErrorCode.ILLEGAL_GENERATION],
      ["payments", 0, ErrorCode.ILLEGAL_GENERATION],
    ]);
    const stranger = await handleOffsetCommit(commit("g", { orders: [{ partition: 0, offset: 3 }] }, { memberId: "stranger", generationId }), fixture.ctx(8));
    expect(codes(stranger)).toEqual([["orders", 0, ErrorCode.UNKNOWN_MEMBER_ID]]);
    expect(fixture.coordinator.offsets.get("g", "orders", 0)?.offset).toBe(1);
    expect(fixture.coordinator.offsets.get("g", "payments", 0)).toBeUndefined();
  });

  test("a commit while the group awaits its assignment (CompletingRebalance) is REBALANCE_IN_PROGRESS", async () => {
    const fixture = await withTopics();
    const joining = handleJoinGroup(joinRequest("g"), fixture.ctx(3));
    await fixture.scheduler.advance(2 * testInitialDelayMs);
    const joined = await joining;
    expect(fixture.coordinator.get("g")?.state).toBe("CompletingRebalance");
    const response = await handleOffsetCommit(commit("g", { orders: [{ partition: 0 }] }, { memberId: joined!.memberId, generationId: joined!.generationId }), fixture.ctx(8));
    expect(codes(response)).toEqual([["orders", 0, ErrorCode.REBALANCE_IN_PROGRESS]]);
  });

  test("unknown topics and partitions are UNKNOWN_TOPIC_OR_PARTITION; the rest of the request is committed", async () => {
    const fixture = await withTopics();
    const response = await handleOffsetCommit(commit("g", { orders: [{ partition: 1 }, { partition: 2 }, { partition: -1 }], missing: [{ partition: 0 }] }), fixture.ctx(8));
    expect(codes(response)).toEqual([
      ["orders", 1, ErrorCode.NONE],
      ["orders", 2, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ["orders", -1, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ["missing", 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    expect(fixture.coordinator.offsets.list("g").map(({ topic, partition }) => `${topic}/${partition}`)).toEqual(["orders/1"]);
  });

  test("metadata longer than offset.metadata.max.bytes (in UTF-8 bytes) is OFFSET_METADATA_TOO_LARGE", async () => {
    const fixture = await withTopics({ offsetMetadataBytesMax: 10 });
    // Ten bytes fit; six two-byte characters (twelve bytes) do not, though they are six characters.
    const response = await handleOffsetCommit(commit("g", { orders: [{ partition: 0, metadata: "0123456789" }, { partition: 1, metadata: "éééééé" }] }), fixture.ctx(8));
    expect(codes(response)).toEqual([
      ["orders", 0, ErrorCode.NONE],
      ["orders", 1, ErrorCode.OFFSET_METADATA_TOO_LARGE],
    ]);
    expect(fixture.coordinator.offsets.get("g", "orders", 1)).toBeUndefined();
  });

  test("without a coordinator: COORDINATOR_NOT_AVAILABLE on every partition", async () => {
    const engine = await engineFixture();
    await engine.topics.create("orders", 2);
    const response = await handleOffsetCommit(commit("g", { orders: [{ partition: 0 }, { partition: 1 }] }), engine.ctx(8));
    expect(codes(response)).toEqual([
      ["orders", 0, ErrorCode.COORDINATOR_NOT_AVAILABLE],
      ["orders", 1, ErrorCode.COORDINATOR_NOT_AVAILABLE],
    ]);
  });

  test("an empty group id is INVALID_GROUP_ID on every partition", async () => {
    const fixture = await withTopics();
    expect(codes(await handleOffsetCommit(commit("", { orders: [{ partition: 0 }], payments: [{ partition: 0 }] }), fixture.ctx(8)))).toEqual([
      ["orders", 0, ErrorCode.INVALID_GROUP_ID],
      ["payments", 0, ErrorCode.INVALID_GROUP_ID],
    ]);
    expect(fixture.coordinator.list()).toEqual([]);
  });

  test("when the offsets cannot be written: COORDINATOR_NOT_AVAILABLE, logged, and nothing is committed", async () => {
    const fixture = await withTopics();
    await handleOffsetCommit(commit("g", { orders: [{ partition: 0, offset: 1 }] }), fixture.ctx(8));
    failGroupLogWrites(fixture);
    const logger = recordingLogger();
    const response = await handleOffsetCommit(commit("g", { orders: [{ partition: 0, offset: 2 }, { partition: 5 }] }), fixture.ctx(8, { logger }));
    expect(codes(response)).toEqual([
      ["orders", 0, ErrorCode.COORDINATOR_NOT_AVAILABLE],
      // A partition's own error is kept.
      ["orders", 5, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    expect(fixture.coordinator.offsets.get("g", "orders", 0)?.offset).toBe(1);
    expect(logger.lines.some((line) => line.startsWith("error Cannot store committed offsets"))).toBe(true);
  });
});
