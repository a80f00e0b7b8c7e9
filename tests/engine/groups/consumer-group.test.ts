import { afterEach, describe, expect, test } from "bun:test";
import { ConsumerGroup, type ConsumerHeartbeat } from "../../../src/engine/groups/consumer-group.ts";
import { consumerOffsetsTopic } from "../../../src/engine/groups/group-log.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import { type GroupFixture, groupFixture } from "./group-fixture.ts";

let fixture: GroupFixture;
afterEach(() => fixture?.coordinator.close());

function heartbeat(overrides: Partial<ConsumerHeartbeat>): ConsumerHeartbeat {
  return {
    memberId: "",
    memberEpoch: 0,
    instanceId: null,
    rackId: null,
    rebalanceTimeoutMs: 10_000,
    subscribedTopicNames: null,
    subscribedTopicRegex: null,
    serverAssignor: null,
    ownedPartitions: null,
    clientId: "test",
    clientHost: "/127.0.0.1",
    clientChoosesMemberId: true,
    ...overrides,
  };
}

function consumerGroup(coordinator: GroupFixture["coordinator"], groupId: string): ConsumerGroup {
  const group = coordinator.consumerGroup(groupId, true);
  if (!(group instanceof ConsumerGroup)) throw new Error(`Group "${groupId}" is not a consumer group`);
  return group;
}

function groupLogEnd(): number {
  return fixture.topics.get(consumerOffsetsTopic)!.partitions[0].log.logEndOffset;
}

describe("ConsumerGroup (KIP-848)", () => {
  test("two members split a topic; an unknown member gets UNKNOWN_MEMBER_ID and a stale epoch FENCED_MEMBER_EPOCH", async () => {
    fixture = await groupFixture();
    const topic = await fixture.topics.create("t", 4);
    const group = consumerGroup(fixture.coordinator, "g");
    const a = await group.heartbeat(heartbeat({ memberId: "a", subscribedTopicNames: ["t"] }));
    expect(a.errorCode).toBe(ErrorCode.NONE);
    expect(a.assignment).toEqual([{ topicId: topic.meta.topicId, partitions: [0, 1, 2, 3] }]);
    const b = await group.heartbeat(heartbeat({ memberId: "b", subscribedTopicNames: ["t"] }));
    // b waits for a to release its share.
    expect(b.assignment).toEqual([]);
    const aRevoked = await group.heartbeat(heartbeat({ memberId: "a", memberEpoch: a.memberEpoch }));
    expect(aRevoked.assignment![0].partitions.length).toBe(2);
    const released = await group.heartbeat(heartbeat({ memberId: "a", memberEpoch: aRevoked.memberEpoch, ownedPartitions: aRevoked.assignment }));
    expect(released.memberEpoch).toBe(group.groupEpoch);
    const bAssigned = await group.heartbeat(heartbeat({ memberId: "b", memberEpoch: b.memberEpoch }));
    expect(bAssigned.assignment![0].partitions.length).toBe(2);
    expect(group.state).toBe("Stable");
    expect((await group.heartbeat(heartbeat({ memberId: "nobody", memberEpoch: 3 }))).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await group.heartbeat(heartbeat({ memberId: "b", memberEpoch: bAssigned.memberEpoch + 5 }))).errorCode).toBe(ErrorCode.FENCED_MEMBER_EPOCH);
  });

  test("membership, epochs and assignments survive a restart; steady heartbeats write nothing", async () => {
    fixture = await groupFixture();
    await fixture.topics.create("t", 2);
    const group = consumerGroup(fixture.coordinator, "g");
    const joined = await group.heartbeat(heartbeat({ memberId: "a", subscribedTopicNames: ["t"], serverAssignor: "range" }));
    const steady = await group.heartbeat(heartbeat({ memberId: "a", memberEpoch: joined.memberEpoch, ownedPartitions: joined.assignment }));
    const writes = groupLogEnd();
    await group.heartbeat(heartbeat({ memberId: "a", memberEpoch: steady.memberEpoch }));
    expect(groupLogEnd()).toBe(writes);

    const reopened = await fixture.reopen();
    const restored = reopened.get("g");
    expect(restored).toBeInstanceOf(ConsumerGroup);
    const restoredGroup = restored as ConsumerGroup;
    expect(restoredGroup.groupEpoch).toBe(group.groupEpoch);
    expect(restoredGroup.state).toBe("Stable");
    expect(restoredGroup.members.get("a")?.serverAssignor).toBe("range");
    const after = await restoredGroup.heartbeat(heartbeat({ memberId: "a", memberEpoch: steady.memberEpoch }));
    expect(after.errorCode).toBe(ErrorCode.NONE);
    expect(after.memberEpoch).toBe(steady.memberEpoch);
    // Unchanged assignment: not sent again.
    expect(after.assignment).toBeNull();
    expect(await reopened.commitOffsets("g", { memberId: "a", groupInstanceId: null, generationId: steady.memberEpoch }, [])).toBe(ErrorCode.NONE);
    reopened.close();
  });

  test("a restored member that stops heartbeating expires after the session timeout", async () => {
    fixture = await groupFixture({ consumerGroupSessionTimeoutMs: 45_000 });
    await fixture.topics.create("t", 1);
    await consumerGroup(fixture.coordinator, "g").heartbeat(heartbeat({ memberId: "a", subscribedTopicNames: ["t"] }));
    const reopened = await fixture.reopen();
    expect(reopened.get("g")!.members.size).toBe(1);
    await fixture.scheduler.advance(46_000);
    expect(reopened.get("g")!.members.size).toBe(0);
    expect(reopened.get("g")!.state).toBe("Empty");
    reopened.close();
  });
});
