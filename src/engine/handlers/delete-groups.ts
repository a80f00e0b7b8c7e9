// DeleteGroups: removes empty groups with their committed offsets (tombstones in the group log).
//
// DeleteGroups Request (Version: 2) => [groups_names] _tagged_fields
// DeleteGroups Response (Version: 2) => throttle_time_ms [results] _tagged_fields
//   results => group_id error_code _tagged_fields

import { ErrorCode } from "../../protocol/errors.ts";
import type { DeleteGroupsRequest, DeleteGroupsResponse } from "../../protocol/messages/delete-groups.ts";
import { coordinatorOf, groupIdProblem } from "../groups/group-context.ts";
import type { Handler } from "../handler-context.ts";
import { groupAllowed, Operation } from "../access.ts";

export const handleDeleteGroups: Handler<DeleteGroupsRequest, DeleteGroupsResponse> = async (request, ctx) => {
  const coordinator = coordinatorOf(ctx);
  const results = [];
  for (const groupId of request.groupsNames) {
    let errorCode = !groupAllowed(ctx, Operation.DELETE, groupId) ? ErrorCode.GROUP_AUTHORIZATION_FAILED : coordinator ? groupIdProblem(groupId) : ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (errorCode === ErrorCode.NONE) {
      try {
        errorCode = await coordinator!.deleteGroup(groupId);
      } catch (error) {
        ctx.logger.error("Cannot delete group", { group: groupId, error });
        errorCode = ErrorCode.COORDINATOR_NOT_AVAILABLE;
      }
    }
    results.push({ groupId, errorCode });
  }
  return { throttleTimeMs: 0, results };
};
