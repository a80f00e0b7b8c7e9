// Asks the engine to collect a thread's garbage during and after work that allocates much:
// searches, merges, backlog chunks. JavaScriptCore collects when a thread's heap grows, but most
// of what a search allocates is typed arrays (decoded postings, match sets) whose bytes live
// outside that heap, and it let them pile up: on 2M log records in one thread, 60 searches took
// RssAnon from 70 MB to 628 MB with no collection asked for, under 160 MB with an asynchronous
// collection after each, and under 45 MB with a full one after each; at 10M records in the
// broker, asynchronous collections after each search still let the queries take RssAnon from
// 269 MB to 641 MB. So:
//   - noteWork: a search counts its work segment by segment, and a full collection runs once
//     enough has added up (at least 10 times what the last full collection took, so it costs
//     at most a tenth of the work, however large the thread's heap);
//   - asWork: a piece of work on a thread that only does such pieces (a query or merge
//     thread) is followed by an asynchronous collection, and by a full one once the thread has
//     been idle a moment, which gives the memory back before the next burst;
//   - collectNow: the indexing and backlog threads collect in full right after each seal, once
//     nothing refers to the live segment they dropped and the next one is still empty (a full
//     collection fired by a timer mid-segment took a fifth of the indexing thread's time; none
//     at all during a 10M-record backlog let RssAnon reach 1.07 GB; one after every other seal
//     was slower still, 43 000 – 45 000 against 51 000 – 54 000 records/s over 1M records in the
//     broker, with 50 MB more RssAnon: the engine's own collections then came mid-segment); the
//     indexing thread counts its catch-ups as work, so its idle collection waits until it has
//     caught up, and asks for asynchronous ones after searches (collectSoon);
//   - WorkMeter: a merge's loops over terms note their work now and then, as searches do.
//
// Each thread loads its own copy of this module, so each thread collects its own heap.

/** How long a thread waits, idle, before a full collection. */
export const idleCollectionMs = 250;
/** Work (ms) after which a thread collects in full at the soonest. */
export const workBetweenCollectionsMs = 100;
/** A full collection waits for at least this many times its last duration of work. */
const workPerCollectionMs = 10;

let idleTimer: ReturnType<typeof setTimeout> | undefined;
let workSinceCollection = 0;
let lastFullMs = 0;
/** Pieces of work (asWork) running now. */
let working = 0;
/** Runs a collection: full and synchronous, or asynchronous. Replaced in tests. */
let collect = (full: boolean): void => void Bun.gc(full);

/** Has `collector` run the collections from now on (tests watch what is asked for); returns the one before. */
export function useCollector(collector: (full: boolean) => void): (full: boolean) => void {
  const before = collect;
  collect = collector;
  return before;
}

/**
 * A full collection now: where a thread has just dropped most of what it held (a sealed live
 * segment), its heap is at its smallest and the collection at its cheapest.
 */
export function collectNow(): void {
  collectFully();
}

function collectFully(): void {
  const started = performance.now();
  collect(true);
  lastFullMs = performance.now() - started;
  workSinceCollection = 0;
}

/** Counts `ms` of work that allocated as it went; collects in full once enough has added up. */
export function noteWork(ms: number): void {
  workSinceCollection += ms;
  if (workSinceCollection >= Math.max(workBetweenCollectionsMs, workPerCollectionMs * lastFullMs)) collectFully();
}

/** An asynchronous collection: costs the caller nothing. */
export function collectSoon(): void {
  collect(false);
}

/**
 * Runs a piece of work, then collects asynchronously (unless `collectAfter` is false: the
 * indexing thread's catch-ups come many a second under a steady load), and in full once no work
 * has run for idleCollectionMs.
 */
export async function asWork<T>(work: () => Promise<T>, collectAfter = true): Promise<T> {
  working++;
  clearTimeout(idleTimer);
  try {
    return await work();
  } finally {
    working--;
    if (collectAfter) collect(false);
    if (working === 0) {
      idleTimer = setTimeout(() => {
        if (working === 0) collectFully();
      }, idleCollectionMs);
      // An idle thread's pending collection must not keep it (or a process) alive.
      idleTimer.unref();
    }
  }
}

/** Notes a loop's work to noteWork every `unitsPerCheck` units (terms, postings), so it reads the clock only now and then. */
export class WorkMeter {
  readonly unitsPerCheck: number;
  #units = 0;
  #since = performance.now();

  constructor(unitsPerCheck = 65_536) {
    this.unitsPerCheck = unitsPerCheck;
  }

  add(units: number): void {
    this.#units += units;
    if (this.#units < this.unitsPerCheck) return;
    this.#units = 0;
    noteWork(performance.now() - this.#since);
    this.#since = performance.now();
  }
}
