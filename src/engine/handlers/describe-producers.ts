// DescribeProducers: the idempotent and transactional producers a partition knows: epoch, last
// sequence and timestamp, and where their open transaction starts.
//
// DescribeProducers Request (Version: 0) => [topics] _tagged_fields
//   topics => name [partition_indexes] _tagged_fields
// DescribeProducers Response (Version: 0) => throttle_time_ms [topics] _tagged_fields

import { ErrorCode } from "../../protocol/errors.ts";
import type { DescribeProducersRequest, DescribeProducersResponse } from "../../protocol/messages/describe-producers.ts";
import type { Handler } from "../handler-context.ts";
import { partitionOf } from "../topic-lookup.ts";
import { Operation, topicAllowed } from "../access.ts";

export const handleDescribeProducers: Handler<DescribeProducersRequest, DescribeProducersResponse> = async (request, ctx) => ({
  throttleTimeMs: 0,
  topics: request.topics.map(({ name, partitionIndexes }) => {
    const topic = ctx.topics.get(name);
    return {
      name,
      partitions: partitionIndexes.map((partitionIndex) => {
        if (!topicAllowed(ctx, Operation.READ, name)) return { partitionIndex, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: null, activeProducers: [] };
        const partition = topic ? partitionOf(topic, partitionIndex) : null;
        if (!partition) return { partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null, activeProducers: [] };
        const activeProducers = [...partition.producers.entries()].map((entry) => ({
          producerId: entry.producerId,
          producerEpoch: entry.epoch,
          lastSequence: entry.batches.at(-1)?.lastSeq ?? -1,
          lastTimestamp: entry.lastTimestamp,
          coordinatorEpoch: entry.coordinatorEpoch,
          currentTxnStartOffset: entry.currentTxnFirstOffset,
        }));
        return { partitionIndex, errorCode: ErrorCode.NONE, errorMessage: null, activeProducers };
      }),
    };
  }),
});
