// DescribeConfigs: a topic's configs (its own values over the broker's defaults) or the
// broker's read-only configs.
//
// DescribeConfigs Request (Version: 4) => [resources] include_synonyms include_documentation _tagged_fields
//   resources => resource_type resource_name [configuration_keys] _tagged_fields
// DescribeConfigs Response (Version: 4) => throttle_time_ms [results] _tagged_fields
//   results => error_code error_message resource_type resource_name [configs] _tagged_fields
//     configs => name value read_only config_source is_sensitive [synonyms] config_type documentation _tagged_fields
//       synonyms => name value source _tagged_fields

import { ErrorCode } from "../../protocol/errors.ts";
import type {
  DescribeConfigsRequest,
  DescribeConfigsRequestDescribeConfigsResource,
  DescribeConfigsResponse,
  DescribeConfigsResponseDescribeConfigsResult,
} from "../../protocol/messages/describe-configs.ts";
import { ConfigSource, type DescribedConfig, describeBrokerConfigs, describeTopicConfigs, isThisBroker, ResourceType } from "../config-resources.ts";
import type { Handler, HandlerContext } from "../handler-context.ts";
import { clusterAllowed, Operation, topicAllowed } from "../access.ts";

type Result = DescribeConfigsResponseDescribeConfigsResult;

function failure(resource: DescribeConfigsRequestDescribeConfigsResource, errorCode: number, errorMessage: string): Result {
  return { errorCode, errorMessage, resourceType: resource.resourceType, resourceName: resource.resourceName, configs: [] };
}

function configsOf(ctx: HandlerContext, resource: DescribeConfigsRequestDescribeConfigsResource): DescribedConfig[] | Result {
  if (resource.resourceType === ResourceType.topic) {
    if (!topicAllowed(ctx, Operation.DESCRIBE_CONFIGS, resource.resourceName)) return failure(resource, ErrorCode.TOPIC_AUTHORIZATION_FAILED, `Not allowed to DESCRIBE_CONFIGS on topic "${resource.resourceName}"`);
    const topic = ctx.topics.get(resource.resourceName);
    if (!topic) return failure(resource, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic "${resource.resourceName}" does not exist`);
    return describeTopicConfigs(topic.meta.configs, ctx.config);
  }
  if (resource.resourceType === ResourceType.broker) {
    if (!clusterAllowed(ctx, Operation.DESCRIBE_CONFIGS)) return failure(resource, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, "Not allowed to DESCRIBE_CONFIGS on the cluster");
    if (!isThisBroker(resource.resourceName, ctx.config)) {
      return failure(resource, ErrorCode.INVALID_REQUEST, `Broker "${resource.resourceName}" is not this broker (${ctx.config.nodeId})`);
    }
    return describeBrokerConfigs(ctx.config);
  }
  return failure(resource, ErrorCode.INVALID_REQUEST, `Resource type ${resource.resourceType} has no configs here: ask for a topic (2) or a broker (4)`);
}

function describeOne(ctx: HandlerContext, resource: DescribeConfigsRequestDescribeConfigsResource, request: DescribeConfigsRequest): Result {
  const described = configsOf(ctx, resource);
  if (!Array.isArray(described)) return described;
  const keys = resource.configurationKeys ?? null;
  const wanted = keys === null ? described : described.filter((entry) => keys.includes(entry.name));
  return {
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    resourceType: resource.resourceType,
    resourceName: resource.resourceName,
    configs: wanted.map((entry) => ({
      name: entry.name,
      value: entry.value,
      readOnly: entry.readOnly,
      // v0 says "default" with a flag; v1+ says where the value comes from (config_source).
      ...(ctx.apiVersion === 0 ? { isDefault: entry.source === ConfigSource.defaultConfig } : {}),
      configSource: entry.source,
      isSensitive: false,
      synonyms: request.includeSynonyms ? [{ name: entry.name, value: entry.value, source: entry.source }] : [],
      configType: entry.type,
      documentation: null,
    })),
  };
}

export const handleDescribeConfigs: Handler<DescribeConfigsRequest, DescribeConfigsResponse> = async (request, ctx) => ({
  throttleTimeMs: 0,
  results: request.resources.map((resource) => describeOne(ctx, resource, request)),
});
