import { afterEach, describe, expect, test } from "bun:test";
import { handleConsumerGroupHeartbeat } from "../../../src/engine/handlers/consumer-group-heartbeat.ts";
import { ConsumerGroup } from "../../../src/engine/groups/consumer-group.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import type { ConsumerGroupHeartbeatRequest } from "../../../src/protocol/messages/consumer-group-heartbeat.ts";
import { engineFixture, recordingLogger } from "../fixtures.ts";
import { type GroupFixture, groupFixture } from "../groups/group-fixture.ts";
import { failGroupLogWrites, stableGroup } from "./group-handler-fixture.ts";

let fixture: GroupFixture | undefined;
afterEach(() => {
  fixture?.coordinator.close();
  fixture = undefined;
});

function heartbeat(overrides: Partial<ConsumerGroupHeartbeatRequest> = {}): ConsumerGroupHeartbeatRequest {
  return { groupId: "g", memberId: "m1", memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 10_000, subscribedTopicNames: ["orders"], subscribedTopicRegex: null, serverAssignor: null, topicPartitions: null, ...overrides };
}

async function withTopic(partitions = 2): Promise<{ fixture: GroupFixture; topicId: string }> {
  fixture = await groupFixture({ consumerGroupHeartbeatIntervalMs: 1_500 });
  const topic = await fixture.topics.create("orders", partitions);
  return { fixture, topicId: topic.meta.topicId };
}

describe("ConsumerGroupHeartbeat", () => {
  test("v1: a member joins with its own id and epoch 0, and is assigned every partition with the broker's heartbeat interval", async () => {
    const { fixture, topicId } = await withTopic();
    const response = await handleConsumerGroupHeartbeat(heartbeat(), fixture.ctx(1, { clientId: "app", clientHost: "10.0.0.5" }));
    const group = fixture.coordinator.get("g");
    expect(group).toBeInstanceOf(ConsumerGroup);
    const epoch = (group as ConsumerGroup).groupEpoch;
    expect(epoch).toBeGreaterThan(0);
    expect(response).toEqual({ throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, memberId: "m1", memberEpoch: epoch, heartbeatIntervalMs: 1_500, assignment: { topicPartitions: [{ topicId, partitions: [0, 1] }] } });
    expect((group as ConsumerGroup).members.get("m1")).toMatchObject({ clientId: "app", clientHost: "/10.0.0.5", subscribedTopicNames: ["orders"] });
    // An unchanged assignment is not sent again.
    const steady = await handleConsumerGroupHeartbeat(heartbeat({ memberEpoch: epoch, subscribedTopicNames: null, topicPartitions: [{ topicId, partitions: [0, 1] }] }), fixture.ctx(1));
    expect(steady).toMatchObject({ errorCode: ErrorCode.NONE, memberEpoch: epoch, assignment: null });
  });

  test("v0: the coordinator chooses the member id; from v1 a join without one is INVALID_REQUEST", async () => {
    const { fixture } = await withTopic();
    const v0 = await handleConsumerGroupHeartbeat(heartbeat({ memberId: "" }), fixture.ctx(0));
    expect(v0!.errorCode).toBe(ErrorCode.NONE);
    expect(v0!.memberId).toMatch(/^[0-9a-f-]{36}$/);
    const v1 = await handleConsumerGroupHeartbeat(heartbeat({ memberId: "" }), fixture.ctx(1));
    expect(v1).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, memberId: null, assignment: null });
  });

  test("epoch -1 leaves the group", async () => {
    const { fixture } = await withTopic();
    await handleConsumerGroupHeartbeat(heartbeat(), fixture.ctx(1));
    const left = await handleConsumerGroupHeartbeat(heartbeat({ memberEpoch: -1 }), fixture.ctx(1));
    expect(left).toMatchObject({ errorCode: ErrorCode.NONE, memberId: "m1", memberEpoch: -1 });
    expect(fixture.coordinator.get("g")?.members.size).toBe(0);
  });

  test("a heartbeat (epoch > 0) for a group that does not exist is UNKNOWN_MEMBER_ID and makes no group", async () => {
    const { fixture } = await withTopic();
    const response = await handleConsumerGroupHeartbeat(heartbeat({ groupId: "absent", memberEpoch: 4 }), fixture.ctx(1));
    expect(response).toEqual({
      throttleTimeMs: 0,
      errorCode: ErrorCode.UNKNOWN_MEMBER_ID,
      errorMessage: 'Group "absent" has no member "m1"',
      memberId: "m1",
      memberEpoch: 4,
      heartbeatIntervalMs: 0,
      assignment: null,
    });
    expect(fixture.coordinator.get("absent")).toBeUndefined();
  });

  test("an id held by a classic group with members is GROUP_ID_NOT_FOUND; an empty classic group is taken over", async () => {
    const { fixture } = await withTopic();
    await stableGroup(fixture, "classic-busy");
    expect((await handleConsumerGroupHeartbeat(heartbeat({ groupId: "classic-busy" }), fixture.ctx(1)))!.errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
    await fixture.coordinator.commitOffsets("classic-empty", { memberId: "", groupInstanceId: null, generationId: -1 }, [{ topic: "orders", partition: 0, offset: 1, leaderEpoch: -1, metadata: null }]);
    expect((await handleConsumerGroupHeartbeat(heartbeat({ groupId: "classic-empty" }), fixture.ctx(1)))!.errorCode).toBe(ErrorCode.NONE);
    expect(fixture.coordinator.get("classic-empty")).toBeInstanceOf(ConsumerGroup);
  });

  test("without a coordinator: COORDINATOR_NOT_AVAILABLE; an empty group id: INVALID_GROUP_ID", async () => {
    const engine = await engineFixture();
    expect(await handleConsumerGroupHeartbeat(heartbeat({ memberEpoch: 3 }), engine.ctx(1))).toMatchObject({
      errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
      errorMessage: "The group coordinator is not running",
      memberId: "m1",
      memberEpoch: 3,
      assignment: null,
    });
    const { fixture } = await withTopic();
    expect((await handleConsumerGroupHeartbeat(heartbeat({ groupId: "" }), fixture.ctx(1)))!.errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    expect(fixture.coordinator.list()).toEqual([]);
  });

  test("when the group cannot be written: COORDINATOR_NOT_AVAILABLE and logged", async () => {
    const { fixture } = await withTopic();
    // Creates __consumer_offsets before its writes are made to fail.
    await fixture.coordinator.commitOffsets("other", { memberId: "", groupInstanceId: null, generationId: -1 }, [{ topic: "orders", partition: 0, offset: 1, leaderEpoch: -1, metadata: null }]);
    failGroupLogWrites(fixture);
    const logger = recordingLogger();
    const response = await handleConsumerGroupHeartbeat(heartbeat(), fixture.ctx(1, { logger }));
    expect(response).toMatchObject({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: "The group coordinator cannot write the group log", assignment: null });
    expect(logger.lines.some((line) => line.startsWith("error Cannot store consumer group"))).toBe(true);
  });
});
