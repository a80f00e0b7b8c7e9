// EndTxn: commits or aborts the producer's open transaction. Answered once every marker is
// written and the completion is durable.
//
// EndTxn Request (Version: 3) => transactional_id producer_id producer_epoch committed _tagged_fields
// EndTxn Response (Version: 3) => throttle_time_ms error_code _tagged_fields

import { ErrorCode } from "../../protocol/errors.ts";
import type { EndTxnRequest, EndTxnResponse } from "../../protocol/messages/end-txn.ts";
import type { Handler } from "../handler-context.ts";
import { fencedFor } from "./transaction-errors.ts";
import { Operation, transactionalIdAllowed } from "../access.ts";

export const handleEndTxn: Handler<EndTxnRequest, EndTxnResponse> = async (request, ctx) => {
  if (!transactionalIdAllowed(ctx, Operation.WRITE, request.transactionalId)) return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED };
  if (!ctx.transactions) return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
  const result = await ctx.transactions.endTransaction(request.transactionalId, { producerId: request.producerId, producerEpoch: request.producerEpoch }, request.committed);
  if (result.message) ctx.logger.debug("EndTxn refused", { transactionalId: request.transactionalId, reason: result.message });
  return { throttleTimeMs: 0, errorCode: fencedFor(result.errorCode, ctx.apiVersion, 2) };
};
