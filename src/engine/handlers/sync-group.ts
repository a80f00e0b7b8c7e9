// SyncGroup: after a JoinGroup, the leader sends every member's assignment and each member
// receives its own. Assignments are opaque bytes, returned exactly as the leader sent them.
//
// SyncGroup Request (Version: 5) => group_id generation_id member_id group_instance_id protocol_type protocol_name [assignments] _tagged_fields
//   assignments => member_id assignment _tagged_fields
// SyncGroup Response (Version: 5) => throttle_time_ms error_code protocol_type protocol_name assignment _tagged_fields

import { ErrorCode } from "../../protocol/errors.ts";
import type { SyncGroupRequest, SyncGroupResponse } from "../../protocol/messages/sync-group.ts";
import { ClassicGroup, type SyncResult } from "../groups/classic-group.ts";
import { coordinatorOf, groupIdProblem } from "../groups/group-context.ts";
import type { Handler } from "../handler-context.ts";
import { groupAllowed, Operation } from "../access.ts";

const noBytes = new Uint8Array(0);

function toResponse(result: SyncResult): SyncGroupResponse {
  return { throttleTimeMs: 0, errorCode: result.errorCode, protocolType: result.protocolType, protocolName: result.protocolName, assignment: result.assignment };
}

function failure(errorCode: number): SyncGroupResponse {
  return toResponse({ errorCode, protocolType: null, protocolName: null, assignment: noBytes });
}

export const handleSyncGroup: Handler<SyncGroupRequest, SyncGroupResponse> = async (request, ctx) => {
  if (!groupAllowed(ctx, Operation.READ, request.groupId)) return failure(ErrorCode.GROUP_AUTHORIZATION_FAILED);
  const coordinator = coordinatorOf(ctx);
  if (!coordinator) return failure(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  const groupProblem = groupIdProblem(request.groupId);
  if (groupProblem !== ErrorCode.NONE) return failure(groupProblem);
  const group = coordinator.get(request.groupId);
  if (!(group instanceof ClassicGroup)) return failure(ErrorCode.UNKNOWN_MEMBER_ID);
  const result = await group.sync({
    memberId: request.memberId,
    groupInstanceId: request.groupInstanceId ?? null,
    generationId: request.generationId,
    protocolType: request.protocolType ?? null,
    protocolName: request.protocolName ?? null,
    assignments: request.assignments,
  });
  // Protocol type and name exist from v5 only (ignorable fields, dropped below that).
  return toResponse(result);
};
