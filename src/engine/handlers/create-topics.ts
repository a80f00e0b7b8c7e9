// CreateTopics: create topics with a partition count and configs; one broker holds every replica.
//
// CreateTopics Request (Version: 7) => [topics] timeout_ms validate_only _tagged_fields
//   topics => name num_partitions replication_factor [assignments] [configs] _tagged_fields
// CreateTopics Response (Version: 7) => throttle_time_ms [topics] _tagged_fields
//   topics => name topic_id error_code error_message num_partitions replication_factor [configs] _tagged_fields

import { ErrorCode } from "../../protocol/errors.ts";
import type {
  CreateTopicsRequest,
  CreateTopicsRequestCreatableTopic,
  CreateTopicsResponse,
  CreateTopicsResponseCreatableTopicResult,
} from "../../protocol/messages/create-topics.ts";
import type { Handler, HandlerContext } from "../handler-context.ts";
import { topicConfigProblem } from "../topic-configs.ts";
import { TopicError, partitionCountMax, topicNameProblem } from "../topic-registry.ts";
import { zeroTopicId } from "../topic-lookup.ts";
import { createTopicAllowed } from "../access.ts";

type TopicResult = CreateTopicsResponseCreatableTopicResult;

function failure(name: string, errorCode: number, errorMessage: string): TopicResult {
  return { name, topicId: zeroTopicId, errorCode, errorMessage, numPartitions: -1, replicationFactor: -1, configs: null };
}

/** The partition count a request asks for: explicit, from manual assignments, or the default (-1). */
function partitionCountOf(ctx: HandlerContext, requested: CreateTopicsRequestCreatableTopic): number {
  if (requested.assignments.length > 0) return requested.assignments.length;
  return requested.numPartitions === -1 ? ctx.config.defaultPartitions : requested.numPartitions;
}

/** Why the request for this topic cannot be met, as [error code, message], or null. */
function problemOf(ctx: HandlerContext, requested: CreateTopicsRequestCreatableTopic, configs: Record<string, string | null>): [number, string] | null {
  const nameProblem = topicNameProblem(requested.name);
  if (nameProblem) return [ErrorCode.INVALID_TOPIC_EXCEPTION, nameProblem];
  if (ctx.topics.get(requested.name)) return [ErrorCode.TOPIC_ALREADY_EXISTS, `Topic "${requested.name}" already exists`];
  const hasAssignments = requested.assignments.length > 0;
  if (hasAssignments && (requested.numPartitions !== -1 || requested.replicationFactor !== -1)) {
    return [ErrorCode.INVALID_REQUEST, "Both replica assignments and a partition count or replication factor were given"];
  }
  const strangers = requested.assignments.flatMap((assignment) => assignment.brokerIds).filter((id) => id !== ctx.config.nodeId);
  if (strangers.length > 0) return [ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Broker ${strangers[0]} does not exist`];
  const partitionCount = partitionCountOf(ctx, requested);
  if (!(partitionCount >= 1 && partitionCount <= partitionCountMax)) {
    return [ErrorCode.INVALID_PARTITIONS, `Partition count ${partitionCount} is not between 1 and ${partitionCountMax}`];
  }
  if (requested.replicationFactor !== -1 && requested.replicationFactor !== 1 && !hasAssignments) {
    return [ErrorCode.INVALID_REPLICATION_FACTOR, `Replication factor ${requested.replicationFactor} is larger than the 1 available broker`];
  }
  const configProblem = topicConfigProblem(configs);
  if (configProblem) return [ErrorCode.INVALID_CONFIG, configProblem];
  return null;
}

async function createOne(ctx: HandlerContext, requested: CreateTopicsRequestCreatableTopic, validateOnly: boolean): Promise<TopicResult> {
  const configs: Record<string, string | null> = Object.fromEntries(requested.configs.map(({ name, value }) => [name, value ?? null]));
  if (!createTopicAllowed(ctx, requested.name)) return failure(requested.name, ErrorCode.TOPIC_AUTHORIZATION_FAILED, `Not allowed to CREATE topic "${requested.name}"`);
  const problem = problemOf(ctx, requested, configs);
  if (problem) return failure(requested.name, problem[0], problem[1]);
  const partitionCount = partitionCountOf(ctx, requested);
  const describedConfigs = Object.entries(configs).map(([name, value]) => ({ name, value, readOnly: false, configSource: 1, isSensitive: false }));
  if (validateOnly) {
    return { name: requested.name, topicId: zeroTopicId, errorCode: ErrorCode.NONE, errorMessage: null, numPartitions: partitionCount, replicationFactor: 1, configs: describedConfigs };
  }
  try {
    const topic = await ctx.topics.create(requested.name, partitionCount, configs as Record<string, string>);
    return { name: requested.name, topicId: topic.meta.topicId, errorCode: ErrorCode.NONE, errorMessage: null, numPartitions: partitionCount, replicationFactor: 1, configs: describedConfigs };
  } catch (error) {
    if (error instanceof TopicError) return failure(requested.name, error.code, error.message);
    ctx.logger.error("Cannot create topic", { topic: requested.name, error });
    return failure(requested.name, ErrorCode.UNKNOWN_SERVER_ERROR, "The broker could not create the topic");
  }
}

/** Names listed more than once in the request. */
function duplicateNames(request: CreateTopicsRequest): Set<string> {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const { name } of request.topics) {
    if (seen.has(name)) duplicates.add(name);
    seen.add(name);
  }
  return duplicates;
}

export const handleCreateTopics: Handler<CreateTopicsRequest, CreateTopicsResponse> = async (request, ctx) => {
  const duplicates = duplicateNames(request);
  const answered = new Set<string>();
  const topics: TopicResult[] = [];
  for (const requested of request.topics) {
    // Kafka creates none of the occurrences of a name listed twice, and answers that name once.
    if (duplicates.has(requested.name)) {
      if (!answered.has(requested.name)) {
        topics.push(failure(requested.name, ErrorCode.INVALID_REQUEST, `Topic "${requested.name}" appears more than once in the request`));
      }
      answered.add(requested.name);
      continue;
    }
    topics.push(await createOne(ctx, requested, request.validateOnly ?? false));
  }
  return { throttleTimeMs: 0, topics };
};
