import { afterEach, describe, expect, test } from "bun:test";
import { handleConsumerGroupDescribe } from "../../../src/engine/handlers/consumer-group-describe.ts";
import { handleConsumerGroupHeartbeat } from "../../../src/engine/handlers/consumer-group-heartbeat.ts";
import type { ConsumerGroup } from "../../../src/engine/groups/consumer-group.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import { engineFixture } from "../fixtures.ts";
import { type GroupFixture, groupFixture } from "../groups/group-fixture.ts";
import { stableGroup } from "./group-handler-fixture.ts";

let fixture: GroupFixture | undefined;
afterEach(() => {
  fixture?.coordinator.close();
  fixture = undefined;
});

const notRequested = -2147483648;
const missing = (groupId: string, errorCode: number, errorMessage: string) => ({
  errorCode,
  errorMessage,
  groupId,
  groupState: "Dead",
  groupEpoch: -1,
  assignmentEpoch: -1,
  assignorName: "",
  members: [],
  authorizedOperations: notRequested,
});

const join = (fixture: GroupFixture, memberId: string, topics: string[], options: { memberEpoch?: number; clientId?: string } = {}) =>
  handleConsumerGroupHeartbeat(
    { groupId: "g", memberId, memberEpoch: options.memberEpoch ?? 0, instanceId: `instance-${memberId}`, rackId: "rack-1", rebalanceTimeoutMs: 10_000, subscribedTopicNames: topics, serverAssignor: "range" },
    fixture.ctx(1, { clientId: options.clientId ?? memberId, clientHost: "10.0.0.1" }),
  );

describe("ConsumerGroupDescribe", () => {
  test("epochs, assignor, and each member's identity, subscription, assignment and target by topic id and name", async () => {
    fixture = await groupFixture();
    const orders = await fixture.topics.create("orders", 4);
    expect((await join(fixture, "a", ["orders"]))!.errorCode).toBe(ErrorCode.NONE);
    // b joins: a must release half before b gets it, so b's target differs from its assignment.
    expect((await join(fixture, "b", ["orders"]))!.errorCode).toBe(ErrorCode.NONE);
    const [described] = (await handleConsumerGroupDescribe({ groupIds: ["g"], includeAuthorizedOperations: false }, fixture.ctx(0)))!.groups;
    const group = fixture.coordinator.get("g") as ConsumerGroup;
    expect(described).toMatchObject({ errorCode: ErrorCode.NONE, errorMessage: null, groupId: "g", groupEpoch: group.groupEpoch, assignmentEpoch: group.assignmentEpoch, assignorName: "range", authorizedOperations: notRequested });
    // b's join moved the group epoch, and the target was computed for it.
    expect(described.assignmentEpoch).toBe(described.groupEpoch);
    expect(described.members.find((member) => member.memberId === "a")!.memberEpoch).toBeLessThan(described.groupEpoch);
    expect(described.groupState).toBe("Reconciling");
    const byId = new Map(described.members.map((member) => [member.memberId, member]));
    const a = byId.get("a")!;
    const b = byId.get("b")!;
    expect(a).toMatchObject({ instanceId: "instance-a", rackId: "rack-1", clientId: "a", clientHost: "/10.0.0.1", subscribedTopicNames: ["orders"], subscribedTopicRegex: null });
    expect(a.assignment).toEqual({ topicPartitions: [{ topicId: orders.meta.topicId, topicName: "orders", partitions: [0, 1, 2, 3] }] });
    // Partitions are sorted, and the two targets split the topic.
    const targets = [a, b].map((member) => member.targetAssignment.topicPartitions.flatMap((entry) => entry.partitions));
    expect(targets.flat().sort()).toEqual([0, 1, 2, 3]);
    for (const target of targets) expect(target).toEqual([...target].sort((x, y) => x - y));
    expect(b.targetAssignment.topicPartitions[0]).toMatchObject({ topicId: orders.meta.topicId, topicName: "orders" });
    // b owns nothing yet: an empty assignment lists no topic.
    expect(b.assignment).toEqual({ topicPartitions: [] });
  });

  test("an assignment lists its partitions sorted and leaves out topics with none", async () => {
    fixture = await groupFixture();
    const orders = await fixture.topics.create("orders", 4);
    const payments = await fixture.topics.create("payments", 1);
    await join(fixture, "a", ["orders", "payments"]);
    // The member's owned partitions as reconciliation can leave them: unordered, and a topic emptied by revocation.
    const member = (fixture.coordinator.get("g") as ConsumerGroup).members.get("a")!;
    member.assigned = new Map([
      [orders.meta.topicId, new Set([3, 0, 2])],
      [payments.meta.topicId, new Set<number>()],
    ]);
    const [described] = (await handleConsumerGroupDescribe({ groupIds: ["g"], includeAuthorizedOperations: false }, fixture.ctx(0)))!.groups;
    expect(described.members[0].assignment).toEqual({ topicPartitions: [{ topicId: orders.meta.topicId, topicName: "orders", partitions: [0, 2, 3] }] });
  });

  test("a group that does not exist, or is classic, is GROUP_ID_NOT_FOUND; an empty id INVALID_GROUP_ID; each group answered on its own", async () => {
    fixture = await groupFixture();
    await fixture.topics.create("orders", 1);
    await stableGroup(fixture, "classic");
    await join(fixture, "a", ["orders"]);
    const response = await handleConsumerGroupDescribe({ groupIds: ["absent", "classic", "", "g"], includeAuthorizedOperations: false }, fixture.ctx(0));
    expect(response!.groups.slice(0, 3)).toEqual([
      missing("absent", ErrorCode.GROUP_ID_NOT_FOUND, 'Group "absent" does not exist'),
      missing("classic", ErrorCode.GROUP_ID_NOT_FOUND, 'Group "classic" is not a consumer group'),
      missing("", ErrorCode.INVALID_GROUP_ID, "Group id is empty"),
    ]);
    expect(response!.groups[3]).toMatchObject({ groupId: "g", errorCode: ErrorCode.NONE, groupState: "Stable" });
  });

  test("without a coordinator every group is COORDINATOR_NOT_AVAILABLE", async () => {
    const engine = await engineFixture();
    const response = await handleConsumerGroupDescribe({ groupIds: ["a"], includeAuthorizedOperations: false }, engine.ctx(0));
    expect(response).toEqual({ throttleTimeMs: 0, groups: [missing("a", ErrorCode.COORDINATOR_NOT_AVAILABLE, "The group coordinator is not running")] });
  });
});
