import { describe, expect, test } from "bun:test";
import { handleCreateTopics } from "../../../src/engine/handlers/create-topics.ts";
import { zeroTopicId } from "../../../src/engine/topic-lookup.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import type {
  CreateTopicsRequestCreatableTopic,
  CreateTopicsResponse,
  CreateTopicsResponseCreatableTopicResult,
} from "../../../src/protocol/messages/create-topics.ts";
import { type EngineFixture, engineFixture, recordingLogger } from "../fixtures.ts";

function creatable(name: string, fields: Partial<CreateTopicsRequestCreatableTopic> = {}): CreateTopicsRequestCreatableTopic {
  return { name, numPartitions: -1, replicationFactor: -1, assignments: [], configs: [], ...fields };
}

async function createTopics(
  fixture: EngineFixture,
  topics: CreateTopicsRequestCreatableTopic[],
  options: { validateOnly?: boolean; apiVersion?: number } = {},
): Promise<CreateTopicsResponse> {
  const response = await handleCreateTopics({ topics, timeoutMs: 30_000, validateOnly: options.validateOnly ?? false }, fixture.ctx(options.apiVersion ?? 7));
  if (response === null) throw new Error("Expected a create topics response, got none");
  return response;
}

async function createOne(fixture: EngineFixture, topic: CreateTopicsRequestCreatableTopic): Promise<CreateTopicsResponseCreatableTopicResult> {
  const response = await createTopics(fixture, [topic]);
  expect(response.topics).toHaveLength(1);
  return response.topics[0];
}

describe("handleCreateTopics", () => {
  test("-1 partitions and replication factor take the broker defaults", async () => {
    const fixture = await engineFixture({ config: { defaultPartitions: 3 } });
    const result = await createOne(fixture, creatable("orders"));
    const topic = fixture.topics.get("orders")!;
    expect(result).toEqual({
      name: "orders",
      topicId: topic.meta.topicId,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      numPartitions: 3,
      replicationFactor: 1,
      configs: [],
    });
    expect(topic.partitions).toHaveLength(3);
  });

  test("creates with an explicit partition count, replication factor 1 and configs", async () => {
    const fixture = await engineFixture();
    const result = await createOne(
      fixture,
      creatable("logs", { numPartitions: 5, replicationFactor: 1, configs: [{ name: "retention.ms", value: "60000" }, { name: "search.enabled", value: "true" }] }),
    );
    expect(result).toMatchObject({ errorCode: ErrorCode.NONE, numPartitions: 5, replicationFactor: 1 });
    expect(result.configs).toEqual([
      { name: "retention.ms", value: "60000", readOnly: false, configSource: 1, isSensitive: false },
      { name: "search.enabled", value: "true", readOnly: false, configSource: 1, isSensitive: false },
    ]);
    expect(fixture.topics.get("logs")!.meta.configs).toEqual({ "retention.ms": "60000", "search.enabled": "true" });
    expect(fixture.topics.get("logs")!.partitions).toHaveLength(5);
  });

  test("manual assignments to this broker set the partition count", async () => {
    const fixture = await engineFixture({ config: { nodeId: 2 } });
    const assignments = [0, 1].map((partitionIndex) => ({ partitionIndex, brokerIds: [2] }));
    expect(await createOne(fixture, creatable("assigned", { assignments }))).toMatchObject({ errorCode: ErrorCode.NONE, numPartitions: 2 });
    expect(fixture.topics.get("assigned")!.partitions).toHaveLength(2);
  });

  test("assignments to other brokers or mixed with counts are refused", async () => {
    const fixture = await engineFixture({ config: { nodeId: 0 } });
    const elsewhere = await createOne(fixture, creatable("a", { assignments: [{ partitionIndex: 0, brokerIds: [0, 4] }] }));
    expect(elsewhere).toMatchObject({ errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: "Broker 4 does not exist" });
    const mixed = await createOne(fixture, creatable("b", { numPartitions: 1, assignments: [{ partitionIndex: 0, brokerIds: [0] }] }));
    expect(mixed.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(fixture.topics.list()).toEqual([]);
  });

  test("validate_only checks and answers, but creates nothing", async () => {
    const fixture = await engineFixture({ config: { defaultPartitions: 2 } });
    const response = await createTopics(fixture, [creatable("dry"), creatable("dry-bad", { replicationFactor: 3 })], { validateOnly: true });
    expect(response.topics.map((t) => [t.name, t.errorCode, t.numPartitions, t.topicId])).toEqual([
      ["dry", ErrorCode.NONE, 2, zeroTopicId],
      ["dry-bad", ErrorCode.INVALID_REPLICATION_FACTOR, -1, zeroTopicId],
    ]);
    expect(fixture.topics.list()).toEqual([]);
    expect(fixture.backend.createCount).toBe(0);
  });

  test("a replication factor above 1 is INVALID_REPLICATION_FACTOR", async () => {
    const fixture = await engineFixture();
    const result = await createOne(fixture, creatable("replicated", { numPartitions: 1, replicationFactor: 3 }));
    expect(result).toMatchObject({ errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, numPartitions: -1, replicationFactor: -1, configs: null });
    expect(result.errorMessage).toContain("Replication factor 3");
    expect(fixture.topics.get("replicated")).toBeUndefined();
  });

  test("a partition count out of range is INVALID_PARTITIONS", async () => {
    const fixture = await engineFixture();
    for (const numPartitions of [0, -2, 10_001]) {
      expect((await createOne(fixture, creatable("p", { numPartitions }))).errorCode).toBe(ErrorCode.INVALID_PARTITIONS);
    }
    expect(fixture.topics.list()).toEqual([]);
  });

  test("an unknown config, a bad value or a missing value is INVALID_CONFIG", async () => {
    const fixture = await engineFixture();
    const unknown = await createOne(fixture, creatable("c1", { configs: [{ name: "no.such.config", value: "1" }] }));
    expect(unknown).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG, errorMessage: 'Unknown topic config "no.such.config"' });
    const badValue = await createOne(fixture, creatable("c2", { configs: [{ name: "retention.ms", value: "forever" }] }));
    expect(badValue).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG });
    expect(badValue.errorMessage).toContain('"retention.ms"');
    const noValue = await createOne(fixture, creatable("c3", { configs: [{ name: "retention.ms", value: null }] }));
    expect(noValue.errorCode).toBe(ErrorCode.INVALID_CONFIG);
    const inherited = await createOne(fixture, creatable("c4", { configs: [{ name: "constructor", value: "1" }] }));
    expect(inherited.errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect(fixture.topics.list()).toEqual([]);
  });

  test("an illegal name is INVALID_TOPIC_EXCEPTION", async () => {
    const fixture = await engineFixture();
    expect((await createOne(fixture, creatable("no spaces"))).errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
  });

  test("an existing topic is TOPIC_ALREADY_EXISTS and keeps its id", async () => {
    const fixture = await engineFixture();
    const existing = await fixture.topics.create("orders", 1);
    const result = await createOne(fixture, creatable("orders", { numPartitions: 4 }));
    expect(result).toMatchObject({ name: "orders", errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, errorMessage: 'Topic "orders" already exists' });
    expect(fixture.topics.get("orders")).toBe(existing);
    expect(existing.partitions).toHaveLength(1);
  });

  test("a name listed twice in one request is INVALID_REQUEST once, and neither is created", async () => {
    const fixture = await engineFixture();
    const response = await createTopics(fixture, [creatable("twice"), creatable("once"), creatable("twice", { numPartitions: 2 })]);
    expect(response.topics.map((t) => [t.name, t.errorCode])).toEqual([
      ["twice", ErrorCode.INVALID_REQUEST],
      ["once", ErrorCode.NONE],
    ]);
    expect(fixture.topics.get("twice")).toBeUndefined();
    expect(fixture.topics.get("once")).toBeDefined();
  });

  test("each topic of a request succeeds or fails on its own", async () => {
    const fixture = await engineFixture();
    const response = await createTopics(fixture, [creatable("good"), creatable("bad", { replicationFactor: 2 }), creatable("also-good", { numPartitions: 2 })]);
    expect(response.topics.map((t) => [t.name, t.errorCode])).toEqual([
      ["good", ErrorCode.NONE],
      ["bad", ErrorCode.INVALID_REPLICATION_FACTOR],
      ["also-good", ErrorCode.NONE],
    ]);
    expect(fixture.topics.list().map((t) => t.meta.name).sort()).toEqual(["also-good", "good"]);
  });

  test("a storage failure is UNKNOWN_SERVER_ERROR, logged", async () => {
    const logger = recordingLogger();
    const fixture = await engineFixture({ logger });
    fixture.backend.beforeCreate = async () => {
      throw new Error("Disk full");
    };
    const result = await createOne(fixture, creatable("doomed"));
    expect(result).toMatchObject({ errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: "The broker could not create the topic" });
    expect(logger.lines).toContain("error Cannot create topic");
  });
});
