// CreateAcls: stores access control entries; each creation answers for itself.
//
// CreateAcls Request (Version: 3) => [creations] _tagged_fields
//   creations => resource_type resource_name resource_pattern_type principal host operation permission_type _tagged_fields
// CreateAcls Response (Version: 3) => throttle_time_ms [results] _tagged_fields
//   results => error_code error_message _tagged_fields

import { ErrorCode } from "../../protocol/errors.ts";
import type { CreateAclsRequest, CreateAclsResponse } from "../../protocol/messages/create-acls.ts";
import { type AclBinding, bindingProblem, describeBinding, PatternType } from "../../security/acl.ts";
import { AclStoreError } from "../../security/acl-store.ts";
import { Operation } from "../access.ts";
import type { Handler } from "../handler-context.ts";
import { aclAccessProblem } from "./acl-requests.ts";

export const handleCreateAcls: Handler<CreateAclsRequest, CreateAclsResponse> = async (request, ctx) => {
  const refused = aclAccessProblem(ctx, Operation.ALTER);
  if (refused) return { throttleTimeMs: 0, results: request.creations.map(() => ({ errorCode: refused[0], errorMessage: refused[1] })) };
  const bindings: AclBinding[] = request.creations.map((creation) => ({
    resourceType: creation.resourceType,
    resourceName: creation.resourceName,
    patternType: creation.resourcePatternType ?? PatternType.LITERAL,
    principal: creation.principal,
    host: creation.host,
    operation: creation.operation,
    permission: creation.permissionType,
  }));
  const problems = bindings.map(bindingProblem);
  const valid = bindings.filter((_, i) => problems[i] === null);
  let storeError: string | null = null;
  try {
    await ctx.authorizer!.acls.add(valid);
    for (const binding of valid) ctx.logger.info("ACL created", { acl: describeBinding(binding), by: ctx.requester?.principal ?? "" });
  } catch (error) {
    if (!(error instanceof AclStoreError)) ctx.logger.error("Cannot store ACLs", { error });
    storeError = error instanceof AclStoreError ? error.message : "The broker could not store the ACLs";
  }
  return {
    throttleTimeMs: 0,
    results: problems.map((problem) => {
      if (problem !== null) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: problem };
      if (storeError !== null) return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: storeError };
      return { errorCode: ErrorCode.NONE, errorMessage: null };
    }),
  };
};
