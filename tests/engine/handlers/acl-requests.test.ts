import { afterEach, describe, expect, test } from "bun:test";
import { aclAccessProblem, filterOf, wireBinding } from "../../../src/engine/handlers/acl-requests.ts";
import { clusterResourceName } from "../../../src/security/acl.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import { engineFixture } from "../fixtures.ts";
import { acl, Operation, PatternType, Permission, removeAclFolders, ResourceType, securedBy, wireFilter } from "./authorization-fixture.ts";

afterEach(removeAclFolders);

const onCluster = (operation: number) => acl({ resourceType: ResourceType.CLUSTER, resourceName: clusterResourceName, operation });

describe("ACL request helpers", () => {
  test("filterOf reads a wire filter as an ACL filter; without a pattern type (v0) it is LITERAL", () => {
    const wire = wireFilter({ resourceTypeFilter: ResourceType.TOPIC, resourceNameFilter: "orders", principalFilter: "User:alice", hostFilter: "10.0.0.1", operation: Operation.READ, permissionType: Permission.ALLOW, patternTypeFilter: PatternType.PREFIXED });
    expect(filterOf(wire)).toEqual({ resourceType: ResourceType.TOPIC, resourceName: "orders", patternType: PatternType.PREFIXED, principal: "User:alice", host: "10.0.0.1", operation: Operation.READ, permission: Permission.ALLOW });
    const v0 = { resourceTypeFilter: ResourceType.ANY, operation: Operation.ANY, permissionType: Permission.ANY };
    expect(filterOf(v0)).toEqual({ resourceType: ResourceType.ANY, resourceName: null, patternType: PatternType.LITERAL, principal: null, host: null, operation: Operation.ANY, permission: Permission.ANY });
  });

  test("wireBinding names a binding's fields as DescribeAcls and DeleteAcls answer them", () => {
    const binding = acl({ resourceType: ResourceType.GROUP, resourceName: "billing", patternType: PatternType.PREFIXED, host: "10.0.0.2", operation: Operation.DESCRIBE, permission: Permission.DENY });
    expect(wireBinding(binding)).toEqual({ resourceType: ResourceType.GROUP, resourceName: "billing", patternType: PatternType.PREFIXED, principal: "User:alice", host: "10.0.0.2", operation: Operation.DESCRIBE, permissionType: Permission.DENY });
  });

  test("aclAccessProblem: SECURITY_DISABLED without an authorizer, CLUSTER_AUTHORIZATION_FAILED without the operation on the cluster", async () => {
    const engine = await engineFixture();
    const [code, message] = aclAccessProblem(engine.ctx(0), Operation.ALTER)!;
    expect(code).toBe(ErrorCode.SECURITY_DISABLED);
    expect(message).toContain("No authorizer is enabled");
    // DESCRIBE on the cluster lists ACLs but does not change them.
    const describer = engine.ctx(0, await securedBy([onCluster(Operation.DESCRIBE)]));
    expect(aclAccessProblem(describer, Operation.DESCRIBE)).toBeNull();
    expect(aclAccessProblem(describer, Operation.ALTER)).toEqual([ErrorCode.CLUSTER_AUTHORIZATION_FAILED, "Not allowed to ALTER the cluster"]);
    const nobody = engine.ctx(0, await securedBy([acl()]));
    expect(aclAccessProblem(nobody, Operation.DESCRIBE)).toEqual([ErrorCode.CLUSTER_AUTHORIZATION_FAILED, "Not allowed to DESCRIBE the cluster"]);
    const alterer = engine.ctx(0, await securedBy([onCluster(Operation.ALTER)]));
    expect(aclAccessProblem(alterer, Operation.ALTER)).toBeNull();
  });
});
