// CreateTopics, DeleteTopics and DescribeConfigs under ACLs.

import { afterEach, describe, expect, test } from "bun:test";
import { ResourceType as ConfigResourceType } from "../../../src/engine/config-resources.ts";
import { handleCreateTopics } from "../../../src/engine/handlers/create-topics.ts";
import { handleDeleteTopics } from "../../../src/engine/handlers/delete-topics.ts";
import { handleDescribeConfigs } from "../../../src/engine/handlers/describe-configs.ts";
import { zeroTopicId } from "../../../src/engine/topic-lookup.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import type { CreateTopicsRequest } from "../../../src/protocol/messages/create-topics.ts";
import { engineFixture } from "../fixtures.ts";
import { acl, Operation, PatternType, Permission, removeAclFolders, ResourceType, securedBy } from "./authorization-fixture.ts";

afterEach(removeAclFolders);

function createRequest(names: string[], validateOnly = false): CreateTopicsRequest {
  return { topics: names.map((name) => ({ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] })), timeoutMs: 1000, validateOnly };
}

const onCluster = (operation: number) => acl({ resourceType: ResourceType.CLUSTER, resourceName: "kafka-cluster", operation });

describe("CreateTopics authorization", () => {
  test("without CREATE on the cluster or the topic: TOPIC_AUTHORIZATION_FAILED and nothing created; an allowed topic beside it is", async () => {
    const fixture = await engineFixture();
    const secured = await securedBy([acl({ resourceName: "orders", operation: Operation.CREATE }), acl({ resourceName: "payments", operation: Operation.ALTER })]);
    const response = await handleCreateTopics(createRequest(["orders", "payments"]), fixture.ctx(7, secured));
    expect(response!.topics.map((topic) => [topic.name, topic.errorCode])).toEqual([
      ["orders", ErrorCode.NONE],
      ["payments", ErrorCode.TOPIC_AUTHORIZATION_FAILED],
    ]);
    expect(response!.topics[1].errorMessage).toBe('Not allowed to CREATE topic "payments"');
    expect(fixture.topics.get("payments")).toBeUndefined();
  });

  test("CREATE on the cluster allows every topic; refusal comes before validation (validateOnly too)", async () => {
    const fixture = await engineFixture();
    const cluster = await securedBy([onCluster(Operation.CREATE)]);
    const created = await handleCreateTopics(createRequest(["a", "b"]), fixture.ctx(7, cluster));
    expect(created!.topics.map((topic) => topic.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
    const nobody = await securedBy([]);
    const validated = await handleCreateTopics(createRequest(["c"], true), fixture.ctx(7, nobody));
    expect(validated!.topics[0].errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  });
});

describe("DeleteTopics authorization", () => {
  test("without DELETE on a topic: TOPIC_AUTHORIZATION_FAILED whether it exists or not, and the topic stays", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("orders", 1);
    await fixture.topics.create("payments", 1);
    const secured = await securedBy([acl({ resourceName: "ord", patternType: PatternType.PREFIXED, operation: Operation.DELETE }), acl({ resourceName: "payments", operation: Operation.ALL }), acl({ resourceName: "payments", operation: Operation.DELETE, permission: Permission.DENY })]);
    const response = await handleDeleteTopics({ topicNames: ["orders", "payments", "missing"], timeoutMs: 1000 }, fixture.ctx(5, secured));
    expect(response!.responses.map((topic) => [topic.name, topic.errorCode])).toEqual([
      ["orders", ErrorCode.NONE],
      ["payments", ErrorCode.TOPIC_AUTHORIZATION_FAILED],
      ["missing", ErrorCode.TOPIC_AUTHORIZATION_FAILED],
    ]);
    expect(fixture.topics.get("orders")).toBeUndefined();
    expect(fixture.topics.get("payments")).toBeDefined();
  });

  test("v6 by name: the same rule", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("payments", 1);
    const secured = await securedBy([acl({ resourceName: "payments", operation: Operation.READ })]);
    const response = await handleDeleteTopics({ topics: [{ name: "payments", topicId: zeroTopicId }], timeoutMs: 1000 }, fixture.ctx(6, secured));
    expect(response!.responses[0].errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    expect(fixture.topics.get("payments")).toBeDefined();
  });
});

describe("DescribeConfigs authorization", () => {
  test("a topic needs DESCRIBE_CONFIGS (ALTER_CONFIGS implies it); refused ones answer TOPIC_AUTHORIZATION_FAILED with no configs", async () => {
    const fixture = await engineFixture();
    for (const name of ["orders", "payments", "logs"]) await fixture.topics.create(name, 1);
    // READ does not imply DESCRIBE_CONFIGS.
    const secured = await securedBy([acl({ resourceName: "orders", operation: Operation.DESCRIBE_CONFIGS }), acl({ resourceName: "logs", operation: Operation.ALTER_CONFIGS }), acl({ resourceName: "payments", operation: Operation.READ })]);
    const response = await handleDescribeConfigs(
      { resources: ["orders", "payments", "logs"].map((resourceName) => ({ resourceType: ConfigResourceType.topic, resourceName, configurationKeys: null })), includeSynonyms: false },
      fixture.ctx(4, secured),
    );
    expect(response!.results.map((result) => [result.resourceName, result.errorCode, result.configs.length > 0])).toEqual([
      ["orders", ErrorCode.NONE, true],
      ["payments", ErrorCode.TOPIC_AUTHORIZATION_FAILED, false],
      ["logs", ErrorCode.NONE, true],
    ]);
  });

  test("the broker needs DESCRIBE_CONFIGS on the cluster: CLUSTER_AUTHORIZATION_FAILED without it", async () => {
    const fixture = await engineFixture();
    const brokerResource = { resources: [{ resourceType: ConfigResourceType.broker, resourceName: String(fixture.config.nodeId), configurationKeys: null }], includeSynonyms: false };
    const refused = await handleDescribeConfigs(brokerResource, fixture.ctx(4, await securedBy([onCluster(Operation.DESCRIBE)])));
    expect(refused!.results[0]).toMatchObject({ errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, configs: [] });
    const allowed = await handleDescribeConfigs(brokerResource, fixture.ctx(4, await securedBy([onCluster(Operation.DESCRIBE_CONFIGS)])));
    expect(allowed!.results[0].errorCode).toBe(ErrorCode.NONE);
    expect(allowed!.results[0].configs.length).toBeGreaterThan(0);
  });
});
