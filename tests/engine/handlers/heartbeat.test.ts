import { afterEach, describe, expect, test } from "bun:test";
import { handleConsumerGroupHeartbeat } from "../../../src/engine/handlers/consumer-group-heartbeat.ts";
import { handleHeartbeat } from "../../../src/engine/handlers/heartbeat.ts";
import { handleJoinGroup } from "../../../src/engine/handlers/join-group.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import { engineFixture } from "../fixtures.ts";
import { classic, type GroupFixture, groupFixture, testSessionTimeoutMs } from "../groups/group-fixture.ts";
import { joinRequest, stableGroup } from "./group-handler-fixture.ts";

let fixture: GroupFixture | undefined;
afterEach(() => {
  fixture?.coordinator.close();
  fixture = undefined;
});

const beat = (groupId: string, memberId: string, generationId: number) => ({ groupId, memberId, generationId, groupInstanceId: null });

describe("Heartbeat", () => {
  test("heartbeats keep a member past its session timeout; the member that stops is evicted", async () => {
    fixture = await groupFixture();
    const { leader, follower, generationId } = await stableGroup(fixture, "g");
    expect((await handleHeartbeat(beat("g", leader, generationId), fixture.ctx(4)))!.errorCode).toBe(ErrorCode.NONE);
    // Only the leader heartbeats, at steps that add up to more than a session.
    for (let step = 0; step < 3; step++) {
      await fixture.scheduler.advance((testSessionTimeoutMs * 5) / 12);
      const errorCode = (await handleHeartbeat(beat("g", leader, generationId), fixture.ctx(4)))!.errorCode;
      if (step < 2) expect(errorCode).toBe(ErrorCode.NONE);
      // By now the follower's session has ended, and its leaving started a rebalance.
      else expect(errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    }
    const group = classic(fixture.coordinator, "g");
    expect(group.members.has(leader)).toBe(true);
    expect(group.members.has(follower)).toBe(false);
  });

  test("a joining member makes heartbeats answer REBALANCE_IN_PROGRESS", async () => {
    fixture = await groupFixture();
    const { leader, generationId } = await stableGroup(fixture, "g");
    void handleJoinGroup(joinRequest("g"), fixture.ctx(3));
    expect((await handleHeartbeat(beat("g", leader, generationId), fixture.ctx(4)))!.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  });

  test("a wrong generation is ILLEGAL_GENERATION; an unknown member UNKNOWN_MEMBER_ID", async () => {
    fixture = await groupFixture();
    const { leader, generationId } = await stableGroup(fixture, "g");
    expect((await handleHeartbeat(beat("g", leader, generationId + 1), fixture.ctx(4)))!.errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect((await handleHeartbeat(beat("g", "stranger", generationId), fixture.ctx(4)))!.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  test("without a coordinator: COORDINATOR_NOT_AVAILABLE", async () => {
    const engine = await engineFixture();
    expect(await handleHeartbeat(beat("g", "m", 1), engine.ctx(4))).toEqual({ throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE });
  });

  test("an empty group id is INVALID_GROUP_ID", async () => {
    fixture = await groupFixture();
    expect((await handleHeartbeat(beat("", "m", 1), fixture.ctx(4)))!.errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
  });

  test("a group that does not exist, or is a consumer (KIP-848) group, is UNKNOWN_MEMBER_ID", async () => {
    fixture = await groupFixture();
    expect((await handleHeartbeat(beat("absent", "m", 1), fixture.ctx(4)))!.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(fixture.coordinator.get("absent")).toBeUndefined();
    await fixture.topics.create("orders", 1);
    await handleConsumerGroupHeartbeat({ groupId: "kip848", memberId: "m", memberEpoch: 0, rebalanceTimeoutMs: 10_000, subscribedTopicNames: ["orders"] }, fixture.ctx(1));
    expect((await handleHeartbeat(beat("kip848", "m", 1), fixture.ctx(4)))!.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });
});
