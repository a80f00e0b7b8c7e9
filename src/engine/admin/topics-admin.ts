// Topics as the HTTP API and the console see them: a summary per topic, a topic's partitions
// and configs, and create and delete. Create and delete go through the CreateTopics and
// DeleteTopics handlers, so a topic made over HTTP passes exactly the checks a Kafka client's does.

import { errorName } from "../../protocol/errors.ts";
import { ConfigSource, describeTopicConfigs } from "../config-resources.ts";
import { isInternalTopic } from "../groups/group-log.ts";
import type { HandlerContext } from "../handler-context.ts";
import { handleCreateTopics } from "../handlers/create-topics.ts";
import { handleDeleteTopics } from "../handlers/delete-topics.ts";
import { zeroTopicId } from "../topic-lookup.ts";
import type { Topic, TopicRegistry } from "../topic-registry.ts";
import type { BrokerConfig } from "../broker-config.ts";

/** A request the broker refused, with Kafka's error name and message. */
export class AdminError extends Error {
  override name = "AdminError";
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }

  get errorName(): string {
    return errorName(this.errorCode);
  }
}

export interface TopicSummary {
  name: string;
  internal: boolean;
  partitions: number;
  sizeBytes: number;
  /** High watermarks minus log start offsets: the records, unless compaction removed some. */
  offsets: number;
  searchEnabled: boolean;
}

export interface PartitionDetail {
  partition: number;
  logStartOffset: number;
  highWatermark: number;
  lastStableOffset: number;
  logEndOffset: number;
  sizeBytes: number;
  segments: number;
}

export interface TopicDetail extends TopicSummary {
  topicId: string;
  partitionDetails: PartitionDetail[];
  configs: Array<{ name: string; value: string; source: "topic" | "default" }>;
}

function summaryOf(topic: Topic, searchAllTopics: boolean): TopicSummary {
  const name = topic.meta.name;
  let sizeBytes = 0;
  let offsets = 0;
  for (const partition of topic.partitions) {
    sizeBytes += partition.log.sizeBytes ?? 0;
    offsets += partition.log.highWatermark - partition.log.logStartOffset;
  }
  const internal = isInternalTopic(name);
  return {
    name,
    internal,
    partitions: topic.partitions.length,
    sizeBytes,
    offsets,
    searchEnabled: topic.meta.configs["search.enabled"] === "true" || (searchAllTopics && !name.startsWith("__")),
  };
}

export function listTopics(topics: TopicRegistry, searchAllTopics: boolean): TopicSummary[] {
  return topics
    .list()
    .map((topic) => summaryOf(topic, searchAllTopics))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function describeTopic(topic: Topic, config: BrokerConfig, searchAllTopics: boolean): TopicDetail {
  const own = topic.meta.configs;
  const described = describeTopicConfigs(own, config).map((entry) => ({ name: entry.name, value: entry.value, source: entry.source === ConfigSource.topicConfig ? ("topic" as const) : ("default" as const) }));
  // Configs beyond Kafka's (search.enabled) are the topic's own.
  const extra = Object.keys(own)
    .filter((name) => !described.some((entry) => entry.name === name))
    .map((name) => ({ name, value: own[name], source: "topic" as const }));
  return {
    ...summaryOf(topic, searchAllTopics),
    topicId: topic.meta.topicId,
    partitionDetails: topic.partitions.map((partition) => ({
      partition: partition.index,
      logStartOffset: partition.log.logStartOffset,
      highWatermark: partition.log.highWatermark,
      lastStableOffset: partition.lastStableOffset,
      logEndOffset: partition.log.logEndOffset,
      sizeBytes: partition.log.sizeBytes ?? 0,
      segments: partition.log.segmentBaseOffsets?.().length ?? 1,
    })),
    configs: [...described, ...extra].sort((a, b) => (a.name < b.name ? -1 : 1)),
  };
}

export interface CreateTopicRequest {
  name: string;
  /** The broker's --default-partitions when absent. */
  partitions?: number;
  configs?: Record<string, string>;
}

export async function createTopic(ctx: HandlerContext, request: CreateTopicRequest): Promise<void> {
  const response = await handleCreateTopics(
    {
      topics: [
        {
          name: request.name,
          numPartitions: request.partitions ?? -1,
          replicationFactor: -1,
          assignments: [],
          configs: Object.entries(request.configs ?? {}).map(([name, value]) => ({ name, value })),
        },
      ],
      timeoutMs: 30_000,
      validateOnly: false,
    },
    { ...ctx, apiVersion: 7 },
  );
  const result = response?.topics[0];
  if (result && result.errorCode !== 0) throw new AdminError(result.errorCode, result.errorMessage ?? errorName(result.errorCode));
}

export async function deleteTopic(ctx: HandlerContext, name: string): Promise<void> {
  const response = await handleDeleteTopics({ topics: [{ name, topicId: zeroTopicId }], timeoutMs: 30_000 }, { ...ctx, apiVersion: 6 });
  const result = response?.responses[0];
  if (result && result.errorCode !== 0) throw new AdminError(result.errorCode, result.errorMessage ?? errorName(result.errorCode));
}
