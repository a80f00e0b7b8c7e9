// InitProducerId: gives a producer its id and epoch. Without a transactional id every call gets
// a fresh id at epoch 0, as Kafka's coordinator does (a producer that asks again with its old id
// and epoch, KIP-360, also gets a fresh one: its old sequences are then moot). With one, the
// transaction coordinator gives the id's producer id at its next epoch, fencing older instances.
//
// InitProducerId Request (Version: 5) => transactional_id transaction_timeout_ms producer_id producer_epoch _tagged_fields
// InitProducerId Response (Version: 5) => throttle_time_ms error_code producer_id producer_epoch _tagged_fields

import { ErrorCode } from "../../protocol/errors.ts";
import type { InitProducerIdRequest, InitProducerIdResponse } from "../../protocol/messages/init-producer-id.ts";
import type { Handler } from "../handler-context.ts";
import { fencedFor } from "./transaction-errors.ts";
import { allowedOnAny, clusterAllowed, Operation, ResourceType, transactionalIdAllowed } from "../access.ts";

function refused(errorCode: number): InitProducerIdResponse {
  return { throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1 };
}

export const handleInitProducerId: Handler<InitProducerIdRequest, InitProducerIdResponse> = async (request, ctx) => {
  if (request.transactionalId != null) {
    if (!transactionalIdAllowed(ctx, Operation.WRITE, request.transactionalId)) return refused(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    if (!ctx.transactions) return refused(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const current = { producerId: request.producerId ?? -1, producerEpoch: request.producerEpoch ?? -1 };
    const result = await ctx.transactions.initProducerId(request.transactionalId, request.transactionTimeoutMs, current);
    if (result.errorCode !== ErrorCode.NONE) return refused(fencedFor(result.errorCode, ctx.apiVersion, 4));
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, ...(result as { value: { producerId: number; producerEpoch: number } }).value };
  }
  // Kafka's rule for an idempotent producer: IDEMPOTENT_WRITE on the cluster, or WRITE on some topic.
  if (!clusterAllowed(ctx, Operation.IDEMPOTENT_WRITE) && !allowedOnAny(ctx, Operation.WRITE, ResourceType.TOPIC)) return refused(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  if (!ctx.producerIds) return refused(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: await ctx.producerIds.next(), producerEpoch: 0 };
};
