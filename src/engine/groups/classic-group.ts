// One classic consumer group (JoinGroup/SyncGroup/Heartbeat/LeaveGroup), as Kafka's
// GroupCoordinator runs it:
//
//   Empty ──join──▶ PreparingRebalance ──all joined / rebalance timeout──▶ CompletingRebalance
//     ▲                 ▲        │                                               │ leader's SyncGroup
//     └─ last member ───┘        └──────── no member rejoined ──▶ Empty          ▼
//        leaves/expires          ◀──── join, leave, session expiry ──────────  Stable
//
// Dead is terminal (the group was deleted or expired). This file holds the rules; the members'
// data and protocol choice are classic-member.ts, the timers classic-group-timers.ts, and the
// record written to the group log classic-group-store.ts.

import { ErrorCode } from "../../protocol/errors.ts";
import type { Logger } from "../../logger.ts";
import type { Scheduler } from "./scheduler.ts";
import type { StoredGroup } from "./group-records.ts";
import { ClassicGroupStore, storedMembers, toStoredGroup } from "./classic-group-store.ts";
import { ClassicGroupTimers } from "./classic-group-timers.ts";
import {
  candidateProtocols,
  type ClassicMember,
  type JoinParams,
  type JoinResult,
  joinError,
  type MemberIdentity,
  noBytes,
  sameProtocols,
  selectProtocol,
  syncError,
  type SyncParams,
  type SyncResult,
} from "./classic-member.ts";

export type { ClassicMember, JoinParams, JoinResult, MemberIdentity, ProtocolMetadata, SyncParams, SyncResult } from "./classic-member.ts";

export const GroupState = {
  empty: "Empty",
  preparingRebalance: "PreparingRebalance",
  completingRebalance: "CompletingRebalance",
  stable: "Stable",
  dead: "Dead",
} as const;
export type GroupState = (typeof GroupState)[keyof typeof GroupState];

export interface ClassicGroupHooks {
  scheduler: Scheduler;
  logger: Logger;
  initialRebalanceDelayMs: number;
  newMemberId(clientId: string): string;
  /** Persists the group; resolves once durable. */
  store(group: ClassicGroup): Promise<void>;
  /** The group just became Empty: offset expiry may start counting. */
  onEmpty(group: ClassicGroup): void;
}

export class ClassicGroup {
  readonly groupId: string;
  state: GroupState = GroupState.empty;
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  /** When the group last became Empty (drives offset expiry); -1 while it has members. */
  emptySinceMs: number;
  readonly members = new Map<string, ClassicMember>();
  /** group.instance.id → the member id currently holding it. */
  readonly staticMembers = new Map<string, string>();
  readonly #hooks: ClassicGroupHooks;
  readonly #timers: ClassicGroupTimers;
  readonly #store: ClassicGroupStore<ClassicGroup>;

  constructor(groupId: string, hooks: ClassicGroupHooks) {
    this.groupId = groupId;
    this.#hooks = hooks;
    this.#timers = new ClassicGroupTimers(hooks.scheduler, hooks.initialRebalanceDelayMs);
    this.#store = new ClassicGroupStore(hooks.store, hooks.logger);
    this.emptySinceMs = this.#timers.now();
  }

  // ---- JoinGroup ----

  /** Checks that a joining member can speak the group's protocol; an error code or NONE. */
  protocolProblem(params: JoinParams): number {
    if (params.protocolType === "" || params.protocols.length === 0) return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
    if (this.members.size === 0) return ErrorCode.NONE;
    if (params.protocolType !== this.protocolType) return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
    const supported = candidateProtocols(this.members);
    return params.protocols.some((protocol) => supported.has(protocol.name)) ? ErrorCode.NONE : ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
  }

  join(params: JoinParams): Promise<JoinResult> {
    if (this.state === GroupState.dead) return Promise.resolve(joinError(params.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
    const problem = this.protocolProblem(params);
    if (problem !== ErrorCode.NONE) return Promise.resolve(joinError(params.memberId, problem));
    if (params.memberId === "") return this.#joinUnknownMember(params);
    return this.#joinKnownMember(params);
  }

  #joinUnknownMember(params: JoinParams): Promise<JoinResult> {
    const memberId = this.#hooks.newMemberId(params.clientId);
    if (params.groupInstanceId !== null) {
      const oldMemberId = this.staticMembers.get(params.groupInstanceId);
      if (oldMemberId !== undefined && this.members.has(oldMemberId)) return this.#rejoinStaticMember(oldMemberId, memberId, params);
      return this.#addMemberAndRebalance(memberId, params);
    }
    if (params.requireKnownMemberId) {
      this.#timers.holdPendingMember(memberId, params.sessionTimeoutMs);
      return Promise.resolve(joinError(memberId, ErrorCode.MEMBER_ID_REQUIRED));
    }
    return this.#addMemberAndRebalance(memberId, params);
  }

  #joinKnownMember(params: JoinParams): Promise<JoinResult> {
    const { memberId } = params;
    if (this.#timers.releasePendingMember(memberId)) return this.#addMemberAndRebalance(memberId, params);
    if (this.#isStaticMemberFenced(params)) return Promise.resolve(joinError(memberId, ErrorCode.FENCED_INSTANCE_ID));
    const member = this.members.get(memberId);
    if (!member) return Promise.resolve(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    switch (this.state) {
      case GroupState.preparingRebalance:
        return this.#updateMemberAndRebalance(member, params);
      case GroupState.completingRebalance:
        // The member lost its JoinGroup answer: send it again unless its protocols changed.
        if (sameProtocols(member.protocols, params.protocols)) return Promise.resolve(this.#joinResultFor(member));
        return this.#updateMemberAndRebalance(member, params);
      case GroupState.stable:
        if (memberId === this.leaderId || !sameProtocols(member.protocols, params.protocols)) return this.#updateMemberAndRebalance(member, params);
        return Promise.resolve(this.#joinResultFor(member));
      default:
        return Promise.resolve(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  #addMemberAndRebalance(memberId: string, params: JoinParams): Promise<JoinResult> {
    const member: ClassicMember = {
      memberId,
      groupInstanceId: params.groupInstanceId,
      clientId: params.clientId,
      clientHost: params.clientHost,
      sessionTimeoutMs: params.sessionTimeoutMs,
      rebalanceTimeoutMs: params.rebalanceTimeoutMs,
      protocolType: params.protocolType,
      protocols: params.protocols,
      assignment: noBytes,
      awaitingJoin: null,
      awaitingSync: null,
    };
    if (this.members.size === 0) this.protocolType = params.protocolType;
    this.members.set(memberId, member);
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, memberId);
    this.leaderId ??= memberId;
    this.emptySinceMs = -1;
    this.#timers.noteNewMember();
    const joined = new Promise<JoinResult>((resolve) => (member.awaitingJoin = resolve));
    this.#scheduleSession(member);
    this.#maybePrepareRebalance(`member "${memberId}" joined`);
    return joined;
  }

  #updateMemberAndRebalance(member: ClassicMember, params: JoinParams): Promise<JoinResult> {
    member.protocols = params.protocols;
    member.sessionTimeoutMs = params.sessionTimeoutMs;
    member.rebalanceTimeoutMs = params.rebalanceTimeoutMs;
    member.clientId = params.clientId;
    member.clientHost = params.clientHost;
    // A second JoinGroup while one is parked replaces it (the client gave up on the first).
    member.awaitingJoin?.(joinError(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS));
    const joined = new Promise<JoinResult>((resolve) => (member.awaitingJoin = resolve));
    this.#maybePrepareRebalance(`member "${member.memberId}" rejoined`);
    return joined;
  }

  /** KIP-345: a restarted static member takes over its old member id's place and assignment. */
  #rejoinStaticMember(oldMemberId: string, newMemberId: string, params: JoinParams): Promise<JoinResult> {
    const old = this.members.get(oldMemberId)!;
    this.#timers.stopSession(old);
    old.awaitingJoin?.(joinError(oldMemberId, ErrorCode.FENCED_INSTANCE_ID));
    old.awaitingSync?.(syncError(ErrorCode.FENCED_INSTANCE_ID));
    const member: ClassicMember = {
      ...old,
      memberId: newMemberId,
      clientId: params.clientId,
      clientHost: params.clientHost,
      sessionTimeoutMs: params.sessionTimeoutMs,
      rebalanceTimeoutMs: params.rebalanceTimeoutMs,
      protocols: params.protocols,
      awaitingJoin: null,
      awaitingSync: null,
    };
    this.members.delete(oldMemberId);
    this.members.set(newMemberId, member);
    this.staticMembers.set(params.groupInstanceId!, newMemberId);
    if (this.leaderId === oldMemberId) this.leaderId = newMemberId;
    const joined = new Promise<JoinResult>((resolve) => (member.awaitingJoin = resolve));
    this.#scheduleSession(member);
    if (this.state === GroupState.stable && selectProtocol(this.members) === this.protocolName) {
      // Nothing the assignment depends on changed: answer with the current generation, no rebalance.
      // The leader is told to skip assignment (v9), or recomputes one that a Stable SyncGroup ignores.
      const result = this.#joinResultFor(member);
      member.awaitingJoin = null;
      this.#store.storeInBackground(this);
      return Promise.resolve({ ...result, skipAssignment: member.memberId === this.leaderId });
    }
    if (this.state !== GroupState.preparingRebalance) this.#prepareRebalance(`static member "${params.groupInstanceId}" rejoined with changes`);
    else this.#tryCompleteJoin();
    return joined;
  }

  #joinResultFor(member: ClassicMember): JoinResult {
    const isLeader = member.memberId === this.leaderId;
    return {
      errorCode: ErrorCode.NONE,
      generationId: this.generationId,
      protocolType: this.protocolType,
      protocolName: this.protocolName,
      leader: this.leaderId ?? "",
      memberId: member.memberId,
      skipAssignment: false,
      members: isLeader ? this.#memberMetadata() : [],
    };
  }

  #memberMetadata(): JoinResult["members"] {
    return [...this.members.values()].map((member) => ({
      memberId: member.memberId,
      groupInstanceId: member.groupInstanceId,
      metadata: member.protocols.find((protocol) => protocol.name === this.protocolName)?.metadata ?? noBytes,
    }));
  }

  // ---- Rebalance ----

  #maybePrepareRebalance(reason: string): void {
    if (this.state === GroupState.preparingRebalance) this.#tryCompleteJoin();
    else if (this.state !== GroupState.dead) this.#prepareRebalance(reason);
  }

  #prepareRebalance(reason: string): void {
    if (this.state === GroupState.completingRebalance) this.#failPendingSyncs(ErrorCode.REBALANCE_IN_PROGRESS);
    const wasEmpty = this.state === GroupState.empty;
    this.state = GroupState.preparingRebalance;
    this.#hooks.logger.info("Preparing to rebalance group", { group: this.groupId, generation: this.generationId, reason });
    const delayed = this.#timers.startRebalance(this.#rebalanceTimeoutMs(), wasEmpty, () => this.#completeJoin());
    if (!delayed) this.#tryCompleteJoin();
  }

  #tryCompleteJoin(): void {
    if (this.state !== GroupState.preparingRebalance || this.#timers.delayingInitialRebalance) return;
    const allJoined = [...this.members.values()].every((member) => member.awaitingJoin !== null) && this.#timers.pendingMemberCount === 0;
    if (allJoined) this.#completeJoin();
  }

  #completeJoin(): void {
    this.#timers.stopRebalance();
    if (this.state !== GroupState.preparingRebalance) return;
    for (const member of [...this.members.values()]) {
      if (member.awaitingJoin === null) this.#removeMember(member);
    }
    if (this.leaderId === null || !this.members.has(this.leaderId)) this.leaderId = this.members.keys().next().value ?? null;
    this.generationId++;
    if (this.members.size === 0) {
      this.#becomeEmpty();
      return;
    }
    this.protocolName = selectProtocol(this.members);
    this.state = GroupState.completingRebalance;
    this.#hooks.logger.info("Group rebalanced", { group: this.groupId, generation: this.generationId, members: this.members.size, protocol: this.protocolName });
    for (const member of this.members.values()) {
      const respond = member.awaitingJoin!;
      member.awaitingJoin = null;
      this.#scheduleSession(member);
      respond(this.#joinResultFor(member));
    }
  }

  #becomeEmpty(): void {
    this.state = GroupState.empty;
    this.protocolName = null;
    this.leaderId = null;
    this.emptySinceMs = this.#timers.now();
    this.#store.storeInBackground(this);
    this.#hooks.onEmpty(this);
  }

  #failPendingSyncs(errorCode: number): void {
    for (const member of this.members.values()) {
      member.assignment = noBytes;
      const respond = member.awaitingSync;
      member.awaitingSync = null;
      respond?.(syncError(errorCode));
    }
  }

  #rebalanceTimeoutMs(): number {
    let timeoutMs = 0;
    for (const member of this.members.values()) timeoutMs = Math.max(timeoutMs, member.rebalanceTimeoutMs);
    return timeoutMs;
  }

  // ---- Sessions and leaving ----

  #scheduleSession(member: ClassicMember): void {
    this.#timers.startSession(member, () => this.#onSessionExpired(member));
  }

  #onSessionExpired(member: ClassicMember): void {
    if (this.members.get(member.memberId) !== member) return;
    // A member parked in JoinGroup is alive by definition; the rebalance timeout bounds it.
    if (member.awaitingJoin) {
      this.#scheduleSession(member);
      return;
    }
    this.#hooks.logger.info("Member session expired", { group: this.groupId, member: member.memberId, sessionTimeoutMs: member.sessionTimeoutMs });
    this.#removeMemberAndUpdate(member, "session timeout");
  }

  #removeMember(member: ClassicMember): void {
    this.#timers.stopSession(member);
    member.awaitingJoin?.(joinError(member.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    member.awaitingJoin = null;
    member.awaitingSync?.(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    member.awaitingSync = null;
    this.members.delete(member.memberId);
    if (member.groupInstanceId !== null && this.staticMembers.get(member.groupInstanceId) === member.memberId) {
      this.staticMembers.delete(member.groupInstanceId);
    }
    if (this.leaderId === member.memberId) {
      const next = [...this.members.values()].find((candidate) => candidate.awaitingJoin) ?? this.members.values().next().value;
      this.leaderId = next?.memberId ?? null;
    }
  }

  #removeMemberAndUpdate(member: ClassicMember, reason: string): void {
    this.#removeMember(member);
    if (this.state === GroupState.stable || this.state === GroupState.completingRebalance) {
      this.#prepareRebalance(`member "${member.memberId}" left: ${reason}`);
    } else if (this.state === GroupState.preparingRebalance) {
      this.#tryCompleteJoin();
    }
  }

  /** LeaveGroup: one error code per leaving member, in request order. */
  leave(leaving: readonly MemberIdentity[]): number[] {
    return leaving.map((identity) => {
      if (this.state === GroupState.dead) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
      let memberId = identity.memberId;
      if (identity.groupInstanceId !== null) {
        const current = this.staticMembers.get(identity.groupInstanceId);
        if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
        // An admin may remove a static member by instance id alone (empty member id).
        if (memberId !== "" && memberId !== current) return ErrorCode.FENCED_INSTANCE_ID;
        memberId = current;
      }
      if (this.#timers.releasePendingMember(memberId)) {
        this.#tryCompleteJoin();
        return ErrorCode.NONE;
      }
      const member = this.members.get(memberId);
      if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
      this.#hooks.logger.info("Member left group", { group: this.groupId, member: memberId });
      this.#removeMemberAndUpdate(member, "LeaveGroup");
      return ErrorCode.NONE;
    });
  }

  #isStaticMemberFenced(identity: MemberIdentity): boolean {
    if (identity.groupInstanceId === null) return false;
    const current = this.staticMembers.get(identity.groupInstanceId);
    return current !== undefined && current !== identity.memberId;
  }

  /** The error for a request from a member of a given generation, or NONE when it is current. */
  #memberProblem(identity: MemberIdentity, generationId: number): number {
    if (this.state === GroupState.dead) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (this.#isStaticMemberFenced(identity)) return ErrorCode.FENCED_INSTANCE_ID;
    if (!this.members.has(identity.memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== this.generationId) return ErrorCode.ILLEGAL_GENERATION;
    return ErrorCode.NONE;
  }

  // ---- SyncGroup, Heartbeat, OffsetCommit checks ----

  async sync(params: SyncParams): Promise<SyncResult> {
    const problem = this.#memberProblem(params, params.generationId);
    if (problem !== ErrorCode.NONE) return syncError(problem);
    if ((params.protocolType !== null && params.protocolType !== this.protocolType) || (params.protocolName !== null && params.protocolName !== this.protocolName)) {
      return syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    }
    const member = this.members.get(params.memberId)!;
    if (this.state === GroupState.preparingRebalance) return syncError(ErrorCode.REBALANCE_IN_PROGRESS);
    this.#scheduleSession(member);
    const current = (): SyncResult => ({ errorCode: ErrorCode.NONE, protocolType: this.protocolType, protocolName: this.protocolName, assignment: member.assignment });
    if (this.state === GroupState.stable) return current();
    if (this.state !== GroupState.completingRebalance) return syncError(ErrorCode.UNKNOWN_MEMBER_ID);
    member.awaitingSync?.(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
    const synced = new Promise<SyncResult>((resolve) => (member.awaitingSync = resolve));
    if (params.memberId === this.leaderId) await this.#applyLeaderAssignment(params.assignments);
    return synced;
  }

  async #applyLeaderAssignment(assignments: SyncParams["assignments"]): Promise<void> {
    const byMember = new Map(assignments.map((entry) => [entry.memberId, entry.assignment]));
    for (const member of this.members.values()) member.assignment = byMember.get(member.memberId) ?? noBytes;
    const generationId = this.generationId;
    const stored = await this.#store.storeAssignment(this);
    if (this.state !== GroupState.completingRebalance || this.generationId !== generationId) return;
    if (!stored) {
      this.#failPendingSyncs(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      this.#prepareRebalance("storing the assignment failed");
      return;
    }
    this.state = GroupState.stable;
    for (const member of this.members.values()) {
      const respond = member.awaitingSync;
      member.awaitingSync = null;
      respond?.({ errorCode: ErrorCode.NONE, protocolType: this.protocolType, protocolName: this.protocolName, assignment: member.assignment });
    }
  }

  heartbeat(identity: MemberIdentity, generationId: number): number {
    const problem = this.#memberProblem(identity, generationId);
    if (problem !== ErrorCode.NONE) return problem;
    this.#scheduleSession(this.members.get(identity.memberId)!);
    return this.state === GroupState.preparingRebalance ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
  }

  /** Whether a member (or a simple consumer with generation -1) may commit now; an error code. */
  commitProblem(identity: MemberIdentity, generationId: number): number {
    if (this.state === GroupState.dead) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (this.#isStaticMemberFenced(identity)) return ErrorCode.FENCED_INSTANCE_ID;
    // Offsets only: a group that uses the broker for storage, not for membership.
    if (generationId < 0 && this.state === GroupState.empty) return ErrorCode.NONE;
    const problem = this.#memberProblem(identity, generationId);
    if (problem !== ErrorCode.NONE) return problem;
    return this.state === GroupState.completingRebalance ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
  }

  // ---- Lifecycle ----

  /** Deleted or expired: answers everything parked and stops every timer. */
  markDead(): void {
    this.close(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    this.state = GroupState.dead;
  }

  /** Stops timers and answers parked requests with `errorCode` (broker shutdown). */
  close(errorCode = ErrorCode.COORDINATOR_NOT_AVAILABLE): void {
    this.#timers.stopAll();
    for (const member of this.members.values()) {
      member.awaitingJoin?.(joinError(member.memberId, errorCode));
      member.awaitingJoin = null;
      member.awaitingSync?.(syncError(errorCode));
      member.awaitingSync = null;
    }
  }

  toStored(): StoredGroup {
    return toStoredGroup(this);
  }

  /**
   * Restores a group after a restart. Members come back Stable with their sessions running, so
   * consumers that outlived the broker carry on; those that do not heartbeat expire as usual.
   */
  restore(stored: StoredGroup): void {
    this.protocolType = stored.protocolType;
    this.generationId = stored.generation;
    this.emptySinceMs = stored.emptySinceMs >= 0 ? stored.emptySinceMs : this.#timers.now();
    const members = storedMembers(stored);
    if (members.length === 0) return;
    this.protocolName = stored.protocolName;
    this.leaderId = stored.leader;
    this.emptySinceMs = -1;
    this.state = GroupState.stable;
    for (const member of members) {
      this.members.set(member.memberId, member);
      if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId);
      this.#scheduleSession(member);
    }
  }
}
