// Asks the engine to collect this thread's garbage during and after work that allocates much: a
// search, a seal, a merge, a backlog chunk. JavaScriptCore collects when a thread's heap grows,
// but most of what a search allocates is typed arrays (decoded postings, match sets) whose bytes
// live outside that heap, and it let them pile up: on 2M log records in one thread, 60 searches
// took RssAnon from 70 MB to 628 MB with no collection asked for, under 160 MB with an
// asynchronous collection after each, and under 45 MB with a full one after each; at 10M records
// in the broker, asynchronous collections after each search still let the queries take RssAnon
// from 269 MB to 641 MB. So: a full collection whenever a thread has worked a while since its last
// one (a search calls noteWork per segment), an asynchronous one after each piece of work, and a
// full one once the thread has been idle a moment, which gives the memory back before the next burst.
//
// Each thread loads its own copy of this module, so each thread collects its own heap.

/** How long a thread waits, idle, before a full collection. */
export const idleCollectionMs = 250;
/**
 * Work (ms) after which a thread collects at once: a full collection of a query thread's small
 * heap takes a few ms, so this costs searches a few per cent and bounds their garbage to what
 * this much work allocates.
 */
export const workBetweenCollectionsMs = 100;

let idleTimer: ReturnType<typeof setTimeout> | undefined;
let workSinceCollection = 0;
/** Runs a collection: full and synchronous, or asynchronous. Replaced in tests. */
let collect = (full: boolean): void => void Bun.gc(full);

/** Has `collector` run the collections from now on (tests watch what is asked for); returns the one before. */
export function useCollector(collector: (full: boolean) => void): (full: boolean) => void {
  const before = collect;
  collect = collector;
  return before;
}

/** Counts `ms` of work that allocated as it went; collects at once past workBetweenCollectionsMs. */
export function noteWork(ms: number): void {
  workSinceCollection += ms;
  if (workSinceCollection < workBetweenCollectionsMs) return;
  workSinceCollection = 0;
  collect(true);
}

/** Called after a piece of work that allocated much. */
export function collectAfterWork(): void {
  collect(false);
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    workSinceCollection = 0;
    collect(true);
  }, idleCollectionMs);
  // An idle thread's pending collection must not keep it (or a process) alive.
  idleTimer.unref();
}
