import { afterEach, describe, expect, test } from "bun:test";
import { handleDeleteAcls } from "../../../src/engine/handlers/delete-acls.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import type { DeleteAclsRequestDeleteAclsFilter } from "../../../src/protocol/messages/delete-acls.ts";
import { engineFixture } from "../fixtures.ts";
import { acl, Operation, PatternType, Permission, removeAclFolders, ResourceType, securedBy, wireFilter } from "./authorization-fixture.ts";

afterEach(removeAclFolders);

const alterCluster = acl({ resourceType: ResourceType.CLUSTER, resourceName: "kafka-cluster", operation: Operation.ALTER });

function filter(fields: Partial<DeleteAclsRequestDeleteAclsFilter> = {}): DeleteAclsRequestDeleteAclsFilter {
  return wireFilter({ resourceTypeFilter: ResourceType.TOPIC, ...fields });
}

function matching(fields: Partial<ReturnType<typeof acl>> = {}) {
  const binding = acl(fields);
  return {
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    resourceType: binding.resourceType,
    resourceName: binding.resourceName,
    patternType: binding.patternType,
    principal: binding.principal,
    host: binding.host,
    operation: binding.operation,
    permissionType: binding.permission,
  };
}

describe("handleDeleteAcls", () => {
  test("without an authorizer every filter answers SECURITY_DISABLED", async () => {
    const fixture = await engineFixture();
    const response = await handleDeleteAcls({ filters: [filter(), filter()] }, fixture.ctx(3));
    expect(response!.filterResults.map((result) => [result.errorCode, result.matchingAcls])).toEqual([
      [ErrorCode.SECURITY_DISABLED, []],
      [ErrorCode.SECURITY_DISABLED, []],
    ]);
  });

  test("without ALTER on the cluster: CLUSTER_AUTHORIZATION_FAILED and nothing removed", async () => {
    const fixture = await engineFixture();
    const secured = await securedBy([acl(), acl({ resourceType: ResourceType.CLUSTER, resourceName: "kafka-cluster", operation: Operation.DESCRIBE })]);
    const response = await handleDeleteAcls({ filters: [filter()] }, fixture.ctx(3, secured));
    expect(response!.filterResults).toEqual([{ errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: "Not allowed to ALTER the cluster", matchingAcls: [] }]);
    expect(secured.authorizer!.acls.size).toBe(2);
  });

  test("answers, per filter, the ACLs it matched and removes them from the store and its file", async () => {
    const fixture = await engineFixture();
    const secured = await securedBy([alterCluster, acl(), acl({ principal: "User:bob", operation: Operation.WRITE }), acl({ resourceName: "orders-", patternType: PatternType.PREFIXED })]);
    const response = await handleDeleteAcls(
      { filters: [filter({ principalFilter: "User:bob" }), filter({ resourceNameFilter: "orders-eu", patternTypeFilter: PatternType.MATCH }), filter({ resourceNameFilter: "payments" })] },
      fixture.ctx(3, secured),
    );
    expect(response).toEqual({
      throttleTimeMs: 0,
      filterResults: [
        { errorCode: ErrorCode.NONE, errorMessage: null, matchingAcls: [matching({ principal: "User:bob", operation: Operation.WRITE })] },
        { errorCode: ErrorCode.NONE, errorMessage: null, matchingAcls: [matching({ resourceName: "orders-", patternType: PatternType.PREFIXED })] },
        { errorCode: ErrorCode.NONE, errorMessage: null, matchingAcls: [] },
      ],
    });
    const store = secured.authorizer!.acls;
    expect(store.ofType(ResourceType.TOPIC)).toEqual([acl()]);
    expect(store.ofType(ResourceType.CLUSTER)).toEqual([alterCluster]);
    store.reload();
    expect(store.size).toBe(2);
  });

  test("a filter with an UNKNOWN code answers INVALID_REQUEST; the valid filters beside it still delete", async () => {
    const fixture = await engineFixture();
    const secured = await securedBy([alterCluster, acl(), acl({ principal: "User:bob" })]);
    const response = await handleDeleteAcls(
      { filters: [filter({ operation: Operation.UNKNOWN }), filter({ principalFilter: "User:bob" }), filter({ resourceTypeFilter: ResourceType.UNKNOWN })] },
      fixture.ctx(3, secured),
    );
    expect(response!.filterResults).toEqual([
      { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: "The filter's operation is unknown", matchingAcls: [] },
      { errorCode: ErrorCode.NONE, errorMessage: null, matchingAcls: [matching({ principal: "User:bob" })] },
      { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: "The filter's resource type is unknown", matchingAcls: [] },
    ]);
    expect(secured.authorizer!.acls.ofType(ResourceType.TOPIC)).toEqual([acl()]);
  });

  test("v0 filters carry no pattern type: they delete LITERAL ACLs only", async () => {
    const fixture = await engineFixture();
    const secured = await securedBy([alterCluster, acl(), acl({ patternType: PatternType.PREFIXED })]);
    const { patternTypeFilter: _, ...v0 } = filter({ resourceNameFilter: "orders" });
    const response = await handleDeleteAcls({ filters: [v0] }, fixture.ctx(0, secured));
    expect(response!.filterResults[0].matchingAcls).toEqual([matching()]);
    expect(secured.authorizer!.acls.ofType(ResourceType.TOPIC)).toEqual([acl({ patternType: PatternType.PREFIXED })]);
  });

  test("deleting the ACL that lets alice alter the cluster works once: the next request is refused", async () => {
    const fixture = await engineFixture();
    const secured = await securedBy([alterCluster, acl()]);
    const first = await handleDeleteAcls({ filters: [filter({ resourceTypeFilter: ResourceType.CLUSTER })] }, fixture.ctx(3, secured));
    expect(first!.filterResults[0].matchingAcls).toHaveLength(1);
    const second = await handleDeleteAcls({ filters: [filter()] }, fixture.ctx(3, secured));
    expect(second!.filterResults[0].errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  });
});
