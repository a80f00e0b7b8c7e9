import { afterEach, describe, expect, test } from "bun:test";
import { handleMetadata } from "../../../src/engine/handlers/metadata.ts";
import { zeroTopicId } from "../../../src/engine/topic-lookup.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import type { MetadataRequest, MetadataResponse } from "../../../src/protocol/messages/metadata.ts";
import { engineFixture } from "../fixtures.ts";
import { acl, Operation, PatternType, Permission, removeAclFolders, ResourceType, securedBy } from "./authorization-fixture.ts";

afterEach(removeAclFolders);

function byName(names: string[], allowAutoTopicCreation = false): MetadataRequest {
  return { topics: names.map((name) => ({ name, topicId: zeroTopicId })), allowAutoTopicCreation };
}

function summary(response: MetadataResponse | null): Array<[string | null | undefined, number, number]> {
  return response!.topics.map((topic) => [topic.name, topic.errorCode, topic.partitions.length]);
}

const createOnCluster = acl({ resourceType: ResourceType.CLUSTER, resourceName: "kafka-cluster", operation: Operation.CREATE });

describe("Metadata authorization", () => {
  test("all topics (null in v1+, empty in v0) lists only the topics the principal may describe", async () => {
    const fixture = await engineFixture();
    for (const name of ["orders", "payments", "logs-eu", "secret"]) await fixture.topics.create(name, 1);
    // READ implies DESCRIBE; a prefixed grant counts; a DENY DESCRIBE hides the topic.
    const secured = await securedBy([
      acl(),
      acl({ resourceName: "logs-", patternType: PatternType.PREFIXED, operation: Operation.DESCRIBE }),
      acl({ resourceName: "*", operation: Operation.DESCRIBE }),
      acl({ resourceName: "secret", operation: Operation.DESCRIBE, permission: Permission.DENY }),
    ]);
    const listed = (response: MetadataResponse | null) => response!.topics.map((topic) => topic.name).sort();
    expect(listed(await handleMetadata({ topics: null, allowAutoTopicCreation: false }, fixture.ctx(12, secured)))).toEqual(["logs-eu", "orders", "payments"]);
    expect(listed(await handleMetadata({ topics: [] }, fixture.ctx(0, secured)))).toEqual(["logs-eu", "orders", "payments"]);
    const narrow = await securedBy([acl()]);
    expect(listed(await handleMetadata({ topics: null, allowAutoTopicCreation: false }, fixture.ctx(12, narrow)))).toEqual(["orders"]);
  });

  test("a named topic without DESCRIBE answers TOPIC_AUTHORIZATION_FAILED, existing or not, with no partitions and a zero id", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("orders", 2);
    await fixture.topics.create("payments", 3);
    const secured = await securedBy([acl()]);
    const response = await handleMetadata(byName(["orders", "payments", "missing"]), fixture.ctx(12, secured));
    expect(summary(response)).toEqual([
      ["orders", ErrorCode.NONE, 2],
      ["payments", ErrorCode.TOPIC_AUTHORIZATION_FAILED, 0],
      ["missing", ErrorCode.TOPIC_AUTHORIZATION_FAILED, 0],
    ]);
    expect(response!.topics[1].topicId).toBe(zeroTopicId);
  });

  test("auto-creation needs CREATE on the cluster or on the topic", async () => {
    const fixture = await engineFixture({ config: { autoCreateTopics: true, defaultPartitions: 2 } });
    // CREATE does not imply DESCRIBE: Metadata needs both.
    const createOnly = await securedBy([acl({ resourceName: "fresh", operation: Operation.CREATE })]);
    expect(summary(await handleMetadata(byName(["fresh"], true), fixture.ctx(12, createOnly)))).toEqual([["fresh", ErrorCode.TOPIC_AUTHORIZATION_FAILED, 0]]);
    expect(fixture.topics.get("fresh")).toBeUndefined();
    const onTopic = await securedBy([acl({ resourceName: "fresh", operation: Operation.CREATE }), acl({ resourceName: "fresh", operation: Operation.DESCRIBE })]);
    expect(summary(await handleMetadata(byName(["fresh"], true), fixture.ctx(12, onTopic)))).toEqual([["fresh", ErrorCode.NONE, 2]]);
    const onCluster = await securedBy([createOnCluster, acl({ resourceName: "*", operation: Operation.DESCRIBE })]);
    expect(summary(await handleMetadata(byName(["other"], true), fixture.ctx(12, onCluster)))).toEqual([["other", ErrorCode.NONE, 2]]);
    expect(fixture.topics.get("other")).toBeDefined();
  });

  test("DESCRIBE without CREATE on a topic auto-creation would make: TOPIC_AUTHORIZATION_FAILED and nothing created", async () => {
    // Kafka's KafkaApis.handleTopicMetadataRequest: unauthorizedForCreateTopics answer TOPIC_AUTHORIZATION_FAILED.
    const fixture = await engineFixture({ config: { autoCreateTopics: true } });
    const secured = await securedBy([acl({ resourceName: "fresh", operation: Operation.DESCRIBE }), acl({ resourceName: "fresh", operation: Operation.WRITE })]);
    expect(summary(await handleMetadata(byName(["fresh"], true), fixture.ctx(12, secured)))).toEqual([["fresh", ErrorCode.TOPIC_AUTHORIZATION_FAILED, 0]]);
    expect(fixture.topics.get("fresh")).toBeUndefined();
    expect(fixture.backend.createCount).toBe(0);
  });

  test("without auto-creation (request or broker) a describable missing topic is UNKNOWN_TOPIC_OR_PARTITION", async () => {
    const secured = await securedBy([acl({ resourceName: "fresh", operation: Operation.DESCRIBE })]);
    const requestOff = await engineFixture({ config: { autoCreateTopics: true } });
    expect(summary(await handleMetadata(byName(["fresh"], false), requestOff.ctx(12, secured)))).toEqual([["fresh", ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 0]]);
    const brokerOff = await engineFixture({ config: { autoCreateTopics: false } });
    expect(summary(await handleMetadata(byName(["fresh"], true), brokerOff.ctx(12, secured)))).toEqual([["fresh", ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 0]]);
  });
});
