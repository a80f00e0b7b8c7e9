import { afterEach, describe, expect, test } from "bun:test";
import { allowed, allowedOnAny, clusterAllowed, createTopicAllowed, groupAllowed, topicAllowed, transactionalIdAllowed } from "../../src/engine/access.ts";
import { acl, Operation, PatternType, Permission, removeAclFolders, ResourceType, securedBy } from "./handlers/authorization-fixture.ts";

afterEach(removeAclFolders);

describe("access", () => {
  test("without an authorizer everything is allowed", () => {
    const ctx = { requester: { principal: "User:nobody", host: "10.0.0.1" } };
    expect(allowed(ctx, Operation.ALTER, ResourceType.CLUSTER, "kafka-cluster")).toBe(true);
    expect(topicAllowed(ctx, Operation.WRITE, "orders")).toBe(true);
    expect(createTopicAllowed(ctx, "orders")).toBe(true);
    expect(allowedOnAny(ctx, Operation.WRITE, ResourceType.TOPIC)).toBe(true);
    expect(topicAllowed({}, Operation.DELETE, "orders")).toBe(true);
  });

  test("with an authorizer each helper checks its own resource type", async () => {
    const ctx = await securedBy([
      acl(),
      acl({ resourceType: ResourceType.GROUP, resourceName: "billing" }),
      acl({ resourceType: ResourceType.TRANSACTIONAL_ID, resourceName: "txn", operation: Operation.WRITE }),
      acl({ resourceType: ResourceType.CLUSTER, resourceName: "kafka-cluster", operation: Operation.DESCRIBE }),
    ]);
    expect(topicAllowed(ctx, Operation.READ, "orders")).toBe(true);
    expect(topicAllowed(ctx, Operation.READ, "billing")).toBe(false);
    expect(groupAllowed(ctx, Operation.READ, "billing")).toBe(true);
    expect(groupAllowed(ctx, Operation.READ, "orders")).toBe(false);
    expect(transactionalIdAllowed(ctx, Operation.WRITE, "txn")).toBe(true);
    expect(transactionalIdAllowed(ctx, Operation.WRITE, "orders")).toBe(false);
    expect(clusterAllowed(ctx, Operation.DESCRIBE)).toBe(true);
    expect(clusterAllowed(ctx, Operation.ALTER)).toBe(false);
  });

  test("a context without a requester is User:ANONYMOUS", async () => {
    const { authorizer } = await securedBy([acl({ principal: "User:ANONYMOUS" })]);
    expect(topicAllowed({ authorizer }, Operation.READ, "orders")).toBe(true);
    expect(topicAllowed({ authorizer, requester: { principal: "User:alice", host: "127.0.0.1" } }, Operation.READ, "orders")).toBe(false);
  });

  test("createTopicAllowed: CREATE on the cluster allows every topic", async () => {
    const ctx = await securedBy([acl({ resourceType: ResourceType.CLUSTER, resourceName: "kafka-cluster", operation: Operation.CREATE })]);
    expect(createTopicAllowed(ctx, "orders")).toBe(true);
    expect(createTopicAllowed(ctx, "anything")).toBe(true);
  });

  test("createTopicAllowed: CREATE on the topic (literal or prefixed) allows that topic only", async () => {
    const ctx = await securedBy([acl({ operation: Operation.CREATE }), acl({ resourceName: "logs-", patternType: PatternType.PREFIXED, operation: Operation.CREATE })]);
    expect(createTopicAllowed(ctx, "orders")).toBe(true);
    expect(createTopicAllowed(ctx, "logs-eu")).toBe(true);
    expect(createTopicAllowed(ctx, "payments")).toBe(false);
  });

  test("createTopicAllowed: other operations, or CREATE denied on the topic and not granted on the cluster, refuse", async () => {
    const ctx = await securedBy([acl({ operation: Operation.ALL }), acl({ operation: Operation.CREATE, permission: Permission.DENY })]);
    expect(createTopicAllowed(ctx, "orders")).toBe(false);
    const alterCluster = await securedBy([acl({ resourceType: ResourceType.CLUSTER, resourceName: "kafka-cluster", operation: Operation.ALTER })]);
    expect(createTopicAllowed(alterCluster, "orders")).toBe(false);
  });
});
