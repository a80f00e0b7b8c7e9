// Heartbeat: keeps a classic group member's session alive; REBALANCE_IN_PROGRESS tells it to rejoin.
//
// Heartbeat Request (Version: 4) => group_id generation_id member_id group_instance_id _tagged_fields
// Heartbeat Response (Version: 4) => throttle_time_ms error_code _tagged_fields

import { ErrorCode } from "../../protocol/errors.ts";
import type { HeartbeatRequest, HeartbeatResponse } from "../../protocol/messages/heartbeat.ts";
import { ClassicGroup } from "../groups/classic-group.ts";
import { coordinatorOf, groupIdProblem } from "../groups/group-context.ts";
import type { Handler } from "../handler-context.ts";
import { groupAllowed, Operation } from "../access.ts";

export const handleHeartbeat: Handler<HeartbeatRequest, HeartbeatResponse> = async (request, ctx) => {
  if (!groupAllowed(ctx, Operation.READ, request.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
  const coordinator = coordinatorOf(ctx);
  if (!coordinator) return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
  const groupProblem = groupIdProblem(request.groupId);
  if (groupProblem !== ErrorCode.NONE) return { throttleTimeMs: 0, errorCode: groupProblem };
  const group = coordinator.get(request.groupId);
  if (!(group instanceof ClassicGroup)) return { throttleTimeMs: 0, errorCode: ErrorCode.UNKNOWN_MEMBER_ID };
  const identity = { memberId: request.memberId, groupInstanceId: request.groupInstanceId ?? null };
  return { throttleTimeMs: 0, errorCode: group.heartbeat(identity, request.generationId) };
};
