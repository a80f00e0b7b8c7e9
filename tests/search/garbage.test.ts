import { afterEach, expect, test } from "bun:test";
import { asWork, collectSoon, noteWork, useCollector, WorkMeter, workBetweenCollectionsMs } from "../../src/search/garbage.ts";
import { eventually } from "../support/wait.ts";

let restore: ((full: boolean) => void) | null = null;
afterEach(() => {
  if (restore !== null) useCollector(restore);
  restore = null;
});

function watchCollections(): boolean[] {
  const asked: boolean[] = [];
  restore = useCollector((full) => asked.push(full));
  return asked;
}

test("work collects in full once it adds up to workBetweenCollectionsMs, and counts again from there", () => {
  const asked = watchCollections();
  // Whatever work other tests in this process noted, this much collects and starts the count at 0.
  noteWork(workBetweenCollectionsMs);
  asked.length = 0;
  noteWork(workBetweenCollectionsMs * 0.6);
  expect(asked).toEqual([]);
  noteWork(workBetweenCollectionsMs * 0.6);
  expect(asked).toEqual([true]);
  noteWork(workBetweenCollectionsMs * 0.6);
  expect(asked).toEqual([true]);
});

test("collectSoon asks for an asynchronous collection only", () => {
  const asked = watchCollections();
  collectSoon();
  expect(asked).toEqual([false]);
});

test("after pieces of work: an asynchronous collection each, and one full collection once no work runs", async () => {
  const asked = watchCollections();
  let finishLong!: () => void;
  const long = asWork(() => new Promise<void>((resolve) => (finishLong = resolve)));
  await asWork(async () => {});
  await asWork(async () => {});
  expect(asked).toEqual([false, false]);
  finishLong();
  await long;
  await eventually(async () => asked.length === 4, "the idle collection");
  expect(asked).toEqual([false, false, false, true]);
});

test("a WorkMeter notes its loop's work to noteWork at its checks, every unitsPerCheck units", () => {
  const asked = watchCollections();
  noteWork(workBetweenCollectionsMs);
  asked.length = 0;
  const busy = (meter: WorkMeter) => {
    const started = performance.now();
    while (performance.now() - started < workBetweenCollectionsMs * 1.5) meter.add(1);
  };
  // Never a check: the work is not noted, however long it took.
  busy(new WorkMeter(Number.MAX_SAFE_INTEGER));
  expect(asked).toEqual([]);
  busy(new WorkMeter(1000));
  expect(asked.length).toBeGreaterThan(0);
  expect(asked.every((full) => full)).toBe(true);
});
