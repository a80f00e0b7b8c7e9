// DeleteAcls: removes the access control entries each filter matches, and answers them.
//
// DeleteAcls Request (Version: 3) => [filters] _tagged_fields
//   filters => resource_type_filter resource_name_filter pattern_type_filter principal_filter
//              host_filter operation permission_type _tagged_fields
// DeleteAcls Response (Version: 3) => throttle_time_ms [filter_results] _tagged_fields
//   filter_results => error_code error_message [matching_acls] _tagged_fields

import { ErrorCode } from "../../protocol/errors.ts";
import type { DeleteAclsRequest, DeleteAclsResponse } from "../../protocol/messages/delete-acls.ts";
import { describeBinding, filterProblem } from "../../security/acl.ts";
import { Operation } from "../access.ts";
import type { Handler } from "../handler-context.ts";
import { aclAccessProblem, filterOf, wireBinding } from "./acl-requests.ts";

export const handleDeleteAcls: Handler<DeleteAclsRequest, DeleteAclsResponse> = async (request, ctx) => {
  const everyFilter = (errorCode: number, errorMessage: string): DeleteAclsResponse => ({
    throttleTimeMs: 0,
    filterResults: request.filters.map(() => ({ errorCode, errorMessage, matchingAcls: [] })),
  });
  const refused = aclAccessProblem(ctx, Operation.ALTER);
  if (refused) return everyFilter(...refused);
  const filters = request.filters.map(filterOf);
  const problems = filters.map(filterProblem);
  const valid = filters.filter((_, i) => problems[i] === null);
  let removed: ReturnType<typeof wireBinding>[][];
  try {
    removed = (await ctx.authorizer!.acls.remove(valid)).map((bindings) => {
      for (const binding of bindings) ctx.logger.info("ACL deleted", { acl: describeBinding(binding), by: ctx.requester?.principal ?? "" });
      return bindings.map(wireBinding);
    });
  } catch (error) {
    ctx.logger.error("Cannot store ACLs", { error });
    return everyFilter(ErrorCode.UNKNOWN_SERVER_ERROR, "The broker could not store the ACLs");
  }
  let next = 0;
  return {
    throttleTimeMs: 0,
    filterResults: problems.map((problem) => {
      if (problem !== null) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: problem, matchingAcls: [] };
      const matching = removed[next++];
      return { errorCode: ErrorCode.NONE, errorMessage: null, matchingAcls: matching.map((acl) => ({ errorCode: ErrorCode.NONE, errorMessage: null, ...acl })) };
    }),
  };
};
