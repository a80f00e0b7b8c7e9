import { describe, expect, test } from "bun:test";
import { ClassicGroupTimers } from "../../../src/engine/groups/classic-group-timers.ts";
import type { ClassicMember } from "../../../src/engine/groups/classic-member.ts";
import { ManualScheduler } from "./manual-scheduler.ts";

function member(sessionTimeoutMs: number): ClassicMember {
  return {
    memberId: "m", groupInstanceId: null, clientId: "c", clientHost: "/127.0.0.1", sessionTimeoutMs, rebalanceTimeoutMs: 10_000,
    protocolType: "consumer", protocols: [], assignment: new Uint8Array(0), awaitingJoin: null, awaitingSync: null,
  };
}

describe("ClassicGroupTimers sessions", () => {
  test("a session expires after its timeout unless restarted or stopped", async () => {
    const scheduler = new ManualScheduler();
    const timers = new ClassicGroupTimers(scheduler, 0);
    const expired: string[] = [];
    const a = member(1000);
    timers.startSession(a, () => expired.push("a"));
    await scheduler.advance(900);
    timers.startSession(a, () => expired.push("a again"));
    await scheduler.advance(900);
    expect(expired).toEqual([]);
    await scheduler.advance(100);
    expect(expired).toEqual(["a again"]);
    const b = member(1000);
    timers.startSession(b, () => expired.push("b"));
    timers.stopSession(b);
    await scheduler.advance(2000);
    expect(expired).toEqual(["a again"]);
    expect(scheduler.pending).toBe(0);
  });
});

describe("ClassicGroupTimers pending member ids", () => {
  test("an id is held for its timeout, released once", async () => {
    const scheduler = new ManualScheduler();
    const timers = new ClassicGroupTimers(scheduler, 0);
    timers.holdPendingMember("x", 500);
    timers.holdPendingMember("y", 500);
    expect(timers.pendingMemberCount).toBe(2);
    expect(timers.releasePendingMember("x")).toBe(true);
    expect(timers.releasePendingMember("x")).toBe(false);
    await scheduler.advance(500);
    expect(timers.pendingMemberCount).toBe(0);
    expect(timers.releasePendingMember("y")).toBe(false);
  });
});

describe("ClassicGroupTimers rebalance", () => {
  test("without an initial delay the rebalance completes at its timeout", async () => {
    const scheduler = new ManualScheduler();
    const timers = new ClassicGroupTimers(scheduler, 100);
    let completed = 0;
    expect(timers.startRebalance(5000, false, () => completed++)).toBe(false);
    expect(timers.delayingInitialRebalance).toBe(false);
    await scheduler.advance(4999);
    expect(completed).toBe(0);
    await scheduler.advance(1);
    expect(completed).toBe(1);
  });

  test("an empty group waits the initial delay, again while members keep joining, never past the timeout", async () => {
    const scheduler = new ManualScheduler();
    const timers = new ClassicGroupTimers(scheduler, 100);
    const completedAt: number[] = [];
    const startMs = scheduler.now();
    expect(timers.startRebalance(250, true, () => completedAt.push(scheduler.now() - startMs))).toBe(true);
    expect(timers.delayingInitialRebalance).toBe(true);
    timers.noteNewMember();
    await scheduler.advance(100);
    timers.noteNewMember();
    await scheduler.advance(100);
    timers.noteNewMember();
    await scheduler.advance(100);
    // 100 + 100 + 50: the third wait is what is left of the 250 ms timeout.
    expect(completedAt).toEqual([250]);
  });

  test("with nobody joining during the initial delay, it completes when the delay ends", async () => {
    const scheduler = new ManualScheduler();
    const timers = new ClassicGroupTimers(scheduler, 100);
    let completed = 0;
    timers.startRebalance(10_000, true, () => completed++);
    await scheduler.advance(100);
    expect(completed).toBe(1);
  });

  test("stopRebalance and stopAll cancel everything", async () => {
    const scheduler = new ManualScheduler();
    const timers = new ClassicGroupTimers(scheduler, 100);
    let fired = 0;
    timers.startRebalance(1000, true, () => fired++);
    timers.stopRebalance();
    expect(timers.delayingInitialRebalance).toBe(false);
    timers.startRebalance(1000, false, () => fired++);
    timers.startSession(member(1000), () => fired++);
    timers.holdPendingMember("p", 1000);
    timers.stopAll();
    expect(timers.pendingMemberCount).toBe(0);
    await scheduler.advance(5000);
    expect(fired).toBe(0);
    expect(scheduler.pending).toBe(0);
  });
});
