import { describe, expect, test } from "bun:test";
import { lookupTopic, partitionOf, zeroTopicId } from "../../src/engine/topic-lookup.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { engineFixture, recordingLogger } from "./fixtures.ts";

describe("lookupTopic", () => {
  test("finds an existing topic whatever the auto-create settings", async () => {
    const fixture = await engineFixture({ config: { autoCreateTopics: false } });
    const topic = await fixture.topics.create("orders", 1);
    expect(await lookupTopic(fixture.ctx(0), "orders", false)).toEqual({ topic, errorCode: 0 });
  });

  test("creates only when both the request and the broker allow it", async () => {
    for (const [allowed, brokerFlag, expected] of [
      [true, true, ErrorCode.NONE],
      [false, true, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      [true, false, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ] as const) {
      const fixture = await engineFixture({ config: { autoCreateTopics: brokerFlag, defaultPartitions: 2 } });
      const lookup = await lookupTopic(fixture.ctx(0), "fresh", allowed);
      expect(lookup.errorCode).toBe(expected);
      expect(fixture.topics.get("fresh")?.partitions.length).toBe(expected === ErrorCode.NONE ? 2 : undefined);
    }
  });

  test("an unexpected creation failure is UNKNOWN_SERVER_ERROR, logged", async () => {
    const logger = recordingLogger();
    const fixture = await engineFixture({ logger });
    fixture.backend.beforeCreate = async () => {
      throw new Error("Disk full");
    };
    expect(await lookupTopic(fixture.ctx(0), "fresh", true)).toEqual({ topic: null, errorCode: ErrorCode.UNKNOWN_SERVER_ERROR });
    expect(logger.lines).toContain("error Cannot auto-create topic");
  });
});

describe("partitionOf", () => {
  test("returns the partition for an index in range, else null", async () => {
    const fixture = await engineFixture();
    const topic = await fixture.topics.create("orders", 2);
    expect(partitionOf(topic, 1)).toBe(topic.partitions[1]);
    for (const index of [-1, 2, 0.5, Number.NaN]) expect(partitionOf(topic, index)).toBeNull();
  });

  test("the zero topic id is 32 zeros", () => {
    expect(zeroTopicId).toMatch(/^0{32}$/);
  });
});
