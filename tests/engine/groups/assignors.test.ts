import { describe, expect, test } from "bun:test";
import { rangeAssign, uniformAssign } from "../../../src/engine/groups/assignors.ts";

const topics = [{ name: "a", topicId: "a".repeat(32), partitionCount: 7 }];
const member = (memberId: string, current: Map<string, Set<number>> = new Map()) => ({ memberId, subscribedTopics: ["a"], current });

describe("assignors", () => {
  test("range gives contiguous ranges, the first members one extra", () => {
    const target = rangeAssign([member("m2"), member("m1"), member("m3")], topics);
    expect(target.get("m1")!.get(topics[0].topicId)).toEqual([0, 1, 2]);
    expect(target.get("m2")!.get(topics[0].topicId)).toEqual([3, 4]);
    expect(target.get("m3")!.get(topics[0].topicId)).toEqual([5, 6]);
  });

  test("uniform balances and keeps current owners' partitions", () => {
    const current = new Map([[topics[0].topicId, new Set([0, 1, 2, 3, 4, 5, 6])]]);
    const target = uniformAssign([member("old", current), member("new")], topics);
    const old = target.get("old")!.get(topics[0].topicId)!;
    const fresh = target.get("new")!.get(topics[0].topicId)!;
    expect(old).toEqual([0, 1, 2, 3]);
    expect(fresh).toEqual([4, 5, 6]);
  });
});
