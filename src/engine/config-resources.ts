// What DescribeConfigs, AlterConfigs and IncrementalAlterConfigs share: resource types, config
// sources and types as Kafka numbers them, a topic's effective configs (its own values over the
// broker's defaults), and the broker's read-only configs (set by `chronik serve` flags).

import type { BrokerConfig } from "./broker-config.ts";
import { formatListeners } from "./listeners.ts";
import { ConfigType, topicConfigDefinitions } from "./topic-configs.ts";

export const ResourceType = { topic: 2, broker: 4 } as const;

/** DescribeConfigs config_source values. */
export const ConfigSource = { topicConfig: 1, staticBrokerConfig: 4, defaultConfig: 5 } as const;

export { ConfigType };

/** Kafka's type of a topic config (long for a key chronik does not know, which validation refuses anyway). */
export function topicConfigType(name: string): number {
  return Object.hasOwn(topicConfigDefinitions, name) ? topicConfigDefinitions[name].type : ConfigType.long;
}

/** The topic config defaults this broker applies, where a serve flag changes Kafka's default. */
export function topicDefaults(config: BrokerConfig): Record<string, string> {
  const defaults: Record<string, string> = {};
  for (const [name, definition] of Object.entries(topicConfigDefinitions)) defaults[name] = definition.defaultValue;
  return {
    ...defaults,
    "max.message.bytes": String(config.batchBytesMax),
    "segment.bytes": String(config.segmentBytes),
    "segment.ms": String(config.segmentMs),
    "retention.ms": String(config.retentionMs),
    "retention.bytes": String(config.retentionBytes),
    "cleanup.policy": config.cleanupPolicy,
    "message.timestamp.type": config.messageTimestampType,
    "message.timestamp.difference.max.ms": String(config.messageTimestampDifferenceMaxMs),
  };
}

export interface DescribedConfig {
  name: string;
  value: string;
  source: number;
  readOnly: boolean;
  type: number;
}

/** Every topic config with its effective value, sorted by name. */
export function describeTopicConfigs(configs: Record<string, string>, config: BrokerConfig): DescribedConfig[] {
  const defaults = topicDefaults(config);
  return Object.keys(defaults)
    .sort()
    .map((name) => {
      const own = Object.hasOwn(configs, name) ? configs[name] : undefined;
      return {
        name,
        value: own ?? defaults[name],
        source: own === undefined ? ConfigSource.defaultConfig : ConfigSource.topicConfig,
        readOnly: false,
        type: topicConfigType(name),
      };
    });
}

/** The broker's configs, named as Kafka names them; all read-only (serve flags set them). */
export function describeBrokerConfigs(config: BrokerConfig): DescribedConfig[] {
  const values: Array<[string, string, number]> = [
    ["advertised.listeners", advertisedListeners(config), ConfigType.list],
    ["auto.create.topics.enable", String(config.autoCreateTopics), ConfigType.boolean],
    ["broker.id", String(config.nodeId), ConfigType.int],
    ["log.cleanup.policy", config.cleanupPolicy, ConfigType.list],
    ["log.dirs", config.dataDir, ConfigType.string],
    ["log.retention.bytes", String(config.retentionBytes), ConfigType.long],
    ["log.retention.ms", String(config.retentionMs), ConfigType.long],
    ["log.roll.ms", String(config.segmentMs), ConfigType.long],
    ["listeners", config.listeners === undefined ? formatListeners([{ name: "PLAINTEXT", host: config.host, port: config.port }]) : formatListeners(config.listeners), ConfigType.list],
    ["log.segment.bytes", String(config.segmentBytes), ConfigType.int],
    ["message.max.bytes", String(config.batchBytesMax), ConfigType.int],
    ["num.partitions", String(config.defaultPartitions), ConfigType.int],
    ["socket.request.max.bytes", String(config.requestBytesMax), ConfigType.int],
  ];
  return values.map(([name, value, type]) => ({ name, value, source: ConfigSource.staticBrokerConfig, readOnly: true, type }));
}

function advertisedListeners(config: BrokerConfig): string {
  if (config.listeners === undefined) return formatListeners([{ name: "PLAINTEXT", host: config.advertisedHost, port: config.advertisedPort }]);
  return formatListeners(config.listeners.map((listener) => ({ name: listener.name, host: listener.advertisedHost, port: listener.advertisedPort ?? listener.port })));
}

/** True when `name` names this broker: its node id, or "" (the cluster default, read as this broker). */
export function isThisBroker(name: string, config: BrokerConfig): boolean {
  return name === "" || name === String(config.nodeId);
}
