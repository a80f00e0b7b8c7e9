import { afterEach, describe, expect, test } from "bun:test";
import { handleConsumerGroupHeartbeat } from "../../../src/engine/handlers/consumer-group-heartbeat.ts";
import { handleJoinGroup } from "../../../src/engine/handlers/join-group.ts";
import { handleSyncGroup } from "../../../src/engine/handlers/sync-group.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import type { SyncGroupRequest } from "../../../src/protocol/messages/sync-group.ts";
import { engineFixture } from "../fixtures.ts";
import { classic, type GroupFixture, groupFixture } from "../groups/group-fixture.ts";
import { joinRequest, stableGroup } from "./group-handler-fixture.ts";

let fixture: GroupFixture | undefined;
afterEach(() => {
  fixture?.coordinator.close();
  fixture = undefined;
});

function syncRequest(groupId: string, overrides: Partial<SyncGroupRequest> = {}): SyncGroupRequest {
  return { groupId, generationId: 1, memberId: "m", groupInstanceId: null, protocolType: "consumer", protocolName: "range", assignments: [], ...overrides };
}

describe("SyncGroup", () => {
  test("the leader's assignments reach each member byte for byte and the group is Stable", async () => {
    fixture = await groupFixture();
    const { leader, follower, assignments, generationId } = await stableGroup(fixture, "g");
    expect(classic(fixture.coordinator, "g").state).toBe("Stable");
    // A member syncing again in a Stable group gets its assignment again.
    for (const memberId of [leader, follower]) {
      const response = await handleSyncGroup(syncRequest("g", { memberId, generationId }), fixture.ctx(5));
      expect(response!.errorCode).toBe(ErrorCode.NONE);
      expect(response!.protocolType).toBe("consumer");
      expect(response!.protocolName).toBe("range");
      expect([...response!.assignment]).toEqual([...assignments.get(memberId)!]);
    }
  });

  test("a stale generation is ILLEGAL_GENERATION; an unknown member UNKNOWN_MEMBER_ID", async () => {
    fixture = await groupFixture();
    const { leader, generationId } = await stableGroup(fixture, "g");
    const stale = await handleSyncGroup(syncRequest("g", { memberId: leader, generationId: generationId - 1 }), fixture.ctx(5));
    expect(stale!.errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(stale!.assignment.length).toBe(0);
    const stranger = await handleSyncGroup(syncRequest("g", { memberId: "stranger", generationId }), fixture.ctx(5));
    expect(stranger!.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  test("a sync while the group prepares a rebalance is REBALANCE_IN_PROGRESS", async () => {
    fixture = await groupFixture();
    const { leader, generationId } = await stableGroup(fixture, "g");
    // A third member starts a rebalance; its join stays parked.
    void handleJoinGroup(joinRequest("g"), fixture.ctx(3));
    expect(classic(fixture.coordinator, "g").state).toBe("PreparingRebalance");
    const response = await handleSyncGroup(syncRequest("g", { memberId: leader, generationId }), fixture.ctx(5));
    expect(response!.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  });

  test("without a coordinator: COORDINATOR_NOT_AVAILABLE and no assignment", async () => {
    const engine = await engineFixture();
    const response = await handleSyncGroup(syncRequest("g"), engine.ctx(5));
    expect(response).toMatchObject({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, protocolType: null, protocolName: null });
    expect(response!.assignment.length).toBe(0);
  });

  test("an empty group id is INVALID_GROUP_ID", async () => {
    fixture = await groupFixture();
    expect((await handleSyncGroup(syncRequest(""), fixture.ctx(5)))!.errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
  });

  test("a group that does not exist, or is a consumer (KIP-848) group, is UNKNOWN_MEMBER_ID and nothing is created", async () => {
    fixture = await groupFixture();
    expect((await handleSyncGroup(syncRequest("absent"), fixture.ctx(5)))!.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(fixture.coordinator.get("absent")).toBeUndefined();
    await fixture.topics.create("orders", 1);
    await handleConsumerGroupHeartbeat({ groupId: "kip848", memberId: "m", memberEpoch: 0, rebalanceTimeoutMs: 10_000, subscribedTopicNames: ["orders"] }, fixture.ctx(1));
    expect((await handleSyncGroup(syncRequest("kip848", { memberId: "m" }), fixture.ctx(5)))!.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });
});
