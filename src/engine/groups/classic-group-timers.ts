// The timers of one classic group, on the injected Scheduler: each member's session timeout,
// the rebalance timeout (after group.initial.rebalance.delay.ms when an empty group starts one),
// and how long a member id handed out with MEMBER_ID_REQUIRED is held for its second JoinGroup.
// What happens when one fires is the group's to decide: the timers only call back.

import type { ClassicMember } from "./classic-member.ts";
import type { Scheduler } from "./scheduler.ts";

export class ClassicGroupTimers {
  readonly #scheduler: Scheduler;
  readonly #initialRebalanceDelayMs: number;
  readonly #sessions = new Map<ClassicMember, () => void>();
  /** Member ids handed out with MEMBER_ID_REQUIRED, waiting for their second JoinGroup. */
  readonly #pendingMembers = new Map<string, () => void>();
  #cancelRebalance: (() => void) | null = null;
  #initialDelay: { remainingMs: number; newMemberAdded: boolean } | null = null;

  constructor(scheduler: Scheduler, initialRebalanceDelayMs: number) {
    this.#scheduler = scheduler;
    this.#initialRebalanceDelayMs = initialRebalanceDelayMs;
  }

  now(): number {
    return this.#scheduler.now();
  }

  // ---- Sessions ----

  /** (Re)starts the member's session: `expire` runs unless it is restarted or stopped within member.sessionTimeoutMs. */
  startSession(member: ClassicMember, expire: () => void): void {
    this.#sessions.get(member)?.();
    const cancel = this.#scheduler.schedule(member.sessionTimeoutMs, () => {
      this.#sessions.delete(member);
      expire();
    });
    this.#sessions.set(member, cancel);
  }

  stopSession(member: ClassicMember): void {
    this.#sessions.get(member)?.();
    this.#sessions.delete(member);
  }

  // ---- Member ids awaiting their second JoinGroup ----

  /** Holds a member id handed out with MEMBER_ID_REQUIRED for `timeoutMs`; then it is forgotten. */
  holdPendingMember(memberId: string, timeoutMs: number): void {
    this.#pendingMembers.set(memberId, this.#scheduler.schedule(timeoutMs, () => this.#pendingMembers.delete(memberId)));
  }

  /** Stops holding a member id; whether it was held. */
  releasePendingMember(memberId: string): boolean {
    const cancel = this.#pendingMembers.get(memberId);
    if (cancel === undefined) return false;
    cancel();
    this.#pendingMembers.delete(memberId);
    return true;
  }

  get pendingMemberCount(): number {
    return this.#pendingMembers.size;
  }

  // ---- Rebalance ----

  /**
   * Starts the rebalance timeout, replacing any running: `complete` runs after `rebalanceTimeoutMs`.
   * A rebalance of an empty group first waits group.initial.rebalance.delay.ms (at most the
   * timeout), again while members keep joining, until the timeout is used up; returns whether
   * it waits so.
   */
  startRebalance(rebalanceTimeoutMs: number, groupWasEmpty: boolean, complete: () => void): boolean {
    this.#cancelRebalance?.();
    const initialDelayMs = Math.min(this.#initialRebalanceDelayMs, rebalanceTimeoutMs);
    if (groupWasEmpty && initialDelayMs > 0) {
      // group.initial.rebalance.delay.ms: let a fleet of starting consumers join one rebalance.
      this.#initialDelay = { remainingMs: rebalanceTimeoutMs - initialDelayMs, newMemberAdded: false };
      this.#cancelRebalance = this.#scheduler.schedule(initialDelayMs, () => this.#onInitialDelay(complete));
      return true;
    }
    this.#initialDelay = null;
    this.#cancelRebalance = this.#scheduler.schedule(rebalanceTimeoutMs, complete);
    return false;
  }

  /** A member joined: an initial delay running waits once more when it ends. */
  noteNewMember(): void {
    if (this.#initialDelay) this.#initialDelay.newMemberAdded = true;
  }

  /** Whether the group.initial.rebalance.delay.ms wait is running (the rebalance may not complete early). */
  get delayingInitialRebalance(): boolean {
    return this.#initialDelay !== null;
  }

  /** Stops the rebalance timeout and any initial delay. */
  stopRebalance(): void {
    this.#cancelRebalance?.();
    this.#cancelRebalance = null;
    this.#initialDelay = null;
  }

  #onInitialDelay(complete: () => void): void {
    const delay = this.#initialDelay;
    if (delay && delay.newMemberAdded && delay.remainingMs > 0) {
      const nextMs = Math.min(this.#initialRebalanceDelayMs, delay.remainingMs);
      this.#initialDelay = { remainingMs: delay.remainingMs - nextMs, newMemberAdded: false };
      this.#cancelRebalance = this.#scheduler.schedule(nextMs, () => this.#onInitialDelay(complete));
      return;
    }
    complete();
  }

  /** Cancels every timer: sessions, held member ids, the rebalance timeout. */
  stopAll(): void {
    this.#cancelRebalance?.();
    this.#cancelRebalance = null;
    for (const cancel of this.#pendingMembers.values()) cancel();
    this.#pendingMembers.clear();
    for (const cancel of this.#sessions.values()) cancel();
    this.#sessions.clear();
  }
}
