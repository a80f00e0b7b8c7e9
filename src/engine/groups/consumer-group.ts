// One KIP-848 consumer group: members only send ConsumerGroupHeartbeat; the coordinator
// computes the target assignment with a server-side assignor and moves each member towards it.
//
// The group epoch grows whenever membership, subscriptions or subscribed topics' partition
// counts change; the target assignment is recomputed for it. A member first gives up the
// partitions it must lose (its epoch stays until its heartbeat no longer lists them), then
// takes its target epoch and the target partitions no other member still holds.

import { randomUUID } from "node:crypto";
import { ErrorCode } from "../../protocol/errors.ts";
import type { Logger } from "../../logger.ts";
import type { TopicRegistry } from "../topic-registry.ts";
import { type AssignorTopic, defaultServerAssignor, serverAssignors, type TargetAssignment } from "./assignors.ts";
import type { MemberIdentity } from "./classic-group.ts";
import type { StoredConsumerMember, StoredGroup, StoredPartitions } from "./group-records.ts";
import type { Scheduler } from "./scheduler.ts";

export const ConsumerGroupState = {
  empty: "Empty",
  assigning: "Assigning",
  reconciling: "Reconciling",
  stable: "Stable",
  dead: "Dead",
} as const;
export type ConsumerGroupState = (typeof ConsumerGroupState)[keyof typeof ConsumerGroupState];

/** Member epochs with a meaning of their own in ConsumerGroupHeartbeat. */
export const MemberEpoch = { join: 0, leave: -1, leaveStatic: -2 } as const;

type Partitions = Map<string, Set<number>>;

export interface ConsumerMember {
  memberId: string;
  instanceId: string | null;
  rackId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  subscribedTopicNames: string[];
  subscribedTopicRegex: string | null;
  serverAssignor: string | null;
  memberEpoch: number;
  previousMemberEpoch: number;
  /** What the member was told it owns. */
  assigned: Partitions;
  /** Taken away but not yet confirmed released by the member's heartbeat. */
  revoking: Partitions;
  lastSentAssignment: string | null;
  cancelSession: (() => void) | null;
  cancelRevocation: (() => void) | null;
}

export interface ConsumerHeartbeat {
  memberId: string;
  memberEpoch: number;
  instanceId: string | null;
  rackId: string | null;
  rebalanceTimeoutMs: number;
  subscribedTopicNames: string[] | null;
  subscribedTopicRegex: string | null;
  serverAssignor: string | null;
  /** Partitions the member owns; null when unchanged since its last heartbeat. */
  ownedPartitions: { topicId: string; partitions: number[] }[] | null;
  clientId: string;
  clientHost: string;
  /** v1+: the client chooses its member id. */
  clientChoosesMemberId: boolean;
}

export interface ConsumerHeartbeatResult {
  errorCode: number;
  errorMessage: string | null;
  memberId: string | null;
  memberEpoch: number;
  heartbeatIntervalMs: number;
  /** null when the member's assignment did not change. */
  assignment: { topicId: string; partitions: number[] }[] | null;
}

export interface ConsumerGroupHooks {
  scheduler: Scheduler;
  logger: Logger;
  topics: TopicRegistry;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  store(group: ConsumerGroup): Promise<void>;
  onEmpty(group: ConsumerGroup): void;
}

function toList(partitions: Partitions): { topicId: string; partitions: number[] }[] {
  return [...partitions]
    .filter(([, set]) => set.size > 0)
    .map(([topicId, set]) => ({ topicId, partitions: [...set].sort((a, b) => a - b) }))
    .sort((a, b) => (a.topicId < b.topicId ? -1 : 1));
}

function toStoredPartitions(partitions: Partitions | ReadonlyMap<string, readonly number[]>): StoredPartitions {
  return [...partitions].filter(([, set]) => [...set].length > 0).map(([topicId, set]) => [topicId, [...set].sort((a, b) => a - b)]);
}

function fromStoredPartitions(stored: StoredPartitions): Partitions {
  return new Map(stored.map(([topicId, partitions]) => [topicId, new Set(partitions)]));
}

function has(partitions: Partitions, topicId: string, partition: number): boolean {
  return partitions.get(topicId)?.has(partition) ?? false;
}

function add(partitions: Partitions, topicId: string, partition: number): void {
  const set = partitions.get(topicId) ?? new Set<number>();
  set.add(partition);
  partitions.set(topicId, set);
}

export class ConsumerGroup {
  readonly groupId: string;
  readonly members = new Map<string, ConsumerMember>();
  groupEpoch = 0;
  assignmentEpoch = 0;
  emptySinceMs: number;
  #dead = false;
  #target: TargetAssignment = new Map();
  #topicsSignature = "";
  /** The JSON of the last state handed to the group log, so unchanged heartbeats write nothing. */
  #storedSignature = "";
  readonly #hooks: ConsumerGroupHooks;

  constructor(groupId: string, hooks: ConsumerGroupHooks) {
    this.groupId = groupId;
    this.#hooks = hooks;
    this.emptySinceMs = hooks.scheduler.now();
  }

  get state(): ConsumerGroupState {
    if (this.#dead) return ConsumerGroupState.dead;
    if (this.members.size === 0) return ConsumerGroupState.empty;
    if (this.assignmentEpoch < this.groupEpoch) return ConsumerGroupState.assigning;
    for (const member of this.members.values()) {
      if (member.memberEpoch !== this.assignmentEpoch || member.revoking.size > 0) return ConsumerGroupState.reconciling;
    }
    return ConsumerGroupState.stable;
  }

  /** The assignor most members asked for, or the default. */
  get assignorName(): string {
    const votes = new Map<string, number>();
    for (const member of this.members.values()) if (member.serverAssignor) votes.set(member.serverAssignor, (votes.get(member.serverAssignor) ?? 0) + 1);
    let best = defaultServerAssignor;
    let bestVotes = 0;
    for (const [name, count] of votes) if (count > bestVotes) [best, bestVotes] = [name, count];
    return best;
  }

  targetOf(memberId: string): { topicId: string; partitions: number[] }[] {
    return [...(this.#target.get(memberId) ?? [])].map(([topicId, partitions]) => ({ topicId, partitions }));
  }

  /**
   * Joins, heartbeats or leaves; answers once any change to the group's membership, epochs or
   * assignments is durable in the group log (as Kafka writes its records before answering).
   */
  async heartbeat(request: ConsumerHeartbeat): Promise<ConsumerHeartbeatResult> {
    const result = this.#heartbeat(request);
    await this.#persist();
    return result;
  }

  #heartbeat(request: ConsumerHeartbeat): ConsumerHeartbeatResult {
    if (this.#dead) return this.#error(ErrorCode.COORDINATOR_NOT_AVAILABLE, "The group is being deleted", request);
    if (request.serverAssignor !== null && !serverAssignors.has(request.serverAssignor)) {
      return this.#error(ErrorCode.UNSUPPORTED_ASSIGNOR, `Assignor "${request.serverAssignor}" is not supported: use "uniform" or "range"`, request);
    }
    if (request.memberEpoch === MemberEpoch.leave || request.memberEpoch === MemberEpoch.leaveStatic) return this.#leave(request);
    let member: ConsumerMember;
    if (request.memberEpoch === MemberEpoch.join) {
      const joined = this.#join(request);
      if ("errorCode" in joined) return joined;
      member = joined;
    } else {
      const existing = this.members.get(request.memberId);
      if (!existing) return this.#error(ErrorCode.UNKNOWN_MEMBER_ID, `Member "${request.memberId}" is not in the group`, request);
      const ownsSame = request.ownedPartitions === null || request.ownedPartitions.every(({ topicId, partitions }) => partitions.every((p) => has(existing.assigned, topicId, p)));
      const epochOk = request.memberEpoch === existing.memberEpoch || (request.memberEpoch === existing.previousMemberEpoch && ownsSame);
      if (!epochOk) return this.#error(ErrorCode.FENCED_MEMBER_EPOCH, `Member epoch ${request.memberEpoch} is not the current epoch ${existing.memberEpoch}`, request);
      member = existing;
      this.#updateSubscription(member, request);
    }
    this.#scheduleSession(member);
    this.#maybeComputeTarget();
    this.#reconcile(member, request.ownedPartitions);
    const assignment = toList(member.assigned);
    const assignmentKey = JSON.stringify(assignment);
    const changed = assignmentKey !== member.lastSentAssignment || request.memberEpoch === MemberEpoch.join;
    member.lastSentAssignment = assignmentKey;
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      memberId: member.memberId,
      memberEpoch: member.memberEpoch,
      heartbeatIntervalMs: this.#hooks.heartbeatIntervalMs,
      assignment: changed ? assignment : null,
    };
  }

  #error(errorCode: number, errorMessage: string, request: ConsumerHeartbeat): ConsumerHeartbeatResult {
    return { errorCode, errorMessage, memberId: request.memberId || null, memberEpoch: request.memberEpoch, heartbeatIntervalMs: 0, assignment: null };
  }

  #join(request: ConsumerHeartbeat): ConsumerMember | ConsumerHeartbeatResult {
    if (request.clientChoosesMemberId && request.memberId === "") return this.#error(ErrorCode.INVALID_REQUEST, "Member id must be set from version 1", request);
    if (request.subscribedTopicNames === null && request.subscribedTopicRegex === null) {
      return this.#error(ErrorCode.INVALID_REQUEST, "A joining member must send its subscribed topics", request);
    }
    if (request.subscribedTopicRegex !== null) {
      return this.#error(ErrorCode.INVALID_REQUEST, "Regular expression subscriptions are not supported: subscribe to topic names", request);
    }
    const memberId = request.memberId || randomUUID();
    if (request.instanceId !== null) {
      const holder = [...this.members.values()].find((other) => other.instanceId === request.instanceId && other.memberId !== memberId);
      if (holder) return this.#error(ErrorCode.UNRELEASED_INSTANCE_ID, `Instance id "${request.instanceId}" is held by member "${holder.memberId}"`, request);
    }
    const existing = this.members.get(memberId);
    if (existing) this.#removeMember(existing, "rejoined with epoch 0");
    const member: ConsumerMember = {
      memberId,
      instanceId: request.instanceId,
      rackId: request.rackId,
      clientId: request.clientId,
      clientHost: request.clientHost,
      rebalanceTimeoutMs: request.rebalanceTimeoutMs,
      subscribedTopicNames: [...request.subscribedTopicNames!].sort(),
      subscribedTopicRegex: null,
      serverAssignor: request.serverAssignor,
      memberEpoch: 0,
      previousMemberEpoch: -1,
      assigned: new Map(),
      revoking: new Map(),
      lastSentAssignment: null,
      cancelSession: null,
      cancelRevocation: null,
    };
    this.members.set(memberId, member);
    this.emptySinceMs = -1;
    this.groupEpoch++;
    this.#hooks.logger.info("Member joined consumer group", { group: this.groupId, member: memberId, groupEpoch: this.groupEpoch });
    return member;
  }

  #updateSubscription(member: ConsumerMember, request: ConsumerHeartbeat): void {
    let changed = false;
    if (request.subscribedTopicNames !== null) {
      const topics = [...request.subscribedTopicNames].sort();
      if (topics.join("\u0000") !== member.subscribedTopicNames.join("\u0000")) {
        member.subscribedTopicNames = topics;
        changed = true;
      }
    }
    if (request.serverAssignor !== null && request.serverAssignor !== member.serverAssignor) {
      member.serverAssignor = request.serverAssignor;
      changed = true;
    }
    if (request.rebalanceTimeoutMs > 0) member.rebalanceTimeoutMs = request.rebalanceTimeoutMs;
    if (changed) this.groupEpoch++;
  }

  #leave(request: ConsumerHeartbeat): ConsumerHeartbeatResult {
    const member = this.members.get(request.memberId);
    if (!member) return this.#error(ErrorCode.UNKNOWN_MEMBER_ID, `Member "${request.memberId}" is not in the group`, request);
    this.#removeMember(member, "left the group");
    return { errorCode: ErrorCode.NONE, errorMessage: null, memberId: member.memberId, memberEpoch: request.memberEpoch, heartbeatIntervalMs: 0, assignment: null };
  }

  #removeMember(member: ConsumerMember, reason: string): void {
    member.cancelSession?.();
    member.cancelRevocation?.();
    this.members.delete(member.memberId);
    this.#target.delete(member.memberId);
    this.groupEpoch++;
    this.#hooks.logger.info("Member removed from consumer group", { group: this.groupId, member: member.memberId, reason, groupEpoch: this.groupEpoch });
    if (this.members.size === 0) this.emptySinceMs = this.#hooks.scheduler.now();
    // Timers remove members outside any request: nobody waits for this write, so it only logs a failure.
    this.#persist().catch((error) => this.#hooks.logger.error("Cannot store group", { group: this.groupId, error }));
    if (this.members.size === 0) this.#hooks.onEmpty(this);
  }

  /** Writes the group to the group log when its stored form changed since the last write. */
  async #persist(): Promise<void> {
    if (this.#dead) return;
    const signature = JSON.stringify(this.toStored());
    if (signature === this.#storedSignature) return;
    this.#storedSignature = signature;
    await this.#hooks.store(this);
  }

  #scheduleSession(member: ConsumerMember): void {
    member.cancelSession?.();
    member.cancelSession = this.#hooks.scheduler.schedule(this.#hooks.sessionTimeoutMs, () => {
      if (this.members.get(member.memberId) === member) this.#removeMember(member, "session timeout");
    });
  }

  /** The subscribed topics that exist, with ids and partition counts. */
  #subscribedTopics(): AssignorTopic[] {
    const names = new Set<string>();
    for (const member of this.members.values()) for (const name of member.subscribedTopicNames) names.add(name);
    const topics: AssignorTopic[] = [];
    for (const name of [...names].sort()) {
      const topic = this.#hooks.topics.get(name);
      if (topic) topics.push({ name, topicId: topic.meta.topicId, partitionCount: topic.partitions.length });
    }
    return topics;
  }

  #maybeComputeTarget(): void {
    const topics = this.#subscribedTopics();
    const signature = JSON.stringify(topics);
    if (signature !== this.#topicsSignature) {
      this.#topicsSignature = signature;
      this.groupEpoch++;
    }
    if (this.assignmentEpoch === this.groupEpoch) return;
    const assignor = serverAssignors.get(this.assignorName) ?? serverAssignors.get(defaultServerAssignor)!;
    const members = [...this.members.values()].map((member) => ({
      memberId: member.memberId,
      subscribedTopics: member.subscribedTopicNames,
      current: member.assigned,
    }));
    this.#target = assignor(members, topics);
    this.assignmentEpoch = this.groupEpoch;
  }

  /** Moves the member one step towards its target: revoke first, then take free target partitions. */
  #reconcile(member: ConsumerMember, owned: ConsumerHeartbeat["ownedPartitions"]): void {
    if (owned !== null) {
      const ownedNow: Partitions = new Map();
      for (const { topicId, partitions } of owned) for (const partition of partitions) add(ownedNow, topicId, partition);
      for (const [topicId, partitions] of member.revoking) {
        for (const partition of partitions) if (!has(ownedNow, topicId, partition)) partitions.delete(partition);
        if (partitions.size === 0) member.revoking.delete(topicId);
      }
    }
    const target = this.#target.get(member.memberId) ?? new Map<string, number[]>();
    for (const [topicId, partitions] of member.assigned) {
      const keep = new Set(target.get(topicId) ?? []);
      for (const partition of partitions) {
        if (keep.has(partition)) continue;
        partitions.delete(partition);
        add(member.revoking, topicId, partition);
      }
      if (partitions.size === 0) member.assigned.delete(topicId);
    }
    if (member.revoking.size > 0) {
      this.#scheduleRevocationTimeout(member);
      return;
    }
    member.cancelRevocation?.();
    member.cancelRevocation = null;
    for (const [topicId, partitions] of target) {
      for (const partition of partitions) if (!this.#heldByOther(member, topicId, partition)) add(member.assigned, topicId, partition);
    }
    if (member.memberEpoch !== this.assignmentEpoch) {
      member.previousMemberEpoch = member.memberEpoch;
      member.memberEpoch = this.assignmentEpoch;
    }
  }

  #heldByOther(member: ConsumerMember, topicId: string, partition: number): boolean {
    for (const other of this.members.values()) {
      if (other !== member && (has(other.assigned, topicId, partition) || has(other.revoking, topicId, partition))) return true;
    }
    return false;
  }

  /** A member that keeps partitions it was told to give up past its rebalance timeout is removed. */
  #scheduleRevocationTimeout(member: ConsumerMember): void {
    if (member.cancelRevocation) return;
    const timeoutMs = member.rebalanceTimeoutMs > 0 ? member.rebalanceTimeoutMs : this.#hooks.sessionTimeoutMs;
    member.cancelRevocation = this.#hooks.scheduler.schedule(timeoutMs, () => {
      member.cancelRevocation = null;
      if (this.members.get(member.memberId) === member && member.revoking.size > 0) this.#removeMember(member, "revocation timeout");
    });
  }

  commitProblem(identity: MemberIdentity, memberEpoch: number): number {
    if (this.#dead) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (memberEpoch < 0 && identity.memberId === "" && this.members.size === 0) return ErrorCode.NONE;
    const member = this.members.get(identity.memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (memberEpoch > member.memberEpoch) return ErrorCode.FENCED_MEMBER_EPOCH;
    if (memberEpoch < member.memberEpoch) return ErrorCode.STALE_MEMBER_EPOCH;
    return ErrorCode.NONE;
  }

  markDead(): void {
    this.close();
    this.#dead = true;
  }

  close(): void {
    for (const member of this.members.values()) {
      member.cancelSession?.();
      member.cancelRevocation?.();
    }
  }

  toStored(): StoredGroup {
    return {
      kind: "consumer",
      protocolType: "consumer",
      protocolName: null,
      generation: this.groupEpoch,
      leader: null,
      emptySinceMs: this.members.size === 0 ? this.emptySinceMs : -1,
      members: [],
      consumer: { assignmentEpoch: this.assignmentEpoch, members: [...this.members.values()].map((member) => this.#storeMember(member)) },
    };
  }

  #storeMember(member: ConsumerMember): StoredConsumerMember {
    return {
      memberId: member.memberId,
      instanceId: member.instanceId,
      rackId: member.rackId,
      clientId: member.clientId,
      clientHost: member.clientHost,
      rebalanceTimeoutMs: member.rebalanceTimeoutMs,
      subscribedTopicNames: member.subscribedTopicNames,
      serverAssignor: member.serverAssignor,
      memberEpoch: member.memberEpoch,
      previousMemberEpoch: member.previousMemberEpoch,
      assigned: toStoredPartitions(member.assigned),
      revoking: toStoredPartitions(member.revoking),
      target: toStoredPartitions(this.#target.get(member.memberId) ?? new Map()),
    };
  }

  /**
   * Restores the group after a restart, members included (as Kafka replays its consumer group
   * records): members carry on with their epochs and assignments, their sessions start again
   * from now, and those that do not heartbeat expire as usual.
   */
  restore(stored: StoredGroup): void {
    this.groupEpoch = stored.generation;
    this.assignmentEpoch = stored.consumer?.assignmentEpoch ?? stored.generation;
    this.emptySinceMs = stored.emptySinceMs >= 0 ? stored.emptySinceMs : this.#hooks.scheduler.now();
    for (const entry of stored.consumer?.members ?? []) {
      const member: ConsumerMember = {
        memberId: entry.memberId,
        instanceId: entry.instanceId,
        rackId: entry.rackId,
        clientId: entry.clientId,
        clientHost: entry.clientHost,
        rebalanceTimeoutMs: entry.rebalanceTimeoutMs,
        subscribedTopicNames: entry.subscribedTopicNames,
        subscribedTopicRegex: null,
        serverAssignor: entry.serverAssignor,
        memberEpoch: entry.memberEpoch,
        previousMemberEpoch: entry.previousMemberEpoch,
        assigned: fromStoredPartitions(entry.assigned),
        revoking: fromStoredPartitions(entry.revoking),
        lastSentAssignment: null,
        cancelSession: null,
        cancelRevocation: null,
      };
      member.lastSentAssignment = JSON.stringify(toList(member.assigned));
      this.members.set(member.memberId, member);
      this.#target.set(member.memberId, new Map(entry.target));
      this.#scheduleSession(member);
      if (member.revoking.size > 0) this.#scheduleRevocationTimeout(member);
    }
    if (this.members.size > 0) {
      this.emptySinceMs = -1;
      this.#topicsSignature = JSON.stringify(this.#subscribedTopics());
    }
    this.#storedSignature = JSON.stringify(this.toStored());
  }
}
