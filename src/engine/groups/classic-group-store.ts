// A classic group's persistence: the record it writes to the group log (__consumer_offsets'
// GroupMetadataValue as StoredGroup), writing it through the coordinator's store hook, and the
// members read back from it after a restart.

import type { Logger } from "../../logger.ts";
import { base64ToBytes, bytesToBase64, type StoredGroup } from "./group-records.ts";
import { type ClassicMember, noBytes } from "./classic-member.ts";

/** What of a group its record holds. */
export interface ClassicGroupSnapshot {
  readonly groupId: string;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly generationId: number;
  readonly leaderId: string | null;
  readonly emptySinceMs: number;
  readonly members: ReadonlyMap<string, ClassicMember>;
}

export function toStoredGroup(group: ClassicGroupSnapshot): StoredGroup {
  return {
    kind: "classic",
    protocolType: group.protocolType,
    protocolName: group.protocolName,
    generation: group.generationId,
    leader: group.leaderId,
    emptySinceMs: group.members.size === 0 ? group.emptySinceMs : -1,
    members: [...group.members.values()].map((member) => ({
      memberId: member.memberId,
      groupInstanceId: member.groupInstanceId,
      clientId: member.clientId,
      clientHost: member.clientHost,
      sessionTimeoutMs: member.sessionTimeoutMs,
      rebalanceTimeoutMs: member.rebalanceTimeoutMs,
      subscription: bytesToBase64(member.protocols.find((protocol) => protocol.name === group.protocolName)?.metadata ?? noBytes),
      assignment: bytesToBase64(member.assignment),
    })),
  };
}

/**
 * The members a stored group can resume with, each with the one protocol it was using; empty
 * when it cannot resume (no members, or no protocol chosen).
 */
export function storedMembers(stored: StoredGroup): ClassicMember[] {
  const protocolName = stored.protocolName;
  if (stored.members.length === 0 || protocolName === null) return [];
  return stored.members.map((entry) => ({
    memberId: entry.memberId,
    groupInstanceId: entry.groupInstanceId,
    clientId: entry.clientId,
    clientHost: entry.clientHost,
    sessionTimeoutMs: entry.sessionTimeoutMs,
    rebalanceTimeoutMs: entry.rebalanceTimeoutMs,
    protocolType: stored.protocolType ?? "",
    protocols: [{ name: protocolName, metadata: base64ToBytes(entry.subscription) }],
    assignment: base64ToBytes(entry.assignment),
    awaitingJoin: null,
    awaitingSync: null,
  }));
}

/** Writes a group's record through the coordinator's hook, which resolves once it is durable. */
export class ClassicGroupStore<Group extends ClassicGroupSnapshot> {
  readonly #store: (group: Group) => Promise<void>;
  readonly #logger: Logger;

  constructor(store: (group: Group) => Promise<void>, logger: Logger) {
    this.#store = store;
    this.#logger = logger;
  }

  /** Writes the group without waiting: a failure is logged, the group in memory stays as it is. */
  storeInBackground(group: Group): void {
    this.#store(group).catch((error) => this.#logger.error("Cannot store group", { group: group.groupId, error }));
  }

  /** Writes the group with a new assignment; whether it became durable (a failure is logged). */
  async storeAssignment(group: Group): Promise<boolean> {
    const generationId = group.generationId;
    try {
      await this.#store(group);
      return true;
    } catch (error) {
      this.#logger.error("Cannot store group assignment", { group: group.groupId, generation: generationId, error });
      return false;
    }
  }
}
