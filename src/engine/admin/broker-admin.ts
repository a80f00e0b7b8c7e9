// One object for everything the HTTP admin API (and so the console) asks of the broker: an
// overview, topics, messages, groups. It reads the engine's state and, for changes, goes through
// the same handlers and coordinator calls that Kafka clients reach.

import { ErrorCode } from "../../protocol/errors.ts";
import type { BrokerConfig } from "../broker-config.ts";
import type { BrokerMetrics, BrokerTotals } from "../broker-metrics.ts";
import type { GroupCoordinator } from "../groups/group-coordinator.ts";
import type { HandlerContext } from "../handler-context.ts";
import type { Topic, TopicRegistry } from "../topic-registry.ts";
import { deleteGroup, describeGroup, type GroupDetail, type GroupSummary, listGroups, resetGroupOffsets, type ResetRequest } from "./groups-admin.ts";
import { type MessagesQuery, readMessages, type ShownRecord, tailMessages } from "./messages.ts";
import { AdminError, createTopic, type CreateTopicRequest, deleteTopic, describeTopic, listTopics, type TopicDetail, type TopicSummary } from "./topics-admin.ts";
import type { Requester } from "../../security/authorizer.ts";

export interface Overview {
  clusterId: string;
  nodeId: number;
  startedAtMs: number;
  uptimeMs: number;
  kafka: { host: string; port: number };
  topics: number;
  partitions: number;
  groups: number;
  sizeBytes: number;
  /** Totals since start for the console's rates; null when metrics are off. */
  totals: BrokerTotals | null;
}

export interface BrokerAdminSources {
  config: BrokerConfig;
  clusterId: string;
  startedAtMs: number;
  topics: TopicRegistry;
  groups: GroupCoordinator;
  metrics: BrokerMetrics | undefined;
  /** Whether `serve --search-all-topics` makes every topic searchable. */
  searchAllTopics: boolean;
  /** A handler context for requests the admin API makes on its users' behalf. */
  context(): HandlerContext;
  /** Milliseconds since the epoch. */
  now(): number;
}

export class BrokerAdmin {
  readonly #sources: BrokerAdminSources;

  constructor(sources: BrokerAdminSources) {
    this.#sources = sources;
  }

  overview(): Overview {
    const { config, topics, groups, metrics } = this.#sources;
    const summaries = listTopics(topics, this.#sources.searchAllTopics);
    return {
      clusterId: this.#sources.clusterId,
      nodeId: config.nodeId,
      startedAtMs: this.#sources.startedAtMs,
      uptimeMs: this.#sources.now() - this.#sources.startedAtMs,
      kafka: { host: config.advertisedHost, port: config.advertisedPort },
      topics: summaries.length,
      partitions: summaries.reduce((sum, topic) => sum + topic.partitions, 0),
      groups: listGroups(groups, topics).length,
      sizeBytes: summaries.reduce((sum, topic) => sum + topic.sizeBytes, 0),
      totals: metrics?.totals() ?? null,
    };
  }

  listTopics(): TopicSummary[] {
    return listTopics(this.#sources.topics, this.#sources.searchAllTopics);
  }

  #topic(name: string): Topic {
    const topic = this.#sources.topics.get(name);
    if (topic === undefined) throw new AdminError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic "${name}" does not exist`);
    return topic;
  }

  describeTopic(name: string): TopicDetail {
    return describeTopic(this.#topic(name), this.#sources.config, this.#sources.searchAllTopics);
  }

  /** The handler context of a request made for `requester` (an HTTP user), or for the broker itself. */
  #contextFor(requester: Requester | undefined) {
    const context = this.#sources.context();
    return requester === undefined ? context : { ...context, requester };
  }

  /** Creates a topic as `requester` would over Kafka (the CreateTopics handler checks its ACLs); no requester: the broker itself. */
  createTopic(request: CreateTopicRequest, requester?: Requester): Promise<void> {
    return createTopic(this.#contextFor(requester), request);
  }

  deleteTopic(name: string, requester?: Requester): Promise<void> {
    return deleteTopic(this.#contextFor(requester), name);
  }

  readMessages(topic: string, query: MessagesQuery): Promise<ShownRecord[]> {
    return readMessages(this.#topic(topic), query);
  }

  /** Follows a topic until `signal` aborts (see tailMessages). */
  tail(topic: string, partition: number | null, signal: AbortSignal, emit: (records: ShownRecord[]) => void | Promise<void>, heartbeat: () => void): Promise<void> {
    return tailMessages(this.#topic(topic), partition, signal, emit, heartbeat);
  }

  listGroups(): GroupSummary[] {
    return listGroups(this.#sources.groups, this.#sources.topics);
  }

  describeGroup(groupId: string): GroupDetail {
    return describeGroup(this.#sources.groups, this.#sources.topics, groupId);
  }

  resetOffsets(groupId: string, request: ResetRequest): Promise<Array<{ partition: number; offset: number }>> {
    return resetGroupOffsets(this.#sources.groups, this.#sources.topics, groupId, request);
  }

  deleteGroup(groupId: string): Promise<void> {
    return deleteGroup(this.#sources.groups, groupId);
  }
}
