// Requests for the classic group handlers, and a Stable group built through the handlers themselves
// (JoinGroup then SyncGroup), for the group handler tests. Time moves only on the fixture's ManualScheduler.

import { handleJoinGroup } from "../../../src/engine/handlers/join-group.ts";
import { handleSyncGroup } from "../../../src/engine/handlers/sync-group.ts";
import { encodeSubscription } from "../../../src/protocol/consumer-protocol.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import type { JoinGroupRequest, JoinGroupResponse } from "../../../src/protocol/messages/join-group.ts";
import type { GroupFixture } from "../groups/group-fixture.ts";
import { testInitialDelayMs, testSessionTimeoutMs } from "../groups/group-fixture.ts";

export function joinRequest(groupId: string, overrides: Partial<JoinGroupRequest> = {}): JoinGroupRequest {
  return {
    groupId,
    sessionTimeoutMs: testSessionTimeoutMs,
    rebalanceTimeoutMs: 10_000,
    memberId: "",
    groupInstanceId: null,
    protocolType: "consumer",
    protocols: [{ name: "range", metadata: encodeSubscription(["orders"]) }],
    reason: null,
    ...overrides,
  };
}

export interface StableGroup {
  generationId: number;
  leader: string;
  follower: string;
  /** Each member's assignment bytes, as the leader sent them. */
  assignments: Map<string, Uint8Array>;
}

/**
 * Two dynamic members (client ids "a" and "b") join `groupId` through JoinGroup v3 (no member id
 * round trip) and sync through SyncGroup: generation 1, Stable.
 */
export async function stableGroup(fixture: GroupFixture, groupId: string, topics: string[] = ["orders"]): Promise<StableGroup> {
  const join = (clientId: string) => handleJoinGroup(joinRequest(groupId, { protocols: [{ name: "range", metadata: encodeSubscription(topics) }] }), fixture.ctx(3, { clientId }));
  const joins = Promise.all([join("a"), join("b")]);
  await fixture.scheduler.advance(2 * testInitialDelayMs);
  const [a, b] = (await joins) as JoinGroupResponse[];
  if (a.errorCode !== ErrorCode.NONE || b.errorCode !== ErrorCode.NONE) throw new Error(`Joins failed: ${a.errorCode} ${b.errorCode}`);
  const leader = a.leader;
  const follower = leader === a.memberId ? b.memberId : a.memberId;
  const assignments = new Map([
    [leader, new Uint8Array([1, 2, 3])],
    [follower, new Uint8Array([4])],
  ]);
  const sync = (memberId: string, send: boolean) =>
    handleSyncGroup(
      {
        groupId,
        generationId: a.generationId!,
        memberId,
        groupInstanceId: null,
        protocolType: "consumer",
        protocolName: "range",
        assignments: send ? [...assignments].map(([id, assignment]) => ({ memberId: id, assignment })) : [],
      },
      fixture.ctx(5),
    );
  const synced = await Promise.all([sync(leader, true), sync(follower, false)]);
  if (synced.some((response) => response!.errorCode !== ErrorCode.NONE)) throw new Error("Syncs failed");
  return { generationId: a.generationId!, leader, follower, assignments };
}

/** Makes every later write to `__consumer_offsets` fail, as a full disk would; returns the undo. */
export function failGroupLogWrites(fixture: GroupFixture): () => void {
  const log = fixture.backend.logs.get("__consumer_offsets/0");
  if (!log) throw new Error("__consumer_offsets is not open");
  const append = log.append;
  log.append = () => Promise.reject(new Error("No space left on device"));
  return () => {
    log.append = append;
  };
}
