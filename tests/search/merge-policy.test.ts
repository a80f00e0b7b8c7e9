import { describe, expect, test } from "bun:test";
import { chooseMerge, type MergeCandidate, mergeFactor, tierFloorBytes, tierOf } from "../../src/search/merge-policy.ts";

const small = (overrides: Partial<MergeCandidate> = {}): MergeCandidate => ({ logSegmentBase: 0, identity: "a", mergeable: true, bytes: 1000, firstHoldsAll: true, ...overrides });

describe("chooseMerge", () => {
  test("merges mergeFactor adjacent chunks of one tier, and not fewer", () => {
    expect(chooseMerge(Array.from({ length: mergeFactor - 1 }, () => small()))).toBeNull();
    expect(chooseMerge(Array.from({ length: mergeFactor + 2 }, () => small()))).toEqual({ start: 0, end: mergeFactor });
  });

  test("tiers grow by mergeFactor from the floor", () => {
    expect(tierOf(1)).toBe(0);
    expect(tierOf(tierFloorBytes * mergeFactor - 1)).toBe(0);
    expect(tierOf(tierFloorBytes * mergeFactor)).toBe(1);
    const chunks = [small({ bytes: tierFloorBytes * mergeFactor }), ...Array.from({ length: mergeFactor }, () => small())];
    expect(chooseMerge(chunks)).toEqual({ start: 1, end: 1 + mergeFactor });
  });

  test("never joins chunks of two log segments, two files, a stale chunk or one missing its first records", () => {
    const run = (breaker: Partial<MergeCandidate>) => {
      const chunks = Array.from({ length: mergeFactor }, () => small());
      chunks[3] = small(breaker);
      return chooseMerge(chunks);
    };
    expect(run({ logSegmentBase: 100 })).toBeNull();
    expect(run({ identity: "b" })).toBeNull();
    expect(run({ mergeable: false })).toBeNull();
    expect(run({ firstHoldsAll: false })).toBeNull();
    expect(run({ identity: null })).toBeNull();
    // The first of a run may start above its base (the log start moved into it before it was indexed).
    const chunks = Array.from({ length: mergeFactor }, () => small());
    chunks[0] = small({ firstHoldsAll: false });
    expect(chooseMerge(chunks)).toEqual({ start: 0, end: mergeFactor });
  });
});
