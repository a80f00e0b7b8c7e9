import { describe, expect, test } from "bun:test";
import { ThroughputPacer } from "../../src/commands/throughput-pacer.ts";

describe("ThroughputPacer", () => {
  test("allows records on an absolute schedule from the start time", () => {
    const pacer = new ThroughputPacer(1000, 5_000);
    // At the start one record is due; after 10 ms, ten more.
    expect(pacer.allowance(5_000, 0)).toBe(1);
    expect(pacer.allowance(5_000, 1)).toBe(0);
    expect(pacer.allowance(5_010, 1)).toBe(10);
    expect(pacer.allowance(5_010.5, 11)).toBe(0);
  });

  test("says how long to wait for the next record instead of one sleep per record", () => {
    const pacer = new ThroughputPacer(50_000, 0);
    expect(pacer.delayMs(0, 1)).toBeCloseTo(0.02, 6);
    // At 1 ms, records 0 to 50 are due: with 50 sent the next is late already, with 60 sent it is 0.2 ms away.
    expect(pacer.allowance(1, 0)).toBe(51);
    expect(pacer.delayMs(1, 50)).toBe(0);
    expect(pacer.delayMs(1, 60)).toBeCloseTo(0.2, 6);
  });

  test("a late wake-up catches up: the rate over the run is the target", () => {
    const pacer = new ThroughputPacer(10_000, 0);
    let sent = 0;
    // Timers that fire 3 ms late every time still give 10,000 records in the first second.
    for (let now = 0; now < 1000; now += 3 + pacer.delayMs(now, sent)) sent += pacer.allowance(now, sent);
    expect(sent).toBeGreaterThanOrEqual(9_970);
    expect(sent).toBeLessThanOrEqual(10_000);
  });

  test("a rate below one record per second still works; a non-positive rate is refused", () => {
    const pacer = new ThroughputPacer(0.5, 0);
    expect(pacer.allowance(0, 0)).toBe(1);
    expect(pacer.allowance(1_999, 1)).toBe(0);
    expect(pacer.allowance(2_000, 1)).toBe(1);
    expect(() => new ThroughputPacer(0, 0)).toThrow();
  });
});
