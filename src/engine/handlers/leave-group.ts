// LeaveGroup: members leave a classic group at once instead of waiting for their session to
// expire. v0–2 carry one member id; v3+ a batch of members (by member id and/or instance id).
//
// LeaveGroup Request (Version: 5) => group_id [members] _tagged_fields
//   members => member_id group_instance_id reason _tagged_fields
// LeaveGroup Response (Version: 5) => throttle_time_ms error_code [members] _tagged_fields
//   members => member_id group_instance_id error_code _tagged_fields

import { ErrorCode } from "../../protocol/errors.ts";
import type { LeaveGroupRequest, LeaveGroupResponse } from "../../protocol/messages/leave-group.ts";
import { ClassicGroup } from "../groups/classic-group.ts";
import { coordinatorOf, groupIdProblem } from "../groups/group-context.ts";
import type { Handler } from "../handler-context.ts";
import { groupAllowed, Operation } from "../access.ts";

const batchedVersionMin = 3;

export const handleLeaveGroup: Handler<LeaveGroupRequest, LeaveGroupResponse> = async (request, ctx) => {
  const batched = ctx.apiVersion >= batchedVersionMin;
  const leaving = batched
    ? (request.members ?? []).map((member) => ({ memberId: member.memberId, groupInstanceId: member.groupInstanceId ?? null }))
    : [{ memberId: request.memberId ?? "", groupInstanceId: null }];
  const answer = (errorCode: number, memberErrors: number[]): LeaveGroupResponse => ({
    throttleTimeMs: 0,
    // Before v3 the single member's error is the answer's error.
    errorCode: batched ? errorCode : (memberErrors[0] ?? errorCode),
    members: batched ? leaving.map((member, index) => ({ ...member, errorCode: memberErrors[index] ?? errorCode })) : [],
  });
  if (!groupAllowed(ctx, Operation.READ, request.groupId)) return answer(ErrorCode.GROUP_AUTHORIZATION_FAILED, []);
  const coordinator = coordinatorOf(ctx);
  if (!coordinator) return answer(ErrorCode.COORDINATOR_NOT_AVAILABLE, []);
  const groupProblem = groupIdProblem(request.groupId);
  if (groupProblem !== ErrorCode.NONE) return answer(groupProblem, []);
  const group = coordinator.get(request.groupId);
  if (!(group instanceof ClassicGroup)) return answer(ErrorCode.NONE, leaving.map(() => ErrorCode.UNKNOWN_MEMBER_ID));
  return answer(ErrorCode.NONE, group.leave(leaving));
};
