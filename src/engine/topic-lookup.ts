// Finding a topic for a request, auto-creating it where the broker and the request allow.
// Metadata and Produce share these rules, as in Kafka's auto.create.topics.enable.

import { ErrorCode } from "../protocol/errors.ts";
import { createTopicAllowed } from "./access.ts";
import type { HandlerContext } from "./handler-context.ts";
import type { Partition } from "./partition.ts";
import { type Topic, TopicError, topicNameProblem } from "./topic-registry.ts";

export type TopicLookup = { topic: Topic; errorCode: 0 } | { topic: null; errorCode: number };

/** The topic named `name`; created with the default partition count when allowed (the broker, the request and the ACLs) and absent. */
export async function lookupTopic(ctx: HandlerContext, name: string, allowAutoCreate: boolean): Promise<TopicLookup> {
  const existing = ctx.topics.get(name);
  if (existing) return { topic: existing, errorCode: 0 };
  // An illegal name is reported as such whether or not auto-creation is on, as Kafka's Metadata does.
  if (topicNameProblem(name)) return { topic: null, errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION };
  if (!allowAutoCreate || !ctx.config.autoCreateTopics || !createTopicAllowed(ctx, name)) {
    return { topic: null, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
  }
  try {
    return { topic: await ctx.topics.getOrCreate(name, ctx.config.defaultPartitions), errorCode: 0 };
  } catch (error) {
    if (error instanceof TopicError) return { topic: null, errorCode: error.code };
    ctx.logger.error("Cannot auto-create topic", { topic: name, error });
    return { topic: null, errorCode: ErrorCode.UNKNOWN_SERVER_ERROR };
  }
}

/** The partition, or null when the topic does not have that index. */
export function partitionOf(topic: Topic, index: number): Partition | null {
  return Number.isInteger(index) && index >= 0 && index < topic.partitions.length ? topic.partitions[index] : null;
}

/** The all-zero topic id Kafka uses for "no id". */
export const zeroTopicId = "0".repeat(32);
