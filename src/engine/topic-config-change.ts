// One topic config change for AlterConfigs and IncrementalAlterConfigs: compute the new config
// set, validate it as CreateTopics does, then store it in meta.json and apply it to the
// topic's partition logs. Each resource answers with [error code, message].

import { ErrorCode } from "../protocol/errors.ts";
import { isThisBroker, ResourceType, topicDefaults } from "./config-resources.ts";
import type { HandlerContext } from "./handler-context.ts";
import { topicConfigProblem } from "./topic-configs.ts";
import { applyTopicConfigs } from "./topic-log-settings.ts";
import { TopicError } from "./topic-registry.ts";
import { clusterAllowed, Operation, topicAllowed } from "./access.ts";

/** A change the request asks for that cannot be made (bad operation): INVALID_CONFIG. */
export class ConfigChangeError extends Error {
  override name = "ConfigChangeError";
}

/** The new config set from the current one (and the defaults, for list operations). */
export type ConfigChange = (current: Record<string, string>, defaults: Record<string, string>) => Record<string, string | null>;

export async function changeTopicConfigs(
  ctx: HandlerContext,
  resource: { resourceType: number; resourceName: string },
  change: ConfigChange,
  validateOnly: boolean,
): Promise<[number, string | null]> {
  if (resource.resourceType === ResourceType.broker) {
    if (!clusterAllowed(ctx, Operation.ALTER_CONFIGS)) return [ErrorCode.CLUSTER_AUTHORIZATION_FAILED, "Not allowed to ALTER_CONFIGS on the cluster"];
    if (!isThisBroker(resource.resourceName, ctx.config)) return [ErrorCode.INVALID_REQUEST, `Broker "${resource.resourceName}" is not this broker`];
    return [ErrorCode.INVALID_REQUEST, "Broker configs are read-only here: set them with chronik serve flags"];
  }
  if (resource.resourceType !== ResourceType.topic) return [ErrorCode.INVALID_REQUEST, `Resource type ${resource.resourceType} has no configs to alter`];
  if (!topicAllowed(ctx, Operation.ALTER_CONFIGS, resource.resourceName)) return [ErrorCode.TOPIC_AUTHORIZATION_FAILED, `Not allowed to ALTER_CONFIGS on topic "${resource.resourceName}"`];
  const topic = ctx.topics.get(resource.resourceName);
  if (!topic) return [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic "${resource.resourceName}" does not exist`];
  let next: Record<string, string | null>;
  try {
    next = change({ ...topic.meta.configs }, topicDefaults(ctx.config));
  } catch (error) {
    if (error instanceof ConfigChangeError) return [ErrorCode.INVALID_CONFIG, error.message];
    throw error;
  }
  const problem = topicConfigProblem(next);
  if (problem) return [ErrorCode.INVALID_CONFIG, problem];
  if (validateOnly) return [ErrorCode.NONE, null];
  try {
    await ctx.topics.setConfigs(topic.meta.name, next as Record<string, string>);
    applyTopicConfigs(topic, ctx.config);
    return [ErrorCode.NONE, null];
  } catch (error) {
    // Deleted while the change waited for its turn.
    if (error instanceof TopicError) return [error.code, error.message];
    ctx.logger.error("Cannot change topic configs", { topic: topic.meta.name, error });
    return [ErrorCode.UNKNOWN_SERVER_ERROR, "The broker could not store the topic configs"];
  }
}
