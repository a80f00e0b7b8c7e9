// AddPartitionsToTxn: a transactional producer names the partitions it is about to write to.
// v0–3 (the client versions) carry one transaction; v4+ (broker to broker, several
// transactions) are not advertised.
//
// AddPartitionsToTxn Request (Version: 3) => v3_and_below_transactional_id v3_and_below_producer_id
//   v3_and_below_producer_epoch [v3_and_below_topics] _tagged_fields
// AddPartitionsToTxn Response (Version: 3) => throttle_time_ms [results_by_topic_v3_and_below] _tagged_fields

import { ErrorCode } from "../../protocol/errors.ts";
import type { AddPartitionsToTxnRequest, AddPartitionsToTxnResponse } from "../../protocol/messages/add-partitions-to-txn.ts";
import type { Handler } from "../handler-context.ts";
import { fencedFor } from "./transaction-errors.ts";
import { Operation, topicAllowed, transactionalIdAllowed } from "../access.ts";

export const handleAddPartitionsToTxn: Handler<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse> = async (request, ctx) => {
  const topics = request.v3AndBelowTopics ?? [];
  const answer = (errorOf: (topic: string, partition: number) => number): AddPartitionsToTxnResponse => ({
    throttleTimeMs: 0,
    resultsByTopicV3AndBelow: topics.map((topic) => ({
      name: topic.name,
      resultsByPartition: topic.partitions.map((partitionIndex) => ({ partitionIndex, partitionErrorCode: errorOf(topic.name, partitionIndex) })),
    })),
  });
  if (!transactionalIdAllowed(ctx, Operation.WRITE, request.v3AndBelowTransactionalId ?? "")) return answer(() => ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  // Kafka's answer when some topic may not be written: those partitions TOPIC_AUTHORIZATION_FAILED, the rest OPERATION_NOT_ATTEMPTED.
  const unwritable = new Set(topics.filter((topic) => !topicAllowed(ctx, Operation.WRITE, topic.name)).map((topic) => topic.name));
  if (unwritable.size > 0) return answer((topic) => (unwritable.has(topic) ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : ErrorCode.OPERATION_NOT_ATTEMPTED));
  if (!ctx.transactions) return answer(() => ErrorCode.COORDINATOR_NOT_AVAILABLE);
  const producer = { producerId: request.v3AndBelowProducerId ?? -1, producerEpoch: request.v3AndBelowProducerEpoch ?? -1 };
  const result = await ctx.transactions.addPartitions(request.v3AndBelowTransactionalId ?? "", producer, topics);
  if (!Array.isArray(result)) return answer(() => fencedFor(result.errorCode, ctx.apiVersion, 2));
  const errors = new Map(result.map((entry) => [`${entry.topic}\u0000${entry.partition}`, entry.errorCode]));
  return answer((topic, partition) => errors.get(`${topic}\u0000${partition}`) ?? ErrorCode.NONE);
};
