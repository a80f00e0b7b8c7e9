// The memory budget (--search-memory-mb) counts the live segments' heapBytes, so the estimate must
// not be below what the index really takes on the heap; measured here after a full GC for three
// kinds of records.

import { describe, expect, test } from "bun:test";
import { flattenJsonText } from "../../src/search/document.ts";
import { LiveSegment } from "../../src/search/live-segment.ts";

const filler = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua";

const kinds: [string, (i: number) => string][] = [
  ["a short log line", (i) => `${i} word${i % 1000} ${filler} ${i * 7}`],
  ["a JSON event", (i) => JSON.stringify({ level: ["info", "warn"][i % 2], message: `${filler} word${i % 1000}`, http: { status: 200 + (i % 5), path: `/api/v1/items/${i}` }, user: { id: `u${i % 300}` } })],
  ["a long text", (i) => Array.from({ length: 40 }, (_, j) => `term${(i * 31 + j * 17) % 5000}`).join(" ") + ` ${filler} ${filler}`],
  ["a line of unique ids", (i) => `request ${i.toString(36)}-${(i * 7919).toString(36)} done in ${i % 97} ms`],
];

function heapUsed(): number {
  Bun.gc(true);
  return process.memoryUsage().heapUsed;
}

describe("LiveSegment.heapBytes", () => {
  test.each(kinds)("is at least the heap that %s really takes", (_, valueOf) => {
    const count = 4000;
    const before = heapUsed();
    const index = new LiveSegment("t", 0, 0, 0);
    for (let i = 0; i < count; i++) {
      const value = valueOf(i);
      index.add({ offset: i, timestamp: i, key: `key-${i}`, headers: {}, value, valueIsBinary: false, fields: flattenJsonText(value) });
    }
    const measured = heapUsed() - before;
    expect(index.docCount).toBe(count);
    expect(index.heapBytes).toBeGreaterThanOrEqual(measured);
    // …and not so far above it that the budget would hold much less than it says.
    expect(index.heapBytes).toBeLessThanOrEqual(measured * 2);
  });
});
