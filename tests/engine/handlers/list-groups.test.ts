import { afterEach, describe, expect, test } from "bun:test";
import { handleConsumerGroupHeartbeat } from "../../../src/engine/handlers/consumer-group-heartbeat.ts";
import { handleJoinGroup } from "../../../src/engine/handlers/join-group.ts";
import { handleListGroups } from "../../../src/engine/handlers/list-groups.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import { engineFixture } from "../fixtures.ts";
import { type GroupFixture, groupFixture } from "../groups/group-fixture.ts";
import { joinRequest, stableGroup } from "./group-handler-fixture.ts";

let fixture: GroupFixture | undefined;
afterEach(() => {
  fixture?.coordinator.close();
  fixture = undefined;
});

/** "stable" (classic, Stable), "offsets-only" (classic, Empty, no protocol type), "joining" (connect, PreparingRebalance), "kip848" (consumer). */
async function withGroups(): Promise<GroupFixture> {
  fixture = await groupFixture();
  await fixture.topics.create("orders", 1);
  await stableGroup(fixture, "stable");
  await fixture.coordinator.commitOffsets("offsets-only", { memberId: "", groupInstanceId: null, generationId: -1 }, [{ topic: "orders", partition: 0, offset: 1, leaderEpoch: -1, metadata: null }]);
  void handleJoinGroup(joinRequest("joining", { protocolType: "connect" }), fixture.ctx(3));
  await handleConsumerGroupHeartbeat({ groupId: "kip848", memberId: "m", memberEpoch: 0, rebalanceTimeoutMs: 10_000, subscribedTopicNames: ["orders"] }, fixture.ctx(1));
  return fixture;
}

const summary = (response: Awaited<ReturnType<typeof handleListGroups>>) => response!.groups.map((group) => [group.groupId, group.protocolType, group.groupState, group.groupType]);

describe("ListGroups", () => {
  test("every group, sorted by id, with its protocol type, state and type", async () => {
    const fixture = await withGroups();
    const response = await handleListGroups({ statesFilter: [], typesFilter: [] }, fixture.ctx(5));
    expect(response!.errorCode).toBe(ErrorCode.NONE);
    expect(summary(response)).toEqual([
      ["joining", "connect", "PreparingRebalance", "classic"],
      ["kip848", "consumer", "Stable", "consumer"],
      ["offsets-only", "", "Empty", "classic"],
      ["stable", "consumer", "Stable", "classic"],
    ]);
  });

  test("v0-3 send no filters", async () => {
    const fixture = await withGroups();
    expect((await handleListGroups({}, fixture.ctx(0)))!.groups.length).toBe(4);
  });

  test("v4+ filters by state and v5+ by type, both ignoring case", async () => {
    const fixture = await withGroups();
    expect(summary(await handleListGroups({ statesFilter: ["stable", "EMPTY"] }, fixture.ctx(4))).map(([groupId]) => groupId)).toEqual(["kip848", "offsets-only", "stable"]);
    expect(summary(await handleListGroups({ statesFilter: [], typesFilter: ["Consumer"] }, fixture.ctx(5))).map(([groupId]) => groupId)).toEqual(["kip848"]);
    expect(summary(await handleListGroups({ statesFilter: ["Stable"], typesFilter: ["classic"] }, fixture.ctx(5))).map(([groupId]) => groupId)).toEqual(["stable"]);
    expect((await handleListGroups({ statesFilter: ["Dead"], typesFilter: [] }, fixture.ctx(5)))!.groups).toEqual([]);
  });

  test("without a coordinator: COORDINATOR_NOT_AVAILABLE and no groups", async () => {
    const engine = await engineFixture();
    expect(await handleListGroups({ statesFilter: [], typesFilter: [] }, engine.ctx(5))).toEqual({ throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, groups: [] });
  });
});
