// Metadata: brokers, the controller, and topics with their partitions. One broker leads everything.
//
// Metadata Request (Version: 12) => [topics] allow_auto_topic_creation include_topic_authorized_operations _tagged_fields
//   topics => topic_id name _tagged_fields
// Metadata Response (Version: 12) => throttle_time_ms [brokers] cluster_id controller_id [topics] _tagged_fields
//   brokers => node_id host port rack _tagged_fields
//   topics => error_code name topic_id is_internal [partitions] topic_authorized_operations _tagged_fields
//     partitions => error_code partition_index leader_id leader_epoch [replica_nodes] [isr_nodes] [offline_replicas] _tagged_fields

import { ErrorCode } from "../../protocol/errors.ts";
import type {
  MetadataRequest,
  MetadataResponse,
  MetadataResponseMetadataResponseTopic,
} from "../../protocol/messages/metadata.ts";
import { isInternalTopic } from "../groups/group-log.ts";
import { advertisedAddress, type Handler, type HandlerContext } from "../handler-context.ts";
import { lookupTopic, zeroTopicId } from "../topic-lookup.ts";
import { createTopicAllowed, Operation, topicAllowed } from "../access.ts";
import type { Topic } from "../topic-registry.ts";

/** Kafka's "authorized operations not requested" marker. */
const operationsNotRequested = -2147483648;

function describeTopic(ctx: HandlerContext, topic: Topic): MetadataResponseMetadataResponseTopic {
  const nodeId = ctx.config.nodeId;
  return {
    errorCode: ErrorCode.NONE,
    name: topic.meta.name,
    topicId: topic.meta.topicId,
    isInternal: isInternalTopic(topic.meta.name),
    partitions: topic.partitions.map((partition) => ({
      errorCode: ErrorCode.NONE,
      partitionIndex: partition.index,
      leaderId: nodeId,
      leaderEpoch: 0,
      replicaNodes: [nodeId],
      isrNodes: [nodeId],
      offlineReplicas: [],
    })),
    topicAuthorizedOperations: operationsNotRequested,
  };
}

function missingTopic(name: string | null, topicId: string, errorCode: number): MetadataResponseMetadataResponseTopic {
  return { errorCode, name, topicId, isInternal: false, partitions: [], topicAuthorizedOperations: operationsNotRequested };
}

async function describeRequested(ctx: HandlerContext, request: MetadataRequest): Promise<MetadataResponseMetadataResponseTopic[]> {
  const requested = request.topics;
  // v0 sends an empty list for "all topics"; v1+ sends null.
  if (requested === null || requested === undefined || (ctx.apiVersion === 0 && requested.length === 0)) {
    // Only the topics the principal may describe are listed, as Kafka does.
    return ctx.topics.list().filter((topic) => topicAllowed(ctx, Operation.DESCRIBE, topic.meta.name)).map((topic) => describeTopic(ctx, topic));
  }
  const allowAutoCreate = request.allowAutoTopicCreation ?? true;
  const described: MetadataResponseMetadataResponseTopic[] = [];
  for (const { name, topicId } of requested) {
    if (name === null || name === undefined) {
      // Kafka's rule: topics by id are v12+; before it a null name (which the response cannot carry) is INVALID_REQUEST.
      if (ctx.apiVersion < 12) {
        described.push(missingTopic("", topicId ?? zeroTopicId, ErrorCode.INVALID_REQUEST));
        continue;
      }
      const found = topicId ? ctx.topics.getById(topicId) : undefined;
      // An id the principal may not describe is answered as unknown, so ids reveal nothing.
      const topic = found !== undefined && topicAllowed(ctx, Operation.DESCRIBE, found.meta.name) ? found : undefined;
      described.push(topic ? describeTopic(ctx, topic) : missingTopic(null, topicId ?? zeroTopicId, ErrorCode.UNKNOWN_TOPIC_ID));
      continue;
    }
    if (!topicAllowed(ctx, Operation.DESCRIBE, name)) {
      described.push(missingTopic(name, zeroTopicId, ErrorCode.TOPIC_AUTHORIZATION_FAILED));
      continue;
    }
    // Kafka's rule: a missing topic auto-creation would make, but the principal may not create, is refused too.
    if (allowAutoCreate && ctx.config.autoCreateTopics && ctx.topics.get(name) === undefined && !createTopicAllowed(ctx, name)) {
      described.push(missingTopic(name, zeroTopicId, ErrorCode.TOPIC_AUTHORIZATION_FAILED));
      continue;
    }
    const lookup = await lookupTopic(ctx, name, allowAutoCreate);
    described.push(lookup.topic ? describeTopic(ctx, lookup.topic) : missingTopic(name, zeroTopicId, lookup.errorCode));
  }
  return described;
}

export const handleMetadata: Handler<MetadataRequest, MetadataResponse> = async (request, ctx) => ({
  throttleTimeMs: 0,
  brokers: [{ nodeId: ctx.config.nodeId, ...advertisedAddress(ctx), rack: null }],
  clusterId: ctx.clusterId,
  controllerId: ctx.config.nodeId,
  topics: await describeRequested(ctx, request),
  clusterAuthorizedOperations: operationsNotRequested,
});
