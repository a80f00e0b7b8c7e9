import { afterEach, describe, expect, test } from "bun:test";
import { GroupState } from "../../../src/engine/groups/classic-group.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import { classic, type GroupFixture, groupFixture, joinParams, testInitialDelayMs, testSessionTimeoutMs } from "./group-fixture.ts";

let fixture: GroupFixture;
afterEach(() => fixture?.coordinator.close());

/** Two dynamic members joined and synced: generation 1, Stable, distinct assignments. */
async function stableTwoMembers() {
  fixture = await groupFixture();
  const group = classic(fixture.coordinator, "g");
  const joins = Promise.all([
    group.join(joinParams({ clientId: "a", protocols: [{ name: "range", metadata: new Uint8Array([0xa]) }] })),
    group.join(joinParams({ clientId: "b", protocols: [{ name: "range", metadata: new Uint8Array([0xb]) }] })),
  ]);
  await fixture.scheduler.advance(2 * testInitialDelayMs);
  const [a, b] = await joins;
  const leader = a.leader === a.memberId ? a : b;
  const assignments = [
    { memberId: a.memberId, assignment: new Uint8Array([1, 0, 0xff]) },
    { memberId: b.memberId, assignment: new Uint8Array([2]) },
  ];
  const identity = (memberId: string) => ({ memberId, groupInstanceId: null, generationId: 1, protocolType: "consumer", protocolName: "range" });
  const follower = leader === a ? b : a;
  const [syncLeader, syncFollower] = await Promise.all([
    group.sync({ ...identity(leader.memberId), assignments }),
    group.sync({ ...identity(follower.memberId), assignments: [] }),
  ]);
  return { group, a, b, leader, follower, syncLeader, syncFollower, assignments };
}

describe("ClassicGroup", () => {
  test("join waits for all members, the leader gets every member's metadata bytes, sync hands out exact assignments", async () => {
    const { group, a, b, leader, follower, syncLeader, syncFollower, assignments } = await stableTwoMembers();
    expect(a.errorCode).toBe(ErrorCode.NONE);
    expect(a.generationId).toBe(1);
    expect(b.generationId).toBe(1);
    expect(leader.members.map((member) => [...member.metadata]).sort()).toEqual([[0xa], [0xb]]);
    expect(follower.members).toEqual([]);
    expect(group.state).toBe(GroupState.stable);
    const byId = new Map(assignments.map((entry) => [entry.memberId, [...entry.assignment]]));
    expect([...syncLeader.assignment]).toEqual(byId.get(leader.memberId)!);
    expect([...syncFollower.assignment]).toEqual(byId.get(follower.memberId)!);
  });

  test("v4 dynamic members first get MEMBER_ID_REQUIRED with their id", async () => {
    fixture = await groupFixture();
    const group = classic(fixture.coordinator, "g");
    const first = await group.join(joinParams({ requireKnownMemberId: true }));
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first.memberId).toMatch(/^test-/);
    const joining = group.join(joinParams({ requireKnownMemberId: true, memberId: first.memberId }));
    await fixture.scheduler.advance(2 * testInitialDelayMs);
    const second = await joining;
    expect(second.errorCode).toBe(ErrorCode.NONE);
    expect(second.memberId).toBe(first.memberId);
    expect(second.leader).toBe(first.memberId);
  });

  test("a new member makes heartbeats answer REBALANCE_IN_PROGRESS until the rebalance completes", async () => {
    const { group, a, b } = await stableTwoMembers();
    expect(group.heartbeat({ memberId: a.memberId, groupInstanceId: null }, 1)).toBe(ErrorCode.NONE);
    const joining = group.join(joinParams({ clientId: "c" }));
    expect(group.state).toBe(GroupState.preparingRebalance);
    expect(group.heartbeat({ memberId: a.memberId, groupInstanceId: null }, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const rejoins = [a, b].map((member) => group.join(joinParams({ memberId: member.memberId })));
    const results = await Promise.all([joining, ...rejoins]);
    expect(results.map((result) => result.generationId)).toEqual([2, 2, 2]);
    expect(group.state).toBe(GroupState.completingRebalance);
  });

  test("a member that stops heartbeating is evicted after its session timeout and the rest rebalance", async () => {
    const { group, leader, follower } = await stableTwoMembers();
    await fixture.scheduler.advance(testSessionTimeoutMs - 1000);
    expect(group.heartbeat({ memberId: leader.memberId, groupInstanceId: null }, 1)).toBe(ErrorCode.NONE);
    await fixture.scheduler.advance(2000);
    expect(group.members.has(follower.memberId)).toBe(false);
    expect(group.state).toBe(GroupState.preparingRebalance);
    const rejoined = await group.join(joinParams({ memberId: leader.memberId }));
    expect(rejoined.generationId).toBe(2);
    expect(rejoined.members.map((member) => member.memberId)).toEqual([leader.memberId]);
  });

  test("a member that does not rejoin within the rebalance timeout is dropped", async () => {
    const { group, leader, follower } = await stableTwoMembers();
    const joining = group.join(joinParams({ memberId: leader.memberId, protocols: [{ name: "range", metadata: new Uint8Array([9]) }] }));
    // Keep the follower's session alive, but never rejoin.
    await fixture.scheduler.advance(5000);
    expect(group.heartbeat({ memberId: follower.memberId, groupInstanceId: null }, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    await fixture.scheduler.advance(5001);
    const result = await joining;
    expect(result.generationId).toBe(2);
    expect(group.members.size).toBe(1);
  });

  test("the last member leaving empties the group", async () => {
    const { group, a, b } = await stableTwoMembers();
    expect(group.leave([{ memberId: a.memberId, groupInstanceId: null }])).toEqual([ErrorCode.NONE]);
    const rejoin = group.join(joinParams({ memberId: b.memberId }));
    expect((await rejoin).generationId).toBe(2);
    expect(group.leave([{ memberId: b.memberId, groupInstanceId: null }, { memberId: "nobody", groupInstanceId: null }])).toEqual([
      ErrorCode.NONE,
      ErrorCode.UNKNOWN_MEMBER_ID,
    ]);
    expect(group.state).toBe(GroupState.empty);
  });

  test("bad input gets Kafka's error codes and leaves the group as it was", async () => {
    const { group, leader } = await stableTwoMembers();
    const other = await group.join(joinParams({ protocolType: "connect" }));
    expect(other.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const noCommon = await group.join(joinParams({ protocols: [{ name: "sticky", metadata: new Uint8Array() }] }));
    expect(noCommon.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const stale = await group.sync({ memberId: leader.memberId, groupInstanceId: null, generationId: 0, protocolType: null, protocolName: null, assignments: [] });
    expect(stale.errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    const wrongName = await group.sync({ memberId: leader.memberId, groupInstanceId: null, generationId: 1, protocolType: "consumer", protocolName: "roundrobin", assignments: [] });
    expect(wrongName.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect(group.heartbeat({ memberId: "unknown", groupInstanceId: null }, 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(group.state).toBe(GroupState.stable);
    expect(group.generationId).toBe(1);
    expect(group.members.size).toBe(2);
  });
});

describe("ClassicGroup static membership", () => {
  async function stableStatic() {
    fixture = await groupFixture();
    const group = classic(fixture.coordinator, "s");
    const joining = Promise.all(["i1", "i2"].map((instance) => group.join(joinParams({ groupInstanceId: instance, clientId: instance }))));
    await fixture.scheduler.advance(2 * testInitialDelayMs);
    const joins = await joining;
    const leader = joins.find((join) => join.memberId === join.leader)!;
    const assignments = joins.map((join, index) => ({ memberId: join.memberId, assignment: new Uint8Array([index + 10]) }));
    await Promise.all(joins.map((join) => group.sync({ memberId: join.memberId, groupInstanceId: join.memberId.split("-")[0], generationId: 1, protocolType: null, protocolName: null, assignments: join === leader ? assignments : [] })));
    return { group, joins };
  }

  test("a restarted static member gets a new member id and its old assignment without a rebalance", async () => {
    const { group, joins } = await stableStatic();
    const follower = joins.find((join) => join.memberId !== join.leader)!;
    const instance = follower.memberId.split("-")[0];
    const rejoined = await group.join(joinParams({ groupInstanceId: instance, clientId: instance }));
    expect(rejoined.errorCode).toBe(ErrorCode.NONE);
    expect(rejoined.memberId).not.toBe(follower.memberId);
    expect(rejoined.generationId).toBe(1);
    expect(group.state).toBe(GroupState.stable);
    const synced = await group.sync({ memberId: rejoined.memberId, groupInstanceId: instance, generationId: 1, protocolType: null, protocolName: null, assignments: [] });
    expect([...synced.assignment]).toEqual([joins.indexOf(follower) + 10]);
    // The other member never saw a rebalance.
    expect(group.heartbeat({ memberId: follower.leader, groupInstanceId: null }, 1)).toBe(ErrorCode.NONE);
    // The old member id is fenced.
    expect(group.heartbeat({ memberId: follower.memberId, groupInstanceId: instance }, 1)).toBe(ErrorCode.FENCED_INSTANCE_ID);
  });
});
