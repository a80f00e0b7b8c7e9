// Admin calls for topic configs, partitions and the cluster: DescribeConfigs, AlterConfigs
// (whole set), IncrementalAlterConfigs (SET/DELETE), CreatePartitions and DescribeCluster.
// Config requests go to any broker (topic configs live with the controller's metadata);
// CreatePartitions goes to the controller. Per-resource failures come back as results.
//
// DescribeConfigs Request (Version: 4) => [resources] include_synonyms include_documentation _tagged_fields
//   resources => resource_type resource_name [configuration_keys] _tagged_fields
// IncrementalAlterConfigs Request (Version: 1) => [resources] validate_only _tagged_fields
//   resources => resource_type resource_name [configs] _tagged_fields
//     configs => name config_operation value _tagged_fields
// CreatePartitions Request (Version: 3) => [topics] timeout_ms validate_only _tagged_fields
//   topics => name count [assignments] _tagged_fields
// DescribeCluster Request (Version: 1) => include_cluster_authorized_operations endpoint_type _tagged_fields

import { ErrorCode, KafkaProtocolError } from "../protocol/errors.ts";
import { CreatePartitions } from "../protocol/messages/create-partitions.ts";
import { DescribeCluster } from "../protocol/messages/describe-cluster.ts";
import { DescribeConfigs } from "../protocol/messages/describe-configs.ts";
import { IncrementalAlterConfigs } from "../protocol/messages/incremental-alter-configs.ts";
import type { BrokerInfo, Cluster } from "./cluster.ts";
import type { Connection } from "./connection.ts";
import { retry } from "./retry.ts";

export const ConfigResourceType = { topic: 2, broker: 4 } as const;
export type ConfigResourceType = (typeof ConfigResourceType)[keyof typeof ConfigResourceType];

/** Kafka's config_source numbers, by name. */
export const configSourceNames: Record<number, string> = {
  0: "UNKNOWN",
  1: "TOPIC_CONFIG",
  2: "DYNAMIC_BROKER_CONFIG",
  3: "DYNAMIC_DEFAULT_BROKER_CONFIG",
  4: "STATIC_BROKER_CONFIG",
  5: "DEFAULT_CONFIG",
  6: "DYNAMIC_BROKER_LOGGER_CONFIG",
};

export interface ConfigEntry {
  name: string;
  value: string | null;
  /** TOPIC_CONFIG, DEFAULT_CONFIG, STATIC_BROKER_CONFIG, … */
  source: string;
  readOnly: boolean;
  sensitive: boolean;
}

export interface ResourceResult<T> {
  name: string;
  error: KafkaProtocolError | null;
  value: T;
}

export interface ClusterDescription {
  clusterId: string;
  controllerId: number;
  brokers: BrokerInfo[];
}

/** A change for alterConfigs: a value to set, or null to go back to the default. */
export type ConfigChanges = Record<string, string | null>;

const setOperation = 0;
const deleteOperation = 1;

function resultError(errorCode: number, message: string | null | undefined, what: string): KafkaProtocolError | null {
  if (errorCode === ErrorCode.NONE) return null;
  return new KafkaProtocolError(errorCode, message ? `${what}: ${message}` : what);
}

export class ConfigAdmin {
  readonly #cluster: Cluster;
  readonly #operationTimeoutMs: number;

  constructor(cluster: Cluster, options: { operationTimeoutMs?: number } = {}) {
    this.#cluster = cluster;
    this.#operationTimeoutMs = options.operationTimeoutMs ?? 30_000;
  }

  /** Configs of topics (or brokers, by node id), every key unless `keys` names some. */
  async describeConfigs(type: ConfigResourceType, names: string[], keys: string[] | null = null): Promise<ResourceResult<ConfigEntry[]>[]> {
    const response = await this.#onAny("DescribeConfigs", (connection) =>
      connection.request(DescribeConfigs, {
        resources: names.map((resourceName) => ({ resourceType: type, resourceName, configurationKeys: keys })),
        includeSynonyms: false,
        includeDocumentation: false,
      }),
    );
    return response.results.map((result) => ({
      name: result.resourceName,
      error: resultError(result.errorCode, result.errorMessage, `configs of "${result.resourceName}"`),
      value: result.configs.map((entry) => ({
        name: entry.name,
        value: entry.value ?? null,
        source: configSourceNames[entry.configSource ?? (entry.isDefault ? 5 : 1)] ?? "UNKNOWN",
        readOnly: entry.readOnly,
        sensitive: entry.isSensitive,
      })),
    }));
  }

  /** Sets (or, with null, resets) some configs of a topic, leaving the others as they are. */
  async alterTopicConfigs(topic: string, changes: ConfigChanges, options: { validateOnly?: boolean } = {}): Promise<KafkaProtocolError | null> {
    const response = await this.#onAny("IncrementalAlterConfigs", (connection) =>
      connection.request(IncrementalAlterConfigs, {
        resources: [
          {
            resourceType: ConfigResourceType.topic,
            resourceName: topic,
            configs: Object.entries(changes).map(([name, value]) => ({ name, configOperation: value === null ? deleteOperation : setOperation, value })),
          },
        ],
        validateOnly: options.validateOnly ?? false,
      }),
    );
    const [result] = response.responses;
    if (result === undefined) return new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, `the broker did not answer for topic "${topic}"`);
    return resultError(result.errorCode, result.errorMessage, `topic "${topic}"`);
  }

  /** Grows topics to the given partition counts. */
  async createPartitions(counts: Record<string, number>, options: { validateOnly?: boolean } = {}): Promise<ResourceResult<null>[]> {
    const response = await this.#onAny(
      "CreatePartitions",
      (connection) =>
        connection.request(
          CreatePartitions,
          {
            topics: Object.entries(counts).map(([name, count]) => ({ name, count, assignments: null })),
            timeoutMs: this.#operationTimeoutMs,
            validateOnly: options.validateOnly ?? false,
          },
          { extraWaitMs: this.#operationTimeoutMs },
        ),
      true,
    );
    return response.results.map((result) => ({ name: result.name, error: resultError(result.errorCode, result.errorMessage, `topic "${result.name}"`), value: null }));
  }

  async describeCluster(): Promise<ClusterDescription> {
    const response = await this.#onAny("DescribeCluster", (connection) => connection.request(DescribeCluster, { includeClusterAuthorizedOperations: false, endpointType: 1 }));
    if (response.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(response.errorCode, response.errorMessage ?? "describe cluster");
    return {
      clusterId: response.clusterId,
      controllerId: response.controllerId ?? -1,
      brokers: response.brokers.map((broker) => ({ nodeId: broker.brokerId, host: broker.host, port: broker.port, rack: broker.rack ?? null })),
    };
  }

  #onAny<T>(what: string, send: (connection: Connection) => Promise<T>, controller = false): Promise<T> {
    return retry(
      async () => {
        if (!controller) return send(await this.#cluster.anyConnection());
        await this.#cluster.refreshMetadata([]);
        const id = this.#cluster.controllerId;
        return send(id >= 0 ? await this.#cluster.brokerConnection(id) : await this.#cluster.anyConnection());
      },
      { ...this.#cluster.retryOptions, logger: this.#cluster.logger, what },
    );
  }
}
