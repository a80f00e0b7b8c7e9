import { afterEach, describe, expect, test } from "bun:test";
import { handleLeaveGroup } from "../../../src/engine/handlers/leave-group.ts";
import { handleJoinGroup } from "../../../src/engine/handlers/join-group.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import { engineFixture } from "../fixtures.ts";
import { classic, type GroupFixture, groupFixture, testInitialDelayMs } from "../groups/group-fixture.ts";
import { joinRequest, stableGroup } from "./group-handler-fixture.ts";

let fixture: GroupFixture | undefined;
afterEach(() => {
  fixture?.coordinator.close();
  fixture = undefined;
});

describe("LeaveGroup", () => {
  test("v0-2: one member leaves; its error is the answer's error and there is no member list", async () => {
    fixture = await groupFixture();
    const { leader, follower } = await stableGroup(fixture, "g");
    const left = await handleLeaveGroup({ groupId: "g", memberId: follower }, fixture.ctx(2));
    expect(left).toEqual({ throttleTimeMs: 0, errorCode: ErrorCode.NONE, members: [] });
    const group = classic(fixture.coordinator, "g");
    expect([...group.members.keys()]).toEqual([leader]);
    expect(group.state).toBe("PreparingRebalance");
    const again = await handleLeaveGroup({ groupId: "g", memberId: follower }, fixture.ctx(0));
    expect(again!.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  test("v3+: a batch leaves by member id and by instance id, each member with its own error", async () => {
    fixture = await groupFixture();
    const staticJoin = handleJoinGroup(joinRequest("g", { groupInstanceId: "static-1" }), fixture.ctx(5));
    const dynamicJoin = handleJoinGroup(joinRequest("g"), fixture.ctx(3));
    await fixture.scheduler.advance(2 * testInitialDelayMs);
    const [, dynamic] = await Promise.all([staticJoin, dynamicJoin]);
    const response = await handleLeaveGroup(
      {
        groupId: "g",
        members: [
          { memberId: "", groupInstanceId: "static-1", reason: "shutdown" },
          { memberId: dynamic!.memberId, groupInstanceId: null },
          { memberId: "stranger", groupInstanceId: null },
        ],
      },
      fixture.ctx(5),
    );
    expect(response).toEqual({
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      members: [
        { memberId: "", groupInstanceId: "static-1", errorCode: ErrorCode.NONE },
        { memberId: dynamic!.memberId, groupInstanceId: null, errorCode: ErrorCode.NONE },
        { memberId: "stranger", groupInstanceId: null, errorCode: ErrorCode.UNKNOWN_MEMBER_ID },
      ],
    });
    const group = classic(fixture.coordinator, "g");
    expect(group.members.size).toBe(0);
    expect(group.state).toBe("Empty");
  });

  test("a group that does not exist: v3+ answers UNKNOWN_MEMBER_ID per member, v0-2 at the top", async () => {
    fixture = await groupFixture();
    const batched = await handleLeaveGroup({ groupId: "absent", members: [{ memberId: "a" }, { memberId: "b", groupInstanceId: "i" }] }, fixture.ctx(3));
    expect(batched).toEqual({
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      members: [
        { memberId: "a", groupInstanceId: null, errorCode: ErrorCode.UNKNOWN_MEMBER_ID },
        { memberId: "b", groupInstanceId: "i", errorCode: ErrorCode.UNKNOWN_MEMBER_ID },
      ],
    });
    expect((await handleLeaveGroup({ groupId: "absent", memberId: "a" }, fixture.ctx(1)))!.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(fixture.coordinator.get("absent")).toBeUndefined();
  });

  test("without a coordinator: COORDINATOR_NOT_AVAILABLE at the top, and on each member from v3", async () => {
    const engine = await engineFixture();
    expect(await handleLeaveGroup({ groupId: "g", memberId: "a" }, engine.ctx(1))).toEqual({ throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] });
    const batched = await handleLeaveGroup({ groupId: "g", members: [{ memberId: "a" }] }, engine.ctx(4));
    expect(batched).toEqual({
      throttleTimeMs: 0,
      errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
      members: [{ memberId: "a", groupInstanceId: null, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE }],
    });
  });

  test("an empty group id is INVALID_GROUP_ID", async () => {
    fixture = await groupFixture();
    expect((await handleLeaveGroup({ groupId: "", memberId: "a" }, fixture.ctx(2)))!.errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    expect((await handleLeaveGroup({ groupId: "", members: [{ memberId: "a" }] }, fixture.ctx(5)))!.errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
  });
});
