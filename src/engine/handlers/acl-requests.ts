// What CreateAcls, DescribeAcls and DeleteAcls share: their wire fields as chronik's ACL types,
// and the checks before any of them acts (an authorizer exists, the principal may manage ACLs).

import { ErrorCode } from "../../protocol/errors.ts";
import type { DeleteAclsRequestDeleteAclsFilter } from "../../protocol/messages/delete-acls.ts";
import type { DescribeAclsRequest } from "../../protocol/messages/describe-acls.ts";
import { type AclBinding, type AclBindingFilter, PatternType } from "../../security/acl.ts";
import { clusterAllowed, Operation } from "../access.ts";
import type { HandlerContext } from "../handler-context.ts";

/** An ACL filter as DescribeAcls and DeleteAcls send it (the same fields; v0 has no pattern type: literal). */
export type WireFilter = DescribeAclsRequest | DeleteAclsRequestDeleteAclsFilter;

export function filterOf(wire: WireFilter): AclBindingFilter {
  return {
    resourceType: wire.resourceTypeFilter,
    resourceName: wire.resourceNameFilter ?? null,
    patternType: wire.patternTypeFilter ?? PatternType.LITERAL,
    principal: wire.principalFilter ?? null,
    host: wire.hostFilter ?? null,
    operation: wire.operation,
    permission: wire.permissionType,
  };
}

/** A binding as DescribeAcls and DeleteAcls answer it. */
export function wireBinding(binding: AclBinding) {
  return {
    resourceType: binding.resourceType,
    resourceName: binding.resourceName,
    patternType: binding.patternType,
    principal: binding.principal,
    host: binding.host,
    operation: binding.operation,
    permissionType: binding.permission,
  };
}

/**
 * Why this request may not touch ACLs, as [error code, message], or null: no authorizer (Kafka's
 * SECURITY_DISABLED), or the principal lacks `operation` (ALTER to change, DESCRIBE to list) on the cluster.
 */
export function aclAccessProblem(ctx: HandlerContext, operation: typeof Operation.ALTER | typeof Operation.DESCRIBE): [number, string] | null {
  if (ctx.authorizer === undefined) return [ErrorCode.SECURITY_DISABLED, "No authorizer is enabled: ACLs apply once a listener authenticates (SASL_*, or SSL with --tls-ca)"];
  if (!clusterAllowed(ctx, operation)) return [ErrorCode.CLUSTER_AUTHORIZATION_FAILED, `Not allowed to ${operation === Operation.ALTER ? "ALTER" : "DESCRIBE"} the cluster`];
  return null;
}
