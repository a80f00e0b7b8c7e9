// InitProducerId: gives an idempotent producer its id, epoch 0. Every call gets a fresh id, as
// Kafka's coordinator does for producers without a transactional id (a producer that asks again
// with its old id and epoch, KIP-360, also gets a fresh one: its old sequences are then moot).
// Transactional ids need a transaction coordinator, which this broker does not have yet.
//
// InitProducerId Request (Version: 5) => transactional_id transaction_timeout_ms producer_id producer_epoch _tagged_fields
// InitProducerId Response (Version: 5) => throttle_time_ms error_code producer_id producer_epoch _tagged_fields

import { ErrorCode } from "../../protocol/errors.ts";
import type { InitProducerIdRequest, InitProducerIdResponse } from "../../protocol/messages/init-producer-id.ts";
import type { Handler } from "../handler-context.ts";

function refused(errorCode: number): InitProducerIdResponse {
  return { throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1 };
}

export const handleInitProducerId: Handler<InitProducerIdRequest, InitProducerIdResponse> = async (request, ctx) => {
  if (request.transactionalId != null) {
    ctx.logger.warn("Refused InitProducerId with a transactional id: transactions are not supported yet", { clientId: ctx.clientId });
    return refused(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  }
  if (!ctx.producerIds) return refused(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: await ctx.producerIds.next(), producerEpoch: 0 };
};
