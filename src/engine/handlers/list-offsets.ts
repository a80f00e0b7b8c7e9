// ListOffsets: earliest, latest, max-timestamp, or the first offset at or after a timestamp.
// For read_committed (isolation level 1) "latest" is the last stable offset, as in Kafka.
//
// ListOffsets Request (Version: 7) => replica_id isolation_level [topics] _tagged_fields
//   topics => name [partitions] _tagged_fields
//     partitions => partition_index current_leader_epoch timestamp _tagged_fields
// ListOffsets Response (Version: 7) => throttle_time_ms [topics] _tagged_fields
//   topics => name [partitions] _tagged_fields
//     partitions => partition_index error_code timestamp offset leader_epoch _tagged_fields

import { ErrorCode } from "../../protocol/errors.ts";
import type {
  ListOffsetsRequest,
  ListOffsetsResponse,
  ListOffsetsResponseListOffsetsPartitionResponse,
} from "../../protocol/messages/list-offsets.ts";
import type { Handler, HandlerContext } from "../handler-context.ts";
import type { Partition } from "../partition.ts";
import { partitionOf } from "../topic-lookup.ts";
import { Operation, topicAllowed } from "../access.ts";

/** Special timestamps of the ListOffsets request. */
export const OffsetSpec = { latest: -1, earliest: -2, maxTimestamp: -3 } as const;

type PartitionResponse = ListOffsetsResponseListOffsetsPartitionResponse;

function answer(partitionIndex: number, errorCode: number, offset = -1, timestamp = -1): PartitionResponse {
  return { partitionIndex, errorCode, timestamp, offset, oldStyleOffsets: [] };
}

async function lookupOffset(ctx: HandlerContext, partition: Partition, timestamp: number, readCommitted: boolean): Promise<PartitionResponse> {
  const log = partition.log;
  switch (timestamp) {
    case OffsetSpec.latest:
      return answer(partition.index, ErrorCode.NONE, readCommitted ? partition.lastStableOffset : log.highWatermark);
    case OffsetSpec.earliest:
      return answer(partition.index, ErrorCode.NONE, log.logStartOffset);
    case OffsetSpec.maxTimestamp: {
      const max = log.maxTimestamp();
      return max ? answer(partition.index, ErrorCode.NONE, max.offset, max.timestamp) : answer(partition.index, ErrorCode.NONE);
    }
  }
  if (timestamp < 0) return answer(partition.index, ErrorCode.INVALID_REQUEST);
  try {
    const found = await log.offsetForTimestamp(timestamp);
    // No record at or after the timestamp: Kafka answers offset -1, timestamp -1.
    return found ? answer(partition.index, ErrorCode.NONE, found.offset, found.timestamp) : answer(partition.index, ErrorCode.NONE);
  } catch (error) {
    ctx.logger.error("Cannot look up offset by timestamp", { topic: partition.topic, partition: partition.index, error });
    return answer(partition.index, ErrorCode.KAFKA_STORAGE_ERROR);
  }
}

export const handleListOffsets: Handler<ListOffsetsRequest, ListOffsetsResponse> = async (request, ctx) => {
  const topics = await Promise.all(
    request.topics.map(async ({ name, partitions }) => {
      const topic = ctx.topics.get(name);
      const refused = !topicAllowed(ctx, Operation.DESCRIBE, name);
      return {
        name,
        partitions: await Promise.all(
          partitions.map(({ partitionIndex, timestamp }) => {
            if (refused) return answer(partitionIndex, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
            const partition = topic ? partitionOf(topic, partitionIndex) : null;
            return partition ? lookupOffset(ctx, partition, timestamp, request.isolationLevel === 1) : answer(partitionIndex, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          }),
        ),
      };
    }),
  );
  return { throttleTimeMs: 0, topics };
};
