// DeleteRecords: move each partition's log start offset forward; segments wholly below it are
// deleted, and fetches below it get OFFSET_OUT_OF_RANGE. Offset -1 means the high watermark.
//
// DeleteRecords Request (Version: 2) => [topics] timeout_ms _tagged_fields
//   topics => name [partitions] _tagged_fields
//     partitions => partition_index offset _tagged_fields
// DeleteRecords Response (Version: 2) => throttle_time_ms [topics] _tagged_fields
//   topics => name [partitions] _tagged_fields
//     partitions => partition_index low_watermark error_code _tagged_fields

import { ErrorCode } from "../../protocol/errors.ts";
import type {
  DeleteRecordsRequest,
  DeleteRecordsResponse,
  DeleteRecordsResponseDeleteRecordsPartitionResult,
} from "../../protocol/messages/delete-records.ts";
import { OffsetOutOfRangeError } from "../../storage/partition-log.ts";
import { isInternalTopic } from "../groups/group-log.ts";
import type { Handler, HandlerContext } from "../handler-context.ts";
import type { Partition } from "../partition.ts";
import { partitionOf } from "../topic-lookup.ts";
import { Operation, topicAllowed } from "../access.ts";

type PartitionResult = DeleteRecordsResponseDeleteRecordsPartitionResult;

/** The request's offset meaning "everything below the high watermark". */
const highWatermarkOffset = -1;

async function deleteBelow(ctx: HandlerContext, partition: Partition, offset: number): Promise<PartitionResult> {
  const log = partition.log;
  const target = offset === highWatermarkOffset ? log.highWatermark : offset;
  if (target < 0 || target > log.highWatermark) {
    return { partitionIndex: partition.index, lowWatermark: -1, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE };
  }
  try {
    await log.advanceLogStartOffset(target);
    return { partitionIndex: partition.index, lowWatermark: log.logStartOffset, errorCode: ErrorCode.NONE };
  } catch (error) {
    if (error instanceof OffsetOutOfRangeError) {
      return { partitionIndex: partition.index, lowWatermark: -1, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE };
    }
    // The topic was deleted meanwhile (its log closed): the partition is unknown now, not failed.
    if (ctx.topics.get(partition.topic)?.partitions[partition.index] !== partition) {
      return { partitionIndex: partition.index, lowWatermark: -1, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
    }
    ctx.logger.error("Cannot delete records", { topic: partition.topic, partition: partition.index, offset, error });
    return { partitionIndex: partition.index, lowWatermark: -1, errorCode: ErrorCode.KAFKA_STORAGE_ERROR };
  }
}

export const handleDeleteRecords: Handler<DeleteRecordsRequest, DeleteRecordsResponse> = async (request, ctx) => {
  const topics = await Promise.all(
    request.topics.map(async ({ name, partitions }) => {
      const topic = ctx.topics.get(name);
      const refused = !topicAllowed(ctx, Operation.DELETE, name);
      return {
        name,
        partitions: await Promise.all(
          partitions.map(({ partitionIndex, offset }) => {
            if (refused) return { partitionIndex, lowWatermark: -1, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED };
            const partition = topic ? partitionOf(topic, partitionIndex) : null;
            if (!partition) return { partitionIndex, lowWatermark: -1, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
            // Kafka's rule: records of an internal topic (committed offsets) are not the client's to delete.
            if (isInternalTopic(name)) return { partitionIndex, lowWatermark: -1, errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION };
            return deleteBelow(ctx, partition, offset);
          }),
        ),
      };
    }),
  );
  return { throttleTimeMs: 0, topics };
};
