import { describe, expect, test } from "bun:test";
import { handleMetadata } from "../../../src/engine/handlers/metadata.ts";
import { zeroTopicId } from "../../../src/engine/topic-lookup.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import { Metadata, type MetadataRequest, type MetadataResponse } from "../../../src/protocol/messages/metadata.ts";
import { Writer } from "../../../src/protocol/writer.ts";
import { type EngineFixture, engineFixture, testClusterId } from "../fixtures.ts";

async function metadata(fixture: EngineFixture, request: MetadataRequest, apiVersion = 12): Promise<MetadataResponse> {
  const response = await handleMetadata(request, fixture.ctx(apiVersion));
  if (response === null) throw new Error("Expected a metadata response, got none");
  return response;
}

function byName(...names: string[]): MetadataRequest["topics"] {
  return names.map((name) => ({ name, topicId: zeroTopicId }));
}

function summary(response: MetadataResponse): Array<[string | null | undefined, number, number]> {
  return response.topics.map((topic) => [topic.name, topic.errorCode, topic.partitions.length]);
}

describe("handleMetadata", () => {
  test("names this broker as the only broker and the controller", async () => {
    const fixture = await engineFixture({ config: { nodeId: 7, advertisedHost: "kafka.example", advertisedPort: 19092 } });
    const response = await metadata(fixture, { topics: [], allowAutoTopicCreation: false });
    expect(response.brokers).toEqual([{ nodeId: 7, host: "kafka.example", port: 19092, rack: null }]);
    expect(response.controllerId).toBe(7);
    expect(response.clusterId).toBe(testClusterId);
    expect(response.topics).toEqual([]);
  });

  test("describes each partition as led by this broker, with the topic id", async () => {
    const fixture = await engineFixture({ config: { nodeId: 3 } });
    const topic = await fixture.topics.create("orders", 2);
    const response = await metadata(fixture, { topics: byName("orders"), allowAutoTopicCreation: false });
    expect(response.topics).toEqual([
      {
        errorCode: ErrorCode.NONE,
        name: "orders",
        topicId: topic.meta.topicId,
        isInternal: false,
        partitions: [0, 1].map((partitionIndex) => ({
          errorCode: ErrorCode.NONE,
          partitionIndex,
          leaderId: 3,
          leaderEpoch: 0,
          replicaNodes: [3],
          isrNodes: [3],
          offlineReplicas: [],
        })),
        topicAuthorizedOperations: -2147483648,
      },
    ]);
  });

  test("null topics (v1+) and an empty list (v0) mean every topic", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("a", 1);
    await fixture.topics.create("b", 3);
    const all: ReturnType<typeof summary> = [
      ["a", ErrorCode.NONE, 1],
      ["b", ErrorCode.NONE, 3],
    ];
    expect(summary(await metadata(fixture, { topics: null, allowAutoTopicCreation: true }, 12))).toEqual(all);
    expect(summary(await metadata(fixture, { topics: null }, 1))).toEqual(all);
    expect(summary(await metadata(fixture, { topics: [] }, 0))).toEqual(all);
    expect(summary(await metadata(fixture, { topics: [] }, 1))).toEqual([]);
  });

  test("auto-creates a requested topic when the request and the broker allow it", async () => {
    const fixture = await engineFixture({ config: { autoCreateTopics: true, defaultPartitions: 4 } });
    const response = await metadata(fixture, { topics: byName("fresh"), allowAutoTopicCreation: true });
    expect(summary(response)).toEqual([["fresh", ErrorCode.NONE, 4]]);
    expect(response.topics[0].topicId).toBe(fixture.topics.get("fresh")!.meta.topicId);
  });

  test("concurrent requests auto-creating one topic both succeed with the same topic", async () => {
    const fixture = await engineFixture({ config: { autoCreateTopics: true } });
    const answers = await Promise.all([1, 2, 3].map(() => metadata(fixture, { topics: byName("raced"), allowAutoTopicCreation: true })));
    expect(answers.map((answer) => [answer.topics[0].errorCode, answer.topics[0].topicId])).toEqual(
      answers.map(() => [ErrorCode.NONE, fixture.topics.get("raced")!.meta.topicId]),
    );
    expect(fixture.backend.createCount).toBe(1);
  });

  test("versions without allow_auto_topic_creation (v0-3) may auto-create", async () => {
    const fixture = await engineFixture({ config: { autoCreateTopics: true } });
    expect(summary(await metadata(fixture, { topics: byName("old-client") }, 3))).toEqual([["old-client", ErrorCode.NONE, 1]]);
  });

  test("does not auto-create when the request says no", async () => {
    const fixture = await engineFixture({ config: { autoCreateTopics: true } });
    const response = await metadata(fixture, { topics: byName("fresh"), allowAutoTopicCreation: false });
    expect(response.topics).toEqual([
      { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name: "fresh", topicId: zeroTopicId, isInternal: false, partitions: [], topicAuthorizedOperations: -2147483648 },
    ]);
    expect(fixture.topics.get("fresh")).toBeUndefined();
  });

  test("does not auto-create when the broker says no", async () => {
    const fixture = await engineFixture({ config: { autoCreateTopics: false } });
    const response = await metadata(fixture, { topics: byName("fresh"), allowAutoTopicCreation: true });
    expect(summary(response)).toEqual([["fresh", ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 0]]);
    expect(fixture.topics.get("fresh")).toBeUndefined();
  });

  test("an illegal name is INVALID_TOPIC_EXCEPTION, with or without auto-creation", async () => {
    for (const autoCreateTopics of [true, false]) {
      const fixture = await engineFixture({ config: { autoCreateTopics } });
      const response = await metadata(fixture, { topics: byName("bad name", "..", "x".repeat(250)), allowAutoTopicCreation: true });
      expect(response.topics.map((topic) => topic.errorCode)).toEqual([
        ErrorCode.INVALID_TOPIC_EXCEPTION,
        ErrorCode.INVALID_TOPIC_EXCEPTION,
        ErrorCode.INVALID_TOPIC_EXCEPTION,
      ]);
      expect(fixture.topics.list()).toEqual([]);
    }
  });

  test("answers requested topics in request order, existing or not", async () => {
    const fixture = await engineFixture({ config: { autoCreateTopics: false } });
    await fixture.topics.create("b", 1);
    await fixture.topics.create("a", 2);
    const response = await metadata(fixture, { topics: byName("a", "missing", "b"), allowAutoTopicCreation: false });
    expect(summary(response)).toEqual([
      ["a", ErrorCode.NONE, 2],
      ["missing", ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 0],
      ["b", ErrorCode.NONE, 1],
    ]);
  });

  test("v10+ finds topics by id; an unknown id is UNKNOWN_TOPIC_ID", async () => {
    const fixture = await engineFixture();
    const topic = await fixture.topics.create("orders", 2);
    const missingId = "0123456789abcdef0123456789abcdef";
    const response = await metadata(fixture, {
      topics: [
        { name: null, topicId: topic.meta.topicId },
        { name: null, topicId: missingId },
        { name: null, topicId: zeroTopicId },
      ],
      allowAutoTopicCreation: true,
    });
    expect(response.topics.map((t) => [t.name, t.topicId, t.errorCode, t.partitions.length])).toEqual([
      ["orders", topic.meta.topicId, ErrorCode.NONE, 2],
      [null, missingId, ErrorCode.UNKNOWN_TOPIC_ID, 0],
      [null, zeroTopicId, ErrorCode.UNKNOWN_TOPIC_ID, 0],
    ]);
  });

  test("a null name before v12 is INVALID_REQUEST with an empty name, which v10-11 can encode (found by the request fuzzer)", async () => {
    const fixture = await engineFixture();
    const topic = await fixture.topics.create("orders", 1);
    for (const version of [10, 11]) {
      const response = await metadata(fixture, { topics: [{ name: null, topicId: topic.meta.topicId }], allowAutoTopicCreation: true }, version);
      expect(response.topics.map((t) => [t.name, t.errorCode, t.partitions.length])).toEqual([["", ErrorCode.INVALID_REQUEST, 0]]);
      expect(() => Metadata.encodeResponse(new Writer(), version, response)).not.toThrow();
    }
  });
});
