// AddOffsetsToTxn: a transactional producer is about to commit a group's offsets in its
// transaction (sendOffsetsToTransaction): the offsets topic joins the transaction.
//
// AddOffsetsToTxn Request (Version: 3) => transactional_id producer_id producer_epoch group_id _tagged_fields
// AddOffsetsToTxn Response (Version: 3) => throttle_time_ms error_code _tagged_fields

import { ErrorCode } from "../../protocol/errors.ts";
import type { AddOffsetsToTxnRequest, AddOffsetsToTxnResponse } from "../../protocol/messages/add-offsets-to-txn.ts";
import { groupIdProblem } from "../groups/group-context.ts";
import type { Handler } from "../handler-context.ts";
import { fencedFor } from "./transaction-errors.ts";
import { groupAllowed, Operation, transactionalIdAllowed } from "../access.ts";

export const handleAddOffsetsToTxn: Handler<AddOffsetsToTxnRequest, AddOffsetsToTxnResponse> = async (request, ctx) => {
  if (!transactionalIdAllowed(ctx, Operation.WRITE, request.transactionalId)) return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED };
  if (!groupAllowed(ctx, Operation.READ, request.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
  if (!ctx.transactions || !ctx.groups) return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
  const groupProblem = groupIdProblem(request.groupId);
  if (groupProblem !== ErrorCode.NONE) return { throttleTimeMs: 0, errorCode: groupProblem };
  const errorCode = await ctx.transactions.addOffsets(request.transactionalId, { producerId: request.producerId, producerEpoch: request.producerEpoch });
  return { throttleTimeMs: 0, errorCode: fencedFor(errorCode, ctx.apiVersion, 2) };
};
