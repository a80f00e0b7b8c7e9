import { describe, expect, test } from "bun:test";
import { ClassicGroupStore, storedMembers, toStoredGroup, type ClassicGroupSnapshot } from "../../../src/engine/groups/classic-group-store.ts";
import type { ClassicMember } from "../../../src/engine/groups/classic-member.ts";
import { silentLogger } from "../../../src/logger.ts";

function member(memberId: string, groupInstanceId: string | null): ClassicMember {
  return {
    memberId, groupInstanceId, clientId: "client", clientHost: "/10.0.0.1", sessionTimeoutMs: 6000, rebalanceTimeoutMs: 30_000, protocolType: "consumer",
    protocols: [{ name: "range", metadata: new Uint8Array([1, 2]) }, { name: "roundrobin", metadata: new Uint8Array([3]) }],
    assignment: new Uint8Array([9, 9]), awaitingJoin: null, awaitingSync: null,
  };
}

function snapshot(members: ClassicMember[]): ClassicGroupSnapshot {
  return { groupId: "g", protocolType: "consumer", protocolName: "range", generationId: 4, leaderId: members[0]?.memberId ?? null, emptySinceMs: 123, members: new Map(members.map((entry) => [entry.memberId, entry])) };
}

describe("toStoredGroup and storedMembers", () => {
  test("a group's record keeps each member's chosen protocol metadata and assignment; reading it back gives the same members", () => {
    const stored = toStoredGroup(snapshot([member("a", null), member("b", "static-b")]));
    expect(stored).toMatchObject({ kind: "classic", protocolType: "consumer", protocolName: "range", generation: 4, leader: "a", emptySinceMs: -1 });
    const [a, b] = storedMembers(stored);
    expect(a).toMatchObject({ memberId: "a", groupInstanceId: null, sessionTimeoutMs: 6000, rebalanceTimeoutMs: 30_000, protocolType: "consumer", awaitingJoin: null });
    expect(a.protocols).toEqual([{ name: "range", metadata: new Uint8Array([1, 2]) }]);
    expect([...a.assignment]).toEqual([9, 9]);
    expect(b.groupInstanceId).toBe("static-b");
  });

  test("an empty group keeps when it became empty, and resumes no members", () => {
    const stored = toStoredGroup({ ...snapshot([]), protocolName: null, leaderId: null });
    expect(stored.emptySinceMs).toBe(123);
    expect(storedMembers(stored)).toEqual([]);
    expect(storedMembers({ ...toStoredGroup(snapshot([member("a", null)])), protocolName: null })).toEqual([]);
  });
});

describe("ClassicGroupStore", () => {
  test("storeAssignment says whether the write became durable; storeInBackground swallows a failure", async () => {
    const group = snapshot([member("a", null)]);
    const ok = new ClassicGroupStore<ClassicGroupSnapshot>(async () => {}, silentLogger);
    expect(await ok.storeAssignment(group)).toBe(true);
    let attempts = 0;
    const failing = new ClassicGroupStore<ClassicGroupSnapshot>(async () => {
      attempts++;
      throw new Error("disk full");
    }, silentLogger);
    expect(await failing.storeAssignment(group)).toBe(false);
    failing.storeInBackground(group);
    await Promise.resolve();
    expect(attempts).toBe(2);
  });
});
