// The client's view of a cluster: bootstrap addresses, the brokers and partition leaders that
// Metadata reports, and one connection per broker, opened on first use and reopened when it
// breaks. Producers, consumers and admin calls ask it "who leads topic T partition P?" and
// tell it to refresh when a broker answers NOT_LEADER_OR_FOLLOWER or UNKNOWN_TOPIC_OR_PARTITION.
//
// Metadata Request (Version: 12) => [topics] allow_auto_topic_creation include_topic_authorized_operations _tagged_fields
//   topics => topic_id name _tagged_fields
// Metadata Response (Version: 12) => throttle_time_ms [brokers] cluster_id controller_id [topics] _tagged_fields
//   brokers => node_id host port rack _tagged_fields
//   topics => error_code name topic_id is_internal [partitions] topic_authorized_operations _tagged_fields
//     partitions => error_code partition_index leader_id leader_epoch [replica_nodes] [isr_nodes] [offline_replicas] _tagged_fields

import { type Logger, silentLogger } from "../logger.ts";
import { ErrorCode, isRetriable, KafkaProtocolError } from "../protocol/errors.ts";
import { Metadata, type MetadataResponse } from "../protocol/messages/metadata.ts";
import { type BrokerAddress, Connection, type ConnectionOptions, defaultConnectionOptions, formatAddress } from "./connection.ts";
import { ClientError, ConnectionError } from "./errors.ts";
import { retry, type RetryOptions } from "./retry.ts";

export interface BrokerInfo {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface PartitionInfo {
  partition: number;
  errorCode: number;
  /** -1 while the partition has no leader. */
  leaderId: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
}

export interface TopicInfo {
  name: string;
  /** 32 hex digits; all zeros from brokers older than Metadata v10. */
  topicId: string;
  internal: boolean;
  /** Sorted by partition index. */
  partitions: PartitionInfo[];
}

export interface ClusterOptions extends Partial<ConnectionOptions> {
  /** Bootstrap brokers, `host:port,host:port` or parsed addresses. */
  brokers: string | BrokerAddress[];
  /** Backoff and attempts for retriable metadata and connection failures. */
  retry?: Partial<RetryOptions>;
}

export const defaultKafkaPort = 9092;

/** Parses `host:port,host:port` (`[v6addr]:port` for IPv6; a missing port means 9092). */
export function parseBrokerList(list: string): BrokerAddress[] {
  const addresses = list
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)
    .map(parseBrokerAddress);
  if (addresses.length === 0) throw new ClientError(`Broker list "${list}" names no broker`);
  return addresses;
}

function parseBrokerAddress(entry: string): BrokerAddress {
  const match = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(entry);
  const port = match?.[3] === undefined ? defaultKafkaPort : Number(match[3]);
  if (!match || port < 1 || port > 65535) throw new ClientError(`Broker address "${entry}" is not host:port`);
  return { host: match[1] ?? match[2], port };
}

export class Cluster {
  readonly options: ConnectionOptions;
  readonly retryOptions: Partial<RetryOptions>;
  readonly #bootstrap: BrokerAddress[];
  readonly #brokers = new Map<number, BrokerInfo>();
  readonly #topics = new Map<string, TopicInfo>();
  readonly #connections = new Map<string, Promise<Connection>>();
  #controllerId = -1;
  #closed = false;

  constructor(options: ClusterOptions) {
    const { brokers, retry: retryOptions, ...connectionOptions } = options;
    this.#bootstrap = typeof brokers === "string" ? parseBrokerList(brokers) : brokers;
    this.options = { ...defaultConnectionOptions, logger: silentLogger, ...withoutUndefined(connectionOptions) };
    this.retryOptions = retryOptions ?? {};
  }

  get logger(): Logger {
    return this.options.logger;
  }

  /** Brokers by node id, as of the last metadata. */
  get brokers(): ReadonlyMap<number, BrokerInfo> {
    return this.#brokers;
  }

  /** True once close() was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The controller's node id as of the last metadata, or -1 when unknown. */
  get controllerId(): number {
    return this.#controllerId;
  }

  /** The last metadata known for a topic, without asking a broker. */
  cachedTopic(name: string): TopicInfo | undefined {
    return this.#topics.get(name);
  }

  /** Asks a broker (one attempt) for metadata of `topics` (null: every topic) and updates the cache. */
  async refreshMetadata(topics: string[] | null, options: { allowAutoTopicCreation?: boolean } = {}): Promise<MetadataResponse> {
    const request = {
      topics: topics === null ? null : topics.map((name) => ({ name, topicId: "0".repeat(32) })),
      allowAutoTopicCreation: options.allowAutoTopicCreation ?? false,
      includeTopicAuthorizedOperations: false,
      includeClusterAuthorizedOperations: false,
    };
    const connection = await this.anyConnection();
    const response = await connection.request(Metadata, request);
    this.#absorb(response);
    return response;
  }

  /**
   * A topic's partitions and leaders, refreshed from a broker. Waits (with backoff) while the
   * topic or its leaders are still being created; an unknown topic fails with
   * UNKNOWN_TOPIC_OR_PARTITION unless `allowAutoTopicCreation` lets the broker create it.
   */
  async topic(name: string, options: { allowAutoTopicCreation?: boolean } = {}): Promise<TopicInfo> {
    return retry(
      async () => {
        const response = await this.refreshMetadata([name], options);
        const entry = response.topics.find((topic) => topic.name === name);
        const errorCode = entry === undefined ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : entry.errorCode;
        if (errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && !options.allowAutoTopicCreation) {
          throw new ClientError(`Topic "${name}" does not exist`);
        }
        if (errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(errorCode, `metadata of topic "${name}"`);
        const topic = this.#topics.get(name);
        const leaderless = topic?.partitions.find((partition) => partition.leaderId < 0 || partition.errorCode !== ErrorCode.NONE);
        if (topic === undefined || topic.partitions.length === 0 || leaderless !== undefined) {
          const code = leaderless?.errorCode || ErrorCode.LEADER_NOT_AVAILABLE;
          throw new KafkaProtocolError(code, `topic "${name}" partition ${leaderless?.partition ?? 0} has no leader yet`);
        }
        return topic;
      },
      { ...this.retryOptions, logger: this.logger, what: `metadata of topic "${name}"` },
    );
  }

  /** The connection to the leader of a partition, from cached metadata (call topic() first). */
  async leaderConnection(topic: string, partition: number): Promise<Connection> {
    const info = this.#topics.get(topic)?.partitions[partition];
    if (info === undefined || info.partition !== partition) {
      throw new KafkaProtocolError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `no metadata for topic "${topic}" partition ${partition}`);
    }
    if (info.leaderId < 0) throw new KafkaProtocolError(ErrorCode.LEADER_NOT_AVAILABLE, `topic "${topic}" partition ${partition}`);
    return this.brokerConnection(info.leaderId);
  }

  /** The leader's node id of a partition in cached metadata, or -1. */
  leaderOf(topic: string, partition: number): number {
    return this.#topics.get(topic)?.partitions[partition]?.leaderId ?? -1;
  }

  /** The connection to a broker by node id (opened on first use, reopened after a failure). */
  brokerConnection(nodeId: number): Promise<Connection> {
    const broker = this.#brokers.get(nodeId);
    if (broker === undefined) {
      return Promise.reject(new KafkaProtocolError(ErrorCode.LEADER_NOT_AVAILABLE, `broker ${nodeId} is not in the metadata`));
    }
    return this.#connect({ host: broker.host, port: broker.port });
  }

  /** A connection to any broker: an open one if there is one, else the bootstrap brokers in turn. */
  async anyConnection(): Promise<Connection> {
    if (this.#closed) throw new ClientError("The client was closed");
    for (const pending of this.#connections.values()) {
      const connection = await pending.catch(() => null);
      if (connection !== null && !connection.closed) return connection;
    }
    const candidates = [...this.#bootstrap, ...[...this.#brokers.values()].map(({ host, port }) => ({ host, port }))];
    const failures: string[] = [];
    for (const address of candidates) {
      try {
        return await this.#connect(address);
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
    throw new ConnectionError(failures.length === 1 ? failures[0] : `Cannot reach any broker: ${failures.join("; ")}`);
  }

  /** Closes every connection; the cluster cannot be used afterwards. */
  close(): void {
    this.#closed = true;
    for (const pending of this.#connections.values()) pending.then((connection) => connection.close(), () => {});
    this.#connections.clear();
  }

  #connect(address: BrokerAddress): Promise<Connection> {
    if (this.#closed) return Promise.reject(new ClientError("The client was closed"));
    const key = formatAddress(address);
    const existing = this.#connections.get(key);
    if (existing !== undefined) {
      return existing.then((connection) => (connection.closed ? this.#reconnect(key, address, existing) : connection));
    }
    return this.#reconnect(key, address, undefined);
  }

  #reconnect(key: string, address: BrokerAddress, stale: Promise<Connection> | undefined): Promise<Connection> {
    const current = this.#connections.get(key);
    if (current !== undefined && current !== stale) return current;
    const opening = Connection.open(address, this.options);
    this.#connections.set(key, opening);
    opening.catch(() => {
      if (this.#connections.get(key) === opening) this.#connections.delete(key);
    });
    return opening;
  }

  #absorb(response: MetadataResponse): void {
    this.#brokers.clear();
    for (const broker of response.brokers) {
      this.#brokers.set(broker.nodeId, { nodeId: broker.nodeId, host: broker.host, port: broker.port, rack: broker.rack ?? null });
    }
    this.#controllerId = response.controllerId ?? -1;
    for (const topic of response.topics) {
      if (topic.name === null || topic.name === undefined) continue;
      if (topic.errorCode !== ErrorCode.NONE && !isRetriable(topic.errorCode)) {
        this.#topics.delete(topic.name);
        continue;
      }
      const partitions = topic.partitions
        .map((partition) => ({
          partition: partition.partitionIndex,
          errorCode: partition.errorCode,
          leaderId: partition.leaderId,
          leaderEpoch: partition.leaderEpoch ?? -1,
          replicas: partition.replicaNodes,
          isr: partition.isrNodes,
        }))
        .sort((a, b) => a.partition - b.partition);
      this.#topics.set(topic.name, { name: topic.name, topicId: topic.topicId ?? "0".repeat(32), internal: topic.isInternal ?? false, partitions });
    }
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
