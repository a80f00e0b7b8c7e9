import { afterEach, describe, expect, test } from "bun:test";
import { handleCreateAcls } from "../../../src/engine/handlers/create-acls.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import type { CreateAclsRequestAclCreation } from "../../../src/protocol/messages/create-acls.ts";
import type { AclBindingFilter } from "../../../src/security/acl.ts";
import { engineFixture } from "../fixtures.ts";
import { acl, Operation, PatternType, Permission, removeAclFolders, ResourceType, securedBy } from "./authorization-fixture.ts";

afterEach(removeAclFolders);

const alterCluster = acl({ resourceType: ResourceType.CLUSTER, resourceName: "kafka-cluster", operation: Operation.ALTER });

function creation(fields: Partial<CreateAclsRequestAclCreation> = {}): CreateAclsRequestAclCreation {
  return {
    resourceType: ResourceType.TOPIC,
    resourceName: "orders",
    resourcePatternType: PatternType.LITERAL,
    principal: "User:bob",
    host: "*",
    operation: Operation.READ,
    permissionType: Permission.ALLOW,
    ...fields,
  };
}

const bobsAcls: AclBindingFilter = {
  resourceType: ResourceType.ANY,
  resourceName: null,
  patternType: PatternType.ANY,
  principal: "User:bob",
  host: null,
  operation: Operation.ANY,
  permission: Permission.ANY,
};

describe("handleCreateAcls", () => {
  test("without an authorizer every creation answers SECURITY_DISABLED", async () => {
    const fixture = await engineFixture();
    const response = await handleCreateAcls({ creations: [creation(), creation({ operation: Operation.WRITE })] }, fixture.ctx(3));
    expect(response!.results.map((result) => result.errorCode)).toEqual([ErrorCode.SECURITY_DISABLED, ErrorCode.SECURITY_DISABLED]);
  });

  test("without ALTER on the cluster every creation answers CLUSTER_AUTHORIZATION_FAILED and nothing is stored", async () => {
    const fixture = await engineFixture();
    // DESCRIBE on the cluster lists ACLs, it does not change them.
    const secured = await securedBy([acl({ resourceType: ResourceType.CLUSTER, resourceName: "kafka-cluster", operation: Operation.DESCRIBE })]);
    const response = await handleCreateAcls({ creations: [creation()] }, fixture.ctx(3, secured));
    expect(response!.results).toEqual([{ errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: "Not allowed to ALTER the cluster" }]);
    expect(secured.authorizer!.acls.list(bobsAcls)).toEqual([]);
  });

  test("stores valid creations and answers INVALID_REQUEST for each invalid one, in request order", async () => {
    const fixture = await engineFixture();
    const secured = await securedBy([alterCluster]);
    const response = await handleCreateAcls(
      {
        creations: [
          creation(),
          creation({ resourceType: ResourceType.GROUP, resourceName: "billing", operation: Operation.WRITE }),
          creation({ resourceName: "orders-", resourcePatternType: PatternType.PREFIXED, operation: Operation.WRITE, permissionType: Permission.DENY }),
          creation({ resourcePatternType: PatternType.MATCH }),
          creation({ principal: "bob" }),
        ],
      },
      fixture.ctx(3, secured),
    );
    expect(response!.results).toEqual([
      { errorCode: ErrorCode.NONE, errorMessage: null },
      { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: "Operation WRITE does not apply to GROUP" },
      { errorCode: ErrorCode.NONE, errorMessage: null },
      { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: "Pattern type MATCH cannot be stored: use LITERAL or PREFIXED" },
      { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: expect.stringContaining('Principal "bob"') },
    ]);
    expect(secured.authorizer!.acls.list(bobsAcls)).toEqual([
      acl({ principal: "User:bob" }),
      acl({ principal: "User:bob", resourceName: "orders-", patternType: PatternType.PREFIXED, operation: Operation.WRITE, permission: Permission.DENY }),
    ]);
  });

  test("an ACL created takes effect at once: bob may then read", async () => {
    const fixture = await engineFixture();
    const secured = await securedBy([alterCluster]);
    const bob = { principal: "User:bob", host: "10.0.0.2" };
    expect(secured.authorizer!.authorize(bob, Operation.READ, ResourceType.TOPIC, "orders")).toBe(false);
    await handleCreateAcls({ creations: [creation()] }, fixture.ctx(3, secured));
    expect(secured.authorizer!.authorize(bob, Operation.READ, ResourceType.TOPIC, "orders")).toBe(true);
  });

  test("v0 creations carry no pattern type: they are LITERAL", async () => {
    const fixture = await engineFixture();
    const secured = await securedBy([alterCluster]);
    const { resourcePatternType: _, ...v0 } = creation({ resourceName: "orders-" });
    const response = await handleCreateAcls({ creations: [v0] }, fixture.ctx(0, secured));
    expect(response!.results).toEqual([{ errorCode: ErrorCode.NONE, errorMessage: null }]);
    expect(secured.authorizer!.acls.list(bobsAcls)).toEqual([acl({ principal: "User:bob", resourceName: "orders-", patternType: PatternType.LITERAL })]);
  });

  test("creating an ACL already stored succeeds and keeps one copy", async () => {
    const fixture = await engineFixture();
    const secured = await securedBy([alterCluster]);
    await handleCreateAcls({ creations: [creation()] }, fixture.ctx(3, secured));
    const again = await handleCreateAcls({ creations: [creation(), creation()] }, fixture.ctx(3, secured));
    expect(again!.results.map((result) => result.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
    expect(secured.authorizer!.acls.list(bobsAcls)).toHaveLength(1);
  });

  test("a super user needs no ACL to create ACLs", async () => {
    const fixture = await engineFixture();
    const secured = await securedBy([], { superUsers: ["User:alice"] });
    const response = await handleCreateAcls({ creations: [creation()] }, fixture.ctx(3, secured));
    expect(response!.results).toEqual([{ errorCode: ErrorCode.NONE, errorMessage: null }]);
  });
});
