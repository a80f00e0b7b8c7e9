// Timers for the coordinator: session and rebalance timeouts and offset expiry are one-shot
// timers, never polling loops. Tests substitute a manual scheduler to move time by hand.

export interface Scheduler {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `run` once after `delayMs`; the returned function cancels it. */
  schedule(delayMs: number, run: () => void): () => void;
}

/** setTimeout's largest delay (2^31 - 1 ms, about 24.8 days); longer waits fire early and re-check. */
export const timerDelayMaxMs = 2_147_483_647;

export const systemScheduler: Scheduler = {
  now: () => Date.now(),
  schedule(delayMs, run) {
    const timer = setTimeout(run, Math.max(0, Math.min(delayMs, timerDelayMaxMs)));
    return () => clearTimeout(timer);
  },
};
