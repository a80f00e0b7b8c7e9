// The one way tests wait. A test waits for what it needs — a condition polled until a deadline
// (`eventually`), a promise (an event, a process exit) with a bound (`settlesWithin`) — or moves
// an injected clock (tests/engine/groups/manual-scheduler.ts); it never sleeps a fixed time hoping
// that something has happened by then. Where real time passing is itself what a test is about,
// it says so with `letRealTimePass`, so that grep finds those few and nothing else.

export interface WaitOptions {
  /** How long to keep checking before failing (30 s unless told). */
  waitMs?: number;
  /** How long between two checks (50 ms unless told). */
  pollMs?: number;
  /** More to say when the wait fails, such as the end of a broker's log. */
  detail?: () => string;
}

const waitMsDefault = 30_000;
const pollMsDefault = 50;

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Checks `check` until it gives something other than false, null or undefined, and returns that;
 * fails naming `what` after `waitMs`. An exception from `check` fails the wait at once.
 */
export async function eventually<T>(check: () => T | Promise<T>, what: string, options: WaitOptions = {}): Promise<Exclude<T, false | null | undefined>> {
  const { waitMs = waitMsDefault, pollMs = pollMsDefault } = options;
  const deadline = Date.now() + waitMs;
  for (;;) {
    const value = await check();
    if (value !== false && value !== null && value !== undefined) return value as Exclude<T, false | null | undefined>;
    if (Date.now() >= deadline) {
      const detail = options.detail?.();
      throw new Error(`Not within ${waitMs} ms: ${what}${detail ? `\n${detail}` : ""}`);
    }
    await pause(pollMs);
  }
}

/** Whether `promise` settles within `waitMs`; it is not cancelled when it does not. */
export async function settlesWithin(promise: Promise<unknown>, waitMs: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), waitMs)));
  try {
    return await Promise.race([promise.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Resolves once the callbacks queued now (promise reactions, I/O that is ready) have run: for
 * asserting that a step did not cause something, never for waiting on time.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Lets `ms` of real time pass, for the few tests whose subject is real time (a pace, a random
 * moment to crash at) and that cannot use an injected clock. `why` says what the time is for.
 */
export function letRealTimePass(ms: number, why: string): Promise<void> {
  if (why === "") throw new Error("letRealTimePass needs a reason");
  return pause(ms);
}
