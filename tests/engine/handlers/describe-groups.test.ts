import { afterEach, describe, expect, test } from "bun:test";
import { handleConsumerGroupHeartbeat } from "../../../src/engine/handlers/consumer-group-heartbeat.ts";
import { assignmentByName, handleDescribeGroups } from "../../../src/engine/handlers/describe-groups.ts";
import { handleJoinGroup } from "../../../src/engine/handlers/join-group.ts";
import { decodeConsumerAssignment, encodeSubscription, subscribedTopics } from "../../../src/protocol/consumer-protocol.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import { engineFixture } from "../fixtures.ts";
import { type GroupFixture, groupFixture, testInitialDelayMs } from "../groups/group-fixture.ts";
import { joinRequest, stableGroup } from "./group-handler-fixture.ts";

let fixture: GroupFixture | undefined;
afterEach(() => {
  fixture?.coordinator.close();
  fixture = undefined;
});

const notRequested = -2147483648;

describe("DescribeGroups", () => {
  test("a Stable classic group: protocol, and each member's client, selected metadata and assignment", async () => {
    fixture = await groupFixture();
    const { leader, follower, assignments } = await stableGroup(fixture, "g", ["orders"]);
    const response = await handleDescribeGroups({ groups: ["g"] }, fixture.ctx(5));
    const [described] = response!.groups;
    expect(described).toMatchObject({ errorCode: ErrorCode.NONE, groupId: "g", groupState: "Stable", protocolType: "consumer", protocolData: "range", authorizedOperations: notRequested });
    const members = new Map(described.members.map((member) => [member.memberId, member]));
    expect([...members.keys()].sort()).toEqual([leader, follower].sort());
    for (const memberId of [leader, follower]) {
      const member = members.get(memberId)!;
      expect(member.clientId).toBe(memberId.startsWith("a-") ? "a" : "b");
      expect(member.groupInstanceId).toBeNull();
      expect(subscribedTopics(member.memberMetadata)).toEqual(["orders"]);
      expect([...member.memberAssignment]).toEqual([...assignments.get(memberId)!]);
    }
  });

  test("a classic group between generations shows no protocol, metadata or assignment", async () => {
    fixture = await groupFixture();
    const joining = handleJoinGroup(joinRequest("g"), fixture.ctx(3, { clientHost: "10.1.2.3" }));
    await fixture.scheduler.advance(2 * testInitialDelayMs);
    const joined = await joining;
    const [described] = (await handleDescribeGroups({ groups: ["g"] }, fixture.ctx(5)))!.groups;
    expect(described.groupState).toBe("CompletingRebalance");
    expect(described.protocolType).toBe("consumer");
    expect(described.protocolData).toBe("");
    expect(described.members).toEqual([
      { memberId: joined!.memberId, groupInstanceId: null, clientId: "engine-test", clientHost: "/10.1.2.3", memberMetadata: new Uint8Array(), memberAssignment: new Uint8Array() },
    ]);
  });

  test("a consumer (KIP-848) group is described in the classic consumer protocol's bytes", async () => {
    fixture = await groupFixture();
    await fixture.topics.create("orders", 2);
    const joined = await handleConsumerGroupHeartbeat(
      { groupId: "g", memberId: "m1", memberEpoch: 0, rebalanceTimeoutMs: 10_000, subscribedTopicNames: ["orders"], serverAssignor: "range" },
      fixture.ctx(1, { clientId: "kip848-client", clientHost: "10.0.0.9" }),
    );
    expect(joined!.errorCode).toBe(ErrorCode.NONE);
    const [described] = (await handleDescribeGroups({ groups: ["g"] }, fixture.ctx(5)))!.groups;
    expect(described).toMatchObject({ errorCode: ErrorCode.NONE, groupState: "Stable", protocolType: "consumer", protocolData: "range" });
    const [member] = described.members;
    expect(member).toMatchObject({ memberId: "m1", groupInstanceId: null, clientId: "kip848-client", clientHost: "/10.0.0.9" });
    expect([...member.memberMetadata]).toEqual([...encodeSubscription(["orders"])]);
    expect(decodeConsumerAssignment(member.memberAssignment)).toEqual([{ topic: "orders", partitions: [0, 1] }]);
  });

  test("assignmentByName names topics by id, sorts them and their partitions, and leaves out deleted or empty ones", async () => {
    const engine = await engineFixture();
    const zebra = await engine.topics.create("zebra", 3);
    const apple = await engine.topics.create("apple", 3);
    const named = assignmentByName(
      engine.topics,
      new Map([
        [zebra.meta.topicId, new Set([2, 0])],
        ["deleted-topic-id", new Set([1])],
        [apple.meta.topicId, new Set([1])],
        [apple.meta.topicId.replace(/./, "x"), new Set<number>()],
      ]),
    );
    expect(named).toEqual([
      { topic: "apple", partitions: [1] },
      { topic: "zebra", partitions: [0, 2] },
    ]);
  });

  test("a group that does not exist is answered Dead without an error; an empty id INVALID_GROUP_ID", async () => {
    fixture = await groupFixture();
    const response = await handleDescribeGroups({ groups: ["absent", ""] }, fixture.ctx(5));
    expect(response!.groups).toEqual([
      { errorCode: ErrorCode.NONE, groupId: "absent", groupState: "Dead", protocolType: "", protocolData: "", members: [], authorizedOperations: notRequested },
      { errorCode: ErrorCode.INVALID_GROUP_ID, groupId: "", groupState: "Dead", protocolType: "", protocolData: "", members: [], authorizedOperations: notRequested },
    ]);
    expect(fixture.coordinator.get("absent")).toBeUndefined();
  });

  test("without a coordinator every group is COORDINATOR_NOT_AVAILABLE", async () => {
    const engine = await engineFixture();
    const response = await handleDescribeGroups({ groups: ["a", "b"] }, engine.ctx(5));
    expect(response!.groups.map((group) => [group.groupId, group.errorCode, group.groupState])).toEqual([
      ["a", ErrorCode.COORDINATOR_NOT_AVAILABLE, "Dead"],
      ["b", ErrorCode.COORDINATOR_NOT_AVAILABLE, "Dead"],
    ]);
  });
});
