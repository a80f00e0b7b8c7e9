import { afterEach, describe, expect, test } from "bun:test";
import { handleJoinGroup } from "../../../src/engine/handlers/join-group.ts";
import { handleSyncGroup } from "../../../src/engine/handlers/sync-group.ts";
import { handleConsumerGroupHeartbeat } from "../../../src/engine/handlers/consumer-group-heartbeat.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import type { JoinGroupResponse } from "../../../src/protocol/messages/join-group.ts";
import { classic, type GroupFixture, groupFixture, testInitialDelayMs } from "../groups/group-fixture.ts";
import { engineFixture } from "../fixtures.ts";
import { joinRequest } from "./group-handler-fixture.ts";

let fixture: GroupFixture | undefined;
afterEach(() => {
  fixture?.coordinator.close();
  fixture = undefined;
});

describe("JoinGroup", () => {
  test("two members join one generation; only the leader gets every member's metadata", async () => {
    fixture = await groupFixture();
    const join = (clientId: string, byte: number) =>
      handleJoinGroup(joinRequest("g", { protocols: [{ name: "range", metadata: new Uint8Array([byte]) }] }), fixture!.ctx(3, { clientId, clientHost: "10.0.0.7" }));
    const joins = Promise.all([join("a", 0xa), join("b", 0xb)]);
    await fixture.scheduler.advance(2 * testInitialDelayMs);
    const [a, b] = (await joins) as JoinGroupResponse[];
    expect([a.errorCode, b.errorCode]).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
    expect(a.generationId).toBe(1);
    expect(b.generationId).toBe(1);
    expect(a.memberId).toMatch(/^a-/);
    expect(b.memberId).toMatch(/^b-/);
    expect(a.leader).toBe(b.leader);
    expect(a.protocolType).toBe("consumer");
    expect(a.protocolName).toBe("range");
    const [leader, follower] = a.leader === a.memberId ? [a, b] : [b, a];
    expect(leader.members.map((member) => [member.memberId, [...member.metadata]]).sort()).toEqual(
      [
        [a.memberId, [0xa]],
        [b.memberId, [0xb]],
      ].sort(),
    );
    expect(follower.members).toEqual([]);
    // The context's client id and address are the member's.
    const member = classic(fixture.coordinator, "g").members.get(a.memberId)!;
    expect(member.clientId).toBe("a");
    expect(member.clientHost).toBe("/10.0.0.7");
  });

  test("v4+: a new dynamic member gets MEMBER_ID_REQUIRED with its id, then joins with it", async () => {
    fixture = await groupFixture();
    const first = await handleJoinGroup(joinRequest("g"), fixture.ctx(4, { clientId: "app" }));
    expect(first!.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first!.memberId).toMatch(/^app-/);
    expect(first!.generationId).toBe(-1);
    const joining = handleJoinGroup(joinRequest("g", { memberId: first!.memberId }), fixture.ctx(4, { clientId: "app" }));
    await fixture.scheduler.advance(2 * testInitialDelayMs);
    const second = await joining;
    expect(second!.errorCode).toBe(ErrorCode.NONE);
    expect(second!.memberId).toBe(first!.memberId);
    expect(second!.leader).toBe(first!.memberId);
  });

  test("v4+: a static member (group instance id) joins without the member id round trip; v3 dynamic members too", async () => {
    fixture = await groupFixture();
    const staticJoin = handleJoinGroup(joinRequest("g", { groupInstanceId: "instance-1" }), fixture.ctx(5));
    const v3Join = handleJoinGroup(joinRequest("g"), fixture.ctx(3));
    await fixture.scheduler.advance(2 * testInitialDelayMs);
    const [staticMember, v3Member] = await Promise.all([staticJoin, v3Join]);
    expect(staticMember!.errorCode).toBe(ErrorCode.NONE);
    expect(v3Member!.errorCode).toBe(ErrorCode.NONE);
    expect(classic(fixture.coordinator, "g").members.get(staticMember!.memberId)?.groupInstanceId).toBe("instance-1");
  });

  test("v0 has no rebalance timeout: the session timeout is used", async () => {
    fixture = await groupFixture();
    const joining = handleJoinGroup(joinRequest("g", { rebalanceTimeoutMs: undefined, sessionTimeoutMs: 7_000 }), fixture.ctx(0));
    await fixture.scheduler.advance(2 * testInitialDelayMs);
    const joined = await joining;
    expect(joined!.errorCode).toBe(ErrorCode.NONE);
    expect(classic(fixture.coordinator, "g").members.get(joined!.memberId)?.rebalanceTimeoutMs).toBe(7_000);
  });

  test("a static leader rejoining a Stable group unchanged is told to skip assignment from v9 only", async () => {
    fixture = await groupFixture();
    const join = (version: number) => handleJoinGroup(joinRequest("g", { groupInstanceId: "leader-1" }), fixture!.ctx(version));
    const joining = join(9);
    await fixture.scheduler.advance(2 * testInitialDelayMs);
    const joined = await joining;
    const synced = await handleSyncGroup(
      { groupId: "g", generationId: joined!.generationId!, memberId: joined!.memberId, groupInstanceId: "leader-1", protocolType: "consumer", protocolName: "range", assignments: [{ memberId: joined!.memberId, assignment: new Uint8Array([7]) }] },
      fixture.ctx(5),
    );
    expect(synced!.errorCode).toBe(ErrorCode.NONE);
    const v9 = await join(9);
    expect(v9).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 1, skipAssignment: true });
    const v8 = await join(8);
    expect(v8).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 1, skipAssignment: false });
  });

  test("without a coordinator: COORDINATOR_NOT_AVAILABLE, echoing the member id", async () => {
    const engine = await engineFixture();
    const response = await handleJoinGroup(joinRequest("g", { memberId: "m-1" }), engine.ctx(9));
    expect(response).toMatchObject({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, generationId: -1, memberId: "m-1", leader: "", members: [] });
  });

  test("the protocol name of a failed join is null from v7 and empty before", async () => {
    const engine = await engineFixture();
    expect((await handleJoinGroup(joinRequest("g"), engine.ctx(7)))!.protocolName).toBeNull();
    expect((await handleJoinGroup(joinRequest("g"), engine.ctx(6)))!.protocolName).toBe("");
  });

  test("an empty group id is INVALID_GROUP_ID and makes no group", async () => {
    fixture = await groupFixture();
    const response = await handleJoinGroup(joinRequest(""), fixture.ctx(5));
    expect(response!.errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    expect(fixture.coordinator.list()).toEqual([]);
  });

  test("a session timeout outside the broker's bounds is INVALID_SESSION_TIMEOUT", async () => {
    fixture = await groupFixture({ groupSessionTimeoutMinMs: 6_000, groupSessionTimeoutMaxMs: 60_000 });
    expect((await handleJoinGroup(joinRequest("g", { sessionTimeoutMs: 5_999 }), fixture.ctx(5)))!.errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect((await handleJoinGroup(joinRequest("g", { sessionTimeoutMs: 60_001 }), fixture.ctx(5)))!.errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect(fixture.coordinator.list()).toEqual([]);
    // The bounds themselves are allowed.
    const joining = handleJoinGroup(joinRequest("g", { sessionTimeoutMs: 60_000 }), fixture.ctx(3));
    await fixture.scheduler.advance(2 * testInitialDelayMs);
    expect((await joining)!.errorCode).toBe(ErrorCode.NONE);
  });

  test("a member id for a group that does not exist is UNKNOWN_MEMBER_ID and makes no group", async () => {
    fixture = await groupFixture();
    const response = await handleJoinGroup(joinRequest("gone", { memberId: "stale-member" }), fixture.ctx(5));
    expect(response).toMatchObject({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, memberId: "stale-member" });
    expect(fixture.coordinator.get("gone")).toBeUndefined();
  });

  test("a group id held by a consumer (KIP-848) group with members is INCONSISTENT_GROUP_PROTOCOL", async () => {
    fixture = await groupFixture();
    await fixture.topics.create("orders", 1);
    const heartbeat = await handleConsumerGroupHeartbeat({ groupId: "g", memberId: "m", memberEpoch: 0, rebalanceTimeoutMs: 10_000, subscribedTopicNames: ["orders"] }, fixture.ctx(1));
    expect(heartbeat!.errorCode).toBe(ErrorCode.NONE);
    const response = await handleJoinGroup(joinRequest("g"), fixture.ctx(5));
    expect(response!.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  });
});
