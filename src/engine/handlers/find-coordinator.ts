// FindCoordinator: this single broker coordinates every group (key type 0) and every
// transactional id (key type 1).
//
// FindCoordinator Request (Version: 4) => key_type [coordinator_keys] _tagged_fields
// FindCoordinator Response (Version: 4) => throttle_time_ms [coordinators] _tagged_fields
//   coordinators => key node_id host port error_code error_message _tagged_fields
// (v0–3 carry one key and answer with top-level error_code, node_id, host, port.)

import { ErrorCode } from "../../protocol/errors.ts";
import type { FindCoordinatorRequest, FindCoordinatorResponse, FindCoordinatorResponseCoordinator } from "../../protocol/messages/find-coordinator.ts";
import { advertisedAddress, type Handler, type HandlerContext } from "../handler-context.ts";
import { groupAllowed, Operation, transactionalIdAllowed } from "../access.ts";

export const CoordinatorKeyType = { group: 0, transaction: 1 } as const;

function findOne(ctx: HandlerContext, key: string, keyType: number): FindCoordinatorResponseCoordinator {
  const { nodeId } = ctx.config;
  const { host, port } = advertisedAddress(ctx);
  const none = { key, nodeId: -1, host: "", port: -1 };
  if (keyType === CoordinatorKeyType.transaction && !transactionalIdAllowed(ctx, Operation.DESCRIBE, key)) {
    return { ...none, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, errorMessage: `Not allowed to DESCRIBE transactional id "${key}"` };
  }
  if (keyType === CoordinatorKeyType.group && !groupAllowed(ctx, Operation.DESCRIBE, key)) {
    return { ...none, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage: `Not allowed to DESCRIBE group "${key}"` };
  }
  if (keyType === CoordinatorKeyType.transaction) {
    if (key === "") return { ...none, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: "Transactional id is empty" };
    if (!ctx.transactions) return { ...none, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: "The transaction coordinator is not running" };
    return { key, nodeId, host, port, errorCode: ErrorCode.NONE, errorMessage: null };
  }
  if (keyType !== CoordinatorKeyType.group) return { ...none, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Key type ${keyType} is not known` };
  if (key === "") return { ...none, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: "Group id is empty" };
  if (!ctx.groups) return { ...none, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: "The group coordinator is not running" };
  return { key, nodeId, host, port, errorCode: ErrorCode.NONE, errorMessage: null };
}

export const handleFindCoordinator: Handler<FindCoordinatorRequest, FindCoordinatorResponse> = async (request, ctx) => {
  const keyType = request.keyType ?? CoordinatorKeyType.group;
  if (ctx.apiVersion >= 4) {
    return { throttleTimeMs: 0, coordinators: (request.coordinatorKeys ?? []).map((key) => findOne(ctx, key, keyType)) };
  }
  const found = findOne(ctx, request.key ?? "", keyType);
  return {
    throttleTimeMs: 0,
    errorCode: found.errorCode,
    errorMessage: found.errorMessage,
    nodeId: found.nodeId,
    host: found.host,
    port: found.port,
  };
};
