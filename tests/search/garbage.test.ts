import { afterEach, expect, test } from "bun:test";
import { collectAfterWork, noteWork, useCollector, workBetweenCollectionsMs } from "../../src/search/garbage.ts";
import { eventually } from "../e2e/harness.ts";

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

test("after work: an asynchronous collection at once, and one full collection once the thread is idle", async () => {
  const asked = watchCollections();
  collectAfterWork();
  collectAfterWork();
  expect(asked).toEqual([false, false]);
  await eventually(async () => asked.length === 3, "the idle collection");
  expect(asked).toEqual([false, false, true]);
});
