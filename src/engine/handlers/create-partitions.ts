// CreatePartitions: grows topics to a larger partition count; one broker holds every replica,
// so manual assignments may name only this broker. Existing keys may map to other partitions
// afterwards, as in Kafka.
//
// CreatePartitions Request (Version: 3) => [topics] timeout_ms validate_only _tagged_fields
//   topics => name count [assignments] _tagged_fields
//     assignments => [broker_ids] _tagged_fields
// CreatePartitions Response (Version: 3) => throttle_time_ms [results] _tagged_fields
//   results => name error_code error_message _tagged_fields

import { ErrorCode } from "../../protocol/errors.ts";
import type {
  CreatePartitionsRequest,
  CreatePartitionsRequestCreatePartitionsTopic,
  CreatePartitionsResponse,
  CreatePartitionsResponseCreatePartitionsTopicResult,
} from "../../protocol/messages/create-partitions.ts";
import type { Handler, HandlerContext } from "../handler-context.ts";
import { partitionCountMax, TopicError } from "../topic-registry.ts";
import { Operation, topicAllowed } from "../access.ts";

type Result = CreatePartitionsResponseCreatePartitionsTopicResult;

/** Why the topic cannot grow as asked, as [error code, message], or null. */
function problemOf(ctx: HandlerContext, requested: CreatePartitionsRequestCreatePartitionsTopic): [number, string] | null {
  if (!topicAllowed(ctx, Operation.ALTER, requested.name)) return [ErrorCode.TOPIC_AUTHORIZATION_FAILED, `Not allowed to ALTER topic "${requested.name}"`];
  const topic = ctx.topics.get(requested.name);
  if (!topic) return [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic "${requested.name}" does not exist`];
  const current = topic.meta.partitionCount;
  if (requested.count <= current) {
    return [ErrorCode.INVALID_PARTITIONS, `Topic "${requested.name}" has ${current} partitions: the new count must be larger, not ${requested.count}`];
  }
  if (requested.count > partitionCountMax) return [ErrorCode.INVALID_PARTITIONS, `Partition count ${requested.count} is more than ${partitionCountMax}`];
  // An empty list means "choose for me", as null does (Kafka's controller reads it so; @platformatic/kafka sends it).
  const assignments = requested.assignments ?? [];
  if (assignments.length > 0) {
    if (assignments.length !== requested.count - current) {
      return [ErrorCode.INVALID_REPLICA_ASSIGNMENT, `${assignments.length} assignments were given for ${requested.count - current} new partitions`];
    }
    const stranger = assignments.flatMap((assignment) => assignment.brokerIds).find((id) => id !== ctx.config.nodeId);
    if (stranger !== undefined) return [ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Broker ${stranger} does not exist`];
  }
  return null;
}

async function growOne(ctx: HandlerContext, requested: CreatePartitionsRequestCreatePartitionsTopic, validateOnly: boolean): Promise<Result> {
  const problem = problemOf(ctx, requested);
  if (problem) return { name: requested.name, errorCode: problem[0], errorMessage: problem[1] };
  if (validateOnly) return { name: requested.name, errorCode: ErrorCode.NONE, errorMessage: null };
  try {
    await ctx.topics.addPartitions(requested.name, requested.count);
    return { name: requested.name, errorCode: ErrorCode.NONE, errorMessage: null };
  } catch (error) {
    if (error instanceof TopicError) return { name: requested.name, errorCode: error.code, errorMessage: error.message };
    ctx.logger.error("Cannot add partitions", { topic: requested.name, error });
    return { name: requested.name, errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: "The broker could not add the partitions" };
  }
}

export const handleCreatePartitions: Handler<CreatePartitionsRequest, CreatePartitionsResponse> = async (request, ctx) => {
  const seen = new Set<string>();
  const duplicates = new Set(request.topics.map((topic) => topic.name).filter((name) => seen.has(name) || !seen.add(name)));
  const results: Result[] = [];
  for (const requested of request.topics) {
    if (duplicates.has(requested.name)) {
      if (!results.some((result) => result.name === requested.name)) {
        results.push({ name: requested.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Topic "${requested.name}" appears more than once in the request` });
      }
      continue;
    }
    results.push(await growOne(ctx, requested, request.validateOnly));
  }
  return { throttleTimeMs: 0, results };
};
