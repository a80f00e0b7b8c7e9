// Per-topic storage and append settings: the topic's own configs (meta.json, changed by
// CreateTopics and AlterConfigs) over the broker-wide defaults from `chronik serve` flags.
// Storage gets the log settings (rolling, retention, compaction); the produce handler gets
// the append limits. After an AlterConfigs, applyTopicConfigs re-applies them to every
// partition's log, so a new retention or segment size takes effect without a restart.

import { parseCleanupPolicy } from "../storage/log-settings.ts";
import type { LogSettings } from "../storage/log-settings.ts";
import type { BrokerConfig } from "./broker-config.ts";
import type { Topic } from "./topic-registry.ts";

/** Limits the produce handler checks before appending to a topic. */
export interface AppendLimits {
  /** max.message.bytes: largest record batch. */
  batchBytesMax: number;
  /** message.timestamp.type=LogAppendTime: the broker stamps the time of the append. */
  logAppendTime: boolean;
  /** message.timestamp.difference.max.ms: how far a CreateTime may be from the broker's clock. */
  timestampDifferenceMaxMs: number;
}

/** A number config, or the fallback when unset. Values were validated when the config was set. */
function numberOf(configs: Record<string, string>, key: string, fallback: number): number {
  const value = Object.hasOwn(configs, key) ? configs[key] : undefined;
  if (value === undefined) return fallback;
  // Kafka's "no limit" is Long.MAX_VALUE, beyond a JS number's exact range.
  return Math.min(Number(value), Number.MAX_SAFE_INTEGER);
}

function stringOf(configs: Record<string, string>, key: string, fallback: string): string {
  return Object.hasOwn(configs, key) ? configs[key] : fallback;
}

export function logSettingsOf(configs: Record<string, string>, config: BrokerConfig): LogSettings {
  return {
    segmentBytes: numberOf(configs, "segment.bytes", config.segmentBytes),
    segmentMs: numberOf(configs, "segment.ms", config.segmentMs),
    retentionMs: numberOf(configs, "retention.ms", config.retentionMs),
    retentionBytes: numberOf(configs, "retention.bytes", config.retentionBytes),
    cleanupPolicy: parseCleanupPolicy(stringOf(configs, "cleanup.policy", config.cleanupPolicy)),
    deleteRetentionMs: numberOf(configs, "delete.retention.ms", 24 * 60 * 60 * 1000),
    minCleanableDirtyRatio: numberOf(configs, "min.cleanable.dirty.ratio", 0.5),
    minCompactionLagMs: numberOf(configs, "min.compaction.lag.ms", 0),
  };
}

export function appendLimitsOf(configs: Record<string, string>, config: BrokerConfig): AppendLimits {
  return {
    batchBytesMax: numberOf(configs, "max.message.bytes", config.batchBytesMax),
    logAppendTime: stringOf(configs, "message.timestamp.type", config.messageTimestampType) === "LogAppendTime",
    timestampDifferenceMaxMs: numberOf(configs, "message.timestamp.difference.max.ms", config.messageTimestampDifferenceMaxMs),
  };
}

/** Re-applies the topic's configs to every partition's log (call after changing `topic.meta.configs`). */
export function applyTopicConfigs(topic: Topic, config: BrokerConfig): void {
  const settings = logSettingsOf(topic.meta.configs, config);
  for (const partition of topic.partitions) partition.log.configure?.(settings);
}
