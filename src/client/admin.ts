// Cluster administration: create and delete topics (sent to the controller), list topics
// (Metadata for all topics) and look up offsets by time. Per-topic failures come back as
// results, so a command can report each topic; request-level failures are thrown.
//
// CreateTopics Request (Version: 7) => [topics] timeout_ms validate_only _tagged_fields
//   topics => name num_partitions replication_factor [assignments] [configs] _tagged_fields
// CreateTopics Response (Version: 7) => throttle_time_ms [topics] _tagged_fields
//   topics => name topic_id error_code error_message num_partitions replication_factor [configs] _tagged_fields
// DeleteTopics Request (Version: 6) => [topics] timeout_ms _tagged_fields
//   topics => name topic_id _tagged_fields                 (topic_names before version 6)
// DeleteTopics Response (Version: 6) => throttle_time_ms [responses] _tagged_fields
//   responses => name topic_id error_code error_message _tagged_fields

import { ErrorCode, KafkaProtocolError } from "../protocol/errors.ts";
import { CreateTopics } from "../protocol/messages/create-topics.ts";
import { DeleteTopics } from "../protocol/messages/delete-topics.ts";
import type { Cluster, TopicInfo } from "./cluster.ts";
import type { Connection } from "./connection.ts";
import { type IsolationLevel, listOffsets, type PartitionOffset } from "./list-offsets.ts";
import { retry } from "./retry.ts";

export interface NewTopic {
  name: string;
  /** The broker's default when absent. */
  partitions?: number;
  /** The broker's default when absent. */
  replicationFactor?: number;
  configs?: Record<string, string>;
}

export interface TopicResult {
  name: string;
  /** null when the topic was created or deleted. */
  error: KafkaProtocolError | null;
}

export interface AdminOptions {
  /** How long the controller may take to finish creating or deleting. */
  operationTimeoutMs: number;
}

const zeroTopicId = "0".repeat(32);

export class Admin {
  readonly #cluster: Cluster;
  readonly #options: AdminOptions;

  constructor(cluster: Cluster, options: Partial<AdminOptions> = {}) {
    this.#cluster = cluster;
    this.#options = { operationTimeoutMs: 30_000, ...options };
  }

  /** Creates topics; `validateOnly` asks the controller to check without creating. */
  async createTopics(topics: NewTopic[], options: { validateOnly?: boolean } = {}): Promise<TopicResult[]> {
    const request = {
      topics: topics.map((topic) => ({
        name: topic.name,
        numPartitions: topic.partitions ?? -1,
        replicationFactor: topic.replicationFactor ?? -1,
        assignments: [],
        configs: Object.entries(topic.configs ?? {}).map(([name, value]) => ({ name, value })),
      })),
      timeoutMs: this.#options.operationTimeoutMs,
      validateOnly: options.validateOnly ?? false,
    };
    const response = await this.#onController("CreateTopics", async (connection) => {
      const answer = await connection.request(CreateTopics, request, { extraWaitMs: this.#options.operationTimeoutMs });
      throwIfNotController(answer.topics.map((topic) => topic.errorCode));
      return answer;
    });
    return response.topics.map((topic) => ({ name: topic.name, error: topicError(topic.errorCode, topic.errorMessage, topic.name) }));
  }

  async deleteTopics(names: string[]): Promise<TopicResult[]> {
    const request = {
      topicNames: names,
      topics: names.map((name) => ({ name, topicId: zeroTopicId })),
      timeoutMs: this.#options.operationTimeoutMs,
    };
    const response = await this.#onController("DeleteTopics", async (connection) => {
      const answer = await connection.request(DeleteTopics, request, { extraWaitMs: this.#options.operationTimeoutMs });
      throwIfNotController(answer.responses.map((topic) => topic.errorCode));
      return answer;
    });
    return response.responses.map((topic) => {
      const name = topic.name ?? topic.topicId ?? "";
      return { name, error: topicError(topic.errorCode, topic.errorMessage, name) };
    });
  }

  /** Every topic the broker lists (internal ones included), sorted by name. */
  async listTopics(): Promise<TopicInfo[]> {
    const response = await retry(() => this.#cluster.refreshMetadata(null), this.#retrySettings("Metadata"));
    const names = response.topics.flatMap((topic) => (topic.name ? [topic.name] : [])).sort();
    return names.flatMap((name) => {
      const info = this.#cluster.cachedTopic(name);
      return info === undefined ? [] : [info];
    });
  }

  /** Offsets at `timestamp` (OffsetSpec.earliest, OffsetSpec.latest or epoch ms) for some or all partitions. */
  async listOffsets(
    topic: string,
    options: { timestamp: number; partitions?: number[]; isolationLevel?: IsolationLevel },
  ): Promise<Map<number, PartitionOffset>> {
    const info = await this.#cluster.topic(topic);
    const partitions = options.partitions ?? info.partitions.map((partition) => partition.partition);
    return listOffsets(this.#cluster, topic, { ...options, partitions });
  }

  /** Runs a request on the controller (any broker when none is known), retrying NOT_CONTROLLER and lost connections. */
  #onController<T>(what: string, send: (connection: Connection) => Promise<T>): Promise<T> {
    return retry(async () => {
      await this.#cluster.refreshMetadata([]);
      const controller = this.#cluster.controllerId;
      const connection = controller >= 0 ? await this.#cluster.brokerConnection(controller) : await this.#cluster.anyConnection();
      return send(connection);
    }, this.#retrySettings(what));
  }

  #retrySettings(what: string) {
    return { ...this.#cluster.retryOptions, logger: this.#cluster.logger, what };
  }
}

function topicError(errorCode: number, message: string | null | undefined, name: string): KafkaProtocolError | null {
  if (errorCode === ErrorCode.NONE) return null;
  return new KafkaProtocolError(errorCode, message ? `topic "${name}": ${message}` : `topic "${name}"`);
}

/** The controller moved: the whole request is retried against the new one. */
function throwIfNotController(errorCodes: number[]): void {
  if (errorCodes.includes(ErrorCode.NOT_CONTROLLER)) throw new KafkaProtocolError(ErrorCode.NOT_CONTROLLER);
}
