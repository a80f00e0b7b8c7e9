// DeleteTopics: delete topics by name (v0–5) or by name or id (v6).
//
// DeleteTopics Request (Version: 6) => [topics] timeout_ms _tagged_fields
//   topics => name topic_id _tagged_fields
// DeleteTopics Response (Version: 6) => throttle_time_ms [responses] _tagged_fields
//   responses => name topic_id error_code error_message _tagged_fields

import { ErrorCode } from "../../protocol/errors.ts";
import type { DeleteTopicsRequest, DeleteTopicsResponse, DeleteTopicsResponseDeletableTopicResult } from "../../protocol/messages/delete-topics.ts";
import { isInternalTopic } from "../groups/group-log.ts";
import type { Handler, HandlerContext } from "../handler-context.ts";
import { zeroTopicId } from "../topic-lookup.ts";
import { Operation, topicAllowed } from "../access.ts";

async function deleteOne(ctx: HandlerContext, name: string | null, topicId: string): Promise<DeleteTopicsResponseDeletableTopicResult> {
  const found = name !== null ? ctx.topics.get(name) : ctx.topics.getById(topicId);
  // By name, refused whether or not it exists (Kafka's order); an id the principal may not delete stays unknown.
  if (name !== null && !topicAllowed(ctx, Operation.DELETE, name)) return { name, topicId, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: `Not allowed to DELETE topic "${name}"` };
  const topic = found !== undefined && topicAllowed(ctx, Operation.DELETE, found.meta.name) ? found : undefined;
  if (!topic) {
    const errorCode = name !== null ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.UNKNOWN_TOPIC_ID;
    return { name, topicId, errorCode, errorMessage: name !== null ? `Topic "${name}" does not exist` : `Topic id "${topicId}" does not exist` };
  }
  if (isInternalTopic(topic.meta.name)) {
    // Deleting it would pull the group coordinator's log from under it. Kafka refuses this in its
    // tools; chronik refuses it at the broker, so no client can do it either.
    const errorMessage = `Topic "${topic.meta.name}" is internal and cannot be deleted`;
    return { name: topic.meta.name, topicId: topic.meta.topicId, errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage };
  }
  try {
    await ctx.topics.delete(topic.meta.name);
    ctx.metrics?.forgetTopic(topic.meta.name);
    return { name: topic.meta.name, topicId: topic.meta.topicId, errorCode: ErrorCode.NONE, errorMessage: null };
  } catch (error) {
    ctx.logger.error("Cannot delete topic", { topic: topic.meta.name, error });
    return { name: topic.meta.name, topicId: topic.meta.topicId, errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: "The broker could not delete the topic" };
  }
}

export const handleDeleteTopics: Handler<DeleteTopicsRequest, DeleteTopicsResponse> = async (request, ctx) => {
  const targets =
    ctx.apiVersion >= 6
      ? (request.topics ?? []).map(({ name, topicId }) => ({ name: name ?? null, topicId: topicId ?? zeroTopicId }))
      : (request.topicNames ?? []).map((name) => ({ name, topicId: zeroTopicId }));
  const responses = [];
  for (const { name, topicId } of targets) responses.push(await deleteOne(ctx, name, topicId));
  return { throttleTimeMs: 0, responses };
};
