// JoinGroup: a member asks to join a classic group; the answer waits until the rebalance
// completes (or the rebalance timeout passes). The leader's answer lists every member's metadata.
//
// JoinGroup Request (Version: 9) => group_id session_timeout_ms rebalance_timeout_ms member_id group_instance_id protocol_type [protocols] reason _tagged_fields
//   protocols => name metadata _tagged_fields
// JoinGroup Response (Version: 9) => throttle_time_ms error_code generation_id protocol_type protocol_name leader skip_assignment member_id [members] _tagged_fields
//   members => member_id group_instance_id metadata _tagged_fields

import { ErrorCode } from "../../protocol/errors.ts";
import type { JoinGroupRequest, JoinGroupResponse } from "../../protocol/messages/join-group.ts";
import { ClassicGroup, type JoinResult } from "../groups/classic-group.ts";
import { clientHostOf, coordinatorOf, groupIdProblem } from "../groups/group-context.ts";
import type { Handler } from "../handler-context.ts";
import { groupAllowed, Operation } from "../access.ts";

/** JoinGroup v4+ makes a new dynamic member rejoin with the id it was given (KIP-394). */
const knownMemberIdVersionMin = 4;

function toResponse(result: JoinResult, version: number): JoinGroupResponse {
  return {
    throttleTimeMs: 0,
    errorCode: result.errorCode,
    generationId: result.generationId,
    protocolType: result.protocolType,
    // Before v7 the protocol name is not nullable.
    protocolName: version >= 7 ? result.protocolName : (result.protocolName ?? ""),
    leader: result.leader,
    skipAssignment: version >= 9 ? result.skipAssignment : false,
    memberId: result.memberId,
    members: result.members,
  };
}

function failure(memberId: string, errorCode: number): JoinResult {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: "", memberId, skipAssignment: false, members: [] };
}

export const handleJoinGroup: Handler<JoinGroupRequest, JoinGroupResponse> = async (request, ctx) => {
  const version = ctx.apiVersion;
  if (!groupAllowed(ctx, Operation.READ, request.groupId)) return toResponse(failure(request.memberId, ErrorCode.GROUP_AUTHORIZATION_FAILED), version);
  const coordinator = coordinatorOf(ctx);
  if (!coordinator) return toResponse(failure(request.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE), version);
  const groupProblem = groupIdProblem(request.groupId);
  if (groupProblem !== ErrorCode.NONE) return toResponse(failure(request.memberId, groupProblem), version);
  const { groupSessionTimeoutMinMs, groupSessionTimeoutMaxMs } = coordinator.config;
  if (request.sessionTimeoutMs < groupSessionTimeoutMinMs || request.sessionTimeoutMs > groupSessionTimeoutMaxMs) {
    return toResponse(failure(request.memberId, ErrorCode.INVALID_SESSION_TIMEOUT), version);
  }
  // A member id on a group that does not exist is stale: the group was deleted or expired.
  const group = coordinator.classicGroup(request.groupId, request.memberId === "");
  if (!group) return toResponse(failure(request.memberId, ErrorCode.UNKNOWN_MEMBER_ID), version);
  if (!(group instanceof ClassicGroup)) return toResponse(failure(request.memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL), version);
  const rebalanceTimeoutMs = (request.rebalanceTimeoutMs ?? -1) >= 0 ? request.rebalanceTimeoutMs! : request.sessionTimeoutMs;
  const result = await group.join({
    memberId: request.memberId,
    groupInstanceId: request.groupInstanceId ?? null,
    clientId: ctx.clientId ?? "",
    clientHost: clientHostOf(ctx),
    sessionTimeoutMs: request.sessionTimeoutMs,
    rebalanceTimeoutMs,
    protocolType: request.protocolType,
    protocols: request.protocols,
    requireKnownMemberId: version >= knownMemberIdVersionMin && (request.groupInstanceId ?? null) === null,
  });
  return toResponse(result, version);
};
