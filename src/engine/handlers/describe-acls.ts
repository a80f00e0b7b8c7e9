// DescribeAcls: the access control entries a filter matches, grouped by resource pattern.
//
// DescribeAcls Request (Version: 3) => resource_type_filter resource_name_filter pattern_type_filter
//                                      principal_filter host_filter operation permission_type _tagged_fields
// DescribeAcls Response (Version: 3) => throttle_time_ms error_code error_message [resources] _tagged_fields
//   resources => resource_type resource_name pattern_type [acls] _tagged_fields
//     acls => principal host operation permission_type _tagged_fields

import { ErrorCode } from "../../protocol/errors.ts";
import type { DescribeAclsRequest, DescribeAclsResponse, DescribeAclsResponseDescribeAclsResource } from "../../protocol/messages/describe-acls.ts";
import { filterProblem } from "../../security/acl.ts";
import { Operation } from "../access.ts";
import type { Handler } from "../handler-context.ts";
import { aclAccessProblem, filterOf, wireBinding } from "./acl-requests.ts";

export const handleDescribeAcls: Handler<DescribeAclsRequest, DescribeAclsResponse> = async (request, ctx) => {
  const fail = (errorCode: number, errorMessage: string): DescribeAclsResponse => ({ throttleTimeMs: 0, errorCode, errorMessage, resources: [] });
  const refused = aclAccessProblem(ctx, Operation.DESCRIBE);
  if (refused) return fail(...refused);
  const filter = filterOf(request);
  const problem = filterProblem(filter);
  if (problem !== null) return fail(ErrorCode.INVALID_REQUEST, problem);
  const resources = new Map<string, DescribeAclsResponseDescribeAclsResource>();
  for (const binding of ctx.authorizer!.acls.list(filter)) {
    const key = `${binding.resourceType}\u0000${binding.patternType}\u0000${binding.resourceName}`;
    let resource = resources.get(key);
    if (resource === undefined) {
      resource = { resourceType: binding.resourceType, resourceName: binding.resourceName, patternType: binding.patternType, acls: [] };
      resources.set(key, resource);
    }
    const { principal, host, operation, permissionType } = wireBinding(binding);
    resource.acls.push({ principal, host, operation, permissionType });
  }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, resources: [...resources.values()] };
};
