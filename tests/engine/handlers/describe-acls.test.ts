import { afterEach, describe, expect, test } from "bun:test";
import { handleDescribeAcls } from "../../../src/engine/handlers/describe-acls.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import type { DescribeAclsRequest } from "../../../src/protocol/messages/describe-acls.ts";
import { engineFixture } from "../fixtures.ts";
import { acl, Operation, PatternType, Permission, removeAclFolders, ResourceType, securedBy, wireFilter } from "./authorization-fixture.ts";

afterEach(removeAclFolders);

const describeCluster = acl({ resourceType: ResourceType.CLUSTER, resourceName: "kafka-cluster", operation: Operation.DESCRIBE });

function request(fields: Partial<DescribeAclsRequest> = {}): DescribeAclsRequest {
  return wireFilter({ ...fields });
}

describe("handleDescribeAcls", () => {
  test("without an authorizer: SECURITY_DISABLED", async () => {
    const fixture = await engineFixture();
    const response = await handleDescribeAcls(request(), fixture.ctx(3));
    expect(response).toMatchObject({ errorCode: ErrorCode.SECURITY_DISABLED, resources: [] });
  });

  test("without DESCRIBE on the cluster: CLUSTER_AUTHORIZATION_FAILED and no ACL listed", async () => {
    const fixture = await engineFixture();
    const secured = await securedBy([acl({ operation: Operation.ALL })]);
    const response = await handleDescribeAcls(request(), fixture.ctx(3, secured));
    expect(response).toEqual({ throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: "Not allowed to DESCRIBE the cluster", resources: [] });
  });

  test("ALTER on the cluster implies the DESCRIBE that listing needs", async () => {
    const fixture = await engineFixture();
    const secured = await securedBy([acl({ resourceType: ResourceType.CLUSTER, resourceName: "kafka-cluster", operation: Operation.ALTER })]);
    const response = await handleDescribeAcls(request(), fixture.ctx(3, secured));
    expect(response!.errorCode).toBe(ErrorCode.NONE);
    expect(response!.resources).toHaveLength(1);
  });

  test("groups the matching ACLs by resource pattern", async () => {
    const fixture = await engineFixture();
    const secured = await securedBy([
      describeCluster,
      acl(),
      acl({ principal: "User:bob", host: "10.0.0.2", operation: Operation.WRITE, permission: Permission.DENY }),
      acl({ resourceName: "orders", patternType: PatternType.PREFIXED }),
      acl({ resourceType: ResourceType.GROUP, resourceName: "orders" }),
    ]);
    const response = await handleDescribeAcls(request({ resourceNameFilter: "orders" }), fixture.ctx(3, secured));
    expect(response).toEqual({
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      resources: [
        {
          resourceType: ResourceType.TOPIC,
          resourceName: "orders",
          patternType: PatternType.LITERAL,
          acls: [
            { principal: "User:alice", host: "*", operation: Operation.READ, permissionType: Permission.ALLOW },
            { principal: "User:bob", host: "10.0.0.2", operation: Operation.WRITE, permissionType: Permission.DENY },
          ],
        },
        { resourceType: ResourceType.TOPIC, resourceName: "orders", patternType: PatternType.PREFIXED, acls: [{ principal: "User:alice", host: "*", operation: Operation.READ, permissionType: Permission.ALLOW }] },
        { resourceType: ResourceType.GROUP, resourceName: "orders", patternType: PatternType.LITERAL, acls: [{ principal: "User:alice", host: "*", operation: Operation.READ, permissionType: Permission.ALLOW }] },
      ],
    });
  });

  test("MATCH lists every pattern that applies to a topic; principal and permission narrow", async () => {
    const fixture = await engineFixture();
    const secured = await securedBy([describeCluster, acl({ resourceName: "*" }), acl({ resourceName: "ord", patternType: PatternType.PREFIXED }), acl({ resourceName: "payments" }), acl({ principal: "User:bob" })]);
    const matching = await handleDescribeAcls(request({ resourceTypeFilter: ResourceType.TOPIC, resourceNameFilter: "orders", patternTypeFilter: PatternType.MATCH }), fixture.ctx(3, secured));
    expect(matching!.resources.map((resource) => [resource.resourceName, resource.patternType, resource.acls.length])).toEqual([
      ["*", PatternType.LITERAL, 1],
      ["ord", PatternType.PREFIXED, 1],
      ["orders", PatternType.LITERAL, 1],
    ]);
    const bobs = await handleDescribeAcls(request({ principalFilter: "User:bob", permissionType: Permission.ALLOW }), fixture.ctx(3, secured));
    expect(bobs!.resources).toEqual([{ resourceType: ResourceType.TOPIC, resourceName: "orders", patternType: PatternType.LITERAL, acls: [{ principal: "User:bob", host: "*", operation: Operation.READ, permissionType: Permission.ALLOW }] }]);
  });

  test("v0 has no pattern type filter: it lists LITERAL ACLs only", async () => {
    const fixture = await engineFixture();
    const secured = await securedBy([describeCluster, acl(), acl({ patternType: PatternType.PREFIXED })]);
    const { patternTypeFilter: _, ...v0 } = request({ resourceTypeFilter: ResourceType.TOPIC });
    const response = await handleDescribeAcls(v0, fixture.ctx(0, secured));
    expect(response!.resources.map((resource) => resource.patternType)).toEqual([PatternType.LITERAL]);
  });

  test("a filter with an UNKNOWN code: INVALID_REQUEST", async () => {
    const fixture = await engineFixture();
    const secured = await securedBy([describeCluster]);
    for (const fields of [{ resourceTypeFilter: ResourceType.UNKNOWN }, { patternTypeFilter: PatternType.UNKNOWN }, { operation: Operation.UNKNOWN }, { permissionType: Permission.UNKNOWN }]) {
      const response = await handleDescribeAcls(request(fields), fixture.ctx(3, secured));
      expect(response).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, resources: [] });
      expect(response!.errorMessage).toMatch(/^The filter's .* is unknown$/);
    }
  });
});
