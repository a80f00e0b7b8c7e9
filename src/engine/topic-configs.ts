// Topic-level configs: the keys chronik knows, their defaults, and how a value is checked.
// An unknown key or a bad value is INVALID_CONFIG, as in Kafka's LogConfig.validate.

type Validator = (value: string) => string | null;

const isPositiveLong: Validator = (value) => (/^\d+$/.test(value) && Number(value) > 0 ? null : `"${value}" is not a positive whole number`);
/** A whole number from `min` to `max` (storage rejects settings outside what it can honour). */
const isLongIn = (min: number, max = Number.MAX_SAFE_INTEGER): Validator => (value) => {
  if (/^-?\d+$/.test(value) && Number(value) >= min && Number(value) <= max) return null;
  // Kafka's "no limit" is Long.MAX_VALUE, beyond a JS number's exact range.
  if (value === "9223372036854775807" && max === Number.MAX_SAFE_INTEGER) return null;
  return `"${value}" is not a whole number from ${min} to ${max}`;
};
const isBoolean: Validator = (value) => (value === "true" || value === "false" ? null : `"${value}" is not true or false`);
const oneOf = (...allowed: string[]): Validator => (value) =>
  allowed.includes(value) ? null : `"${value}" is not one of ${allowed.join(", ")}`;
const listOf = (...allowed: string[]): Validator => (value) =>
  value.split(",").every((part) => allowed.includes(part.trim())) ? null : `"${value}" is not a list of ${allowed.join(", ")}`;
const isRatio: Validator = (value) => {
  const number = Number(value);
  return value.trim() !== "" && number >= 0 && number <= 1 ? null : `"${value}" is not a number between 0 and 1`;
};

/** A comma-separated list of `partition:broker` pairs, or "*" for all replicas (Kafka's ThrottledReplicaListValidator). */
const isThrottledReplicaList: Validator = (value) =>
  /^\s*(\*|\d+\s*:\s*\d+(\s*,\s*\d+\s*:\s*\d+)*)?\s*$/.test(value) ? null : `"${value}" is not "*" or a list of partition:broker pairs`;
/** A Kafka release as MetadataVersion spells it ("0.10.2", "2.8", "3.0-IV1"). */
const isKafkaVersion: Validator = (value) =>
  /^(0\.(8\.[0-2]|9\.0|10\.[0-2]|11\.0)|[1-3]\.\d{1,2})(-IV\d+)?$/.test(value) ? null : `"${value}" is not a Kafka version such as "3.0-IV1"`;
/** gzip: -1 (the codec's default) or 1 to 9. */
const isGzipLevel: Validator = (value) => (value === "-1" ? null : isLongIn(1, 9)(value) === null ? null : `"${value}" is not -1 or a whole number from 1 to 9`);

/** DescribeConfigs config_type values (v3+), as Kafka numbers them. */
export const ConfigType = { boolean: 1, string: 2, int: 3, long: 5, double: 6, list: 7 } as const;

const longMax = "9223372036854775807";

interface ConfigDefinition {
  defaultValue: string;
  /** Kafka's type of the config, reported by DescribeConfigs. */
  type: number;
  validate: Validator;
}

const { boolean, string, int, long, double, list } = ConfigType;

/**
 * Every topic config Kafka 3.9 accepts (LogConfig), with Kafka's defaults and validators, plus
 * chronik's own `search.enabled`. chronik acts on those listed in `topicConfigsActedOn`; the
 * rest are accepted, validated, stored and described so that clients and tools that set them
 * keep working (docs/protocol.md lists them).
 */
export const topicConfigDefinitions: Record<string, ConfigDefinition> = {
  "cleanup.policy": { defaultValue: "delete", type: list, validate: listOf("delete", "compact") },
  "compression.gzip.level": { defaultValue: "-1", type: int, validate: isGzipLevel },
  "compression.lz4.level": { defaultValue: "9", type: int, validate: isLongIn(1, 17) },
  "compression.type": { defaultValue: "producer", type: string, validate: oneOf("producer", "uncompressed", "gzip", "snappy", "lz4", "zstd") },
  "compression.zstd.level": { defaultValue: "3", type: int, validate: isLongIn(-131072, 22) },
  "delete.retention.ms": { defaultValue: "86400000", type: long, validate: isLongIn(0) },
  "file.delete.delay.ms": { defaultValue: "60000", type: long, validate: isLongIn(0) },
  "flush.messages": { defaultValue: longMax, type: long, validate: isLongIn(1) },
  "flush.ms": { defaultValue: longMax, type: long, validate: isLongIn(0) },
  "follower.replication.throttled.replicas": { defaultValue: "", type: list, validate: isThrottledReplicaList },
  "index.interval.bytes": { defaultValue: "4096", type: int, validate: isLongIn(0, 2 ** 31 - 1) },
  "leader.replication.throttled.replicas": { defaultValue: "", type: list, validate: isThrottledReplicaList },
  "local.retention.bytes": { defaultValue: "-2", type: long, validate: isLongIn(-2) },
  "local.retention.ms": { defaultValue: "-2", type: long, validate: isLongIn(-2) },
  "max.compaction.lag.ms": { defaultValue: longMax, type: long, validate: isLongIn(1) },
  "max.message.bytes": { defaultValue: "1048588", type: int, validate: isPositiveLong },
  "message.downconversion.enable": { defaultValue: "true", type: boolean, validate: isBoolean },
  "message.format.version": { defaultValue: "3.0-IV1", type: string, validate: isKafkaVersion },
  "message.timestamp.after.max.ms": { defaultValue: longMax, type: long, validate: isLongIn(0) },
  "message.timestamp.before.max.ms": { defaultValue: longMax, type: long, validate: isLongIn(0) },
  "message.timestamp.difference.max.ms": { defaultValue: longMax, type: long, validate: isLongIn(0) },
  "message.timestamp.type": { defaultValue: "CreateTime", type: string, validate: oneOf("CreateTime", "LogAppendTime") },
  "min.cleanable.dirty.ratio": { defaultValue: "0.5", type: double, validate: isRatio },
  "min.compaction.lag.ms": { defaultValue: "0", type: long, validate: isLongIn(0) },
  "min.insync.replicas": { defaultValue: "1", type: int, validate: isPositiveLong },
  "preallocate": { defaultValue: "false", type: boolean, validate: isBoolean },
  "remote.log.copy.disable": { defaultValue: "false", type: boolean, validate: isBoolean },
  "remote.log.delete.on.disable": { defaultValue: "false", type: boolean, validate: isBoolean },
  "remote.storage.enable": { defaultValue: "false", type: boolean, validate: isBoolean },
  "retention.bytes": { defaultValue: "-1", type: long, validate: isLongIn(-1) },
  "retention.ms": { defaultValue: "604800000", type: long, validate: isLongIn(-1) },
  // Positions in a segment are int32 in its offset index.
  "segment.bytes": { defaultValue: "1073741824", type: int, validate: isLongIn(1, 2 ** 31 - 1) },
  "segment.index.bytes": { defaultValue: "10485760", type: int, validate: isLongIn(4, 2 ** 31 - 1) },
  "segment.jitter.ms": { defaultValue: "0", type: long, validate: isLongIn(0) },
  "segment.ms": { defaultValue: "604800000", type: long, validate: isPositiveLong },
  "unclean.leader.election.enable": { defaultValue: "false", type: boolean, validate: isBoolean },
  "search.enabled": { defaultValue: "false", type: boolean, validate: isBoolean },
};

/** Why a set of topic configs is invalid, or null when every key is known and every value valid. */
export function topicConfigProblem(configs: Record<string, string | null>): string | null {
  for (const [key, value] of Object.entries(configs)) {
    // Own keys only: "constructor" or "__proto__" would otherwise find Object.prototype's members.
    const definition = Object.hasOwn(topicConfigDefinitions, key) ? topicConfigDefinitions[key] : undefined;
    if (!definition) return `Unknown topic config "${key}"`;
    if (value === null) return `Topic config "${key}" has no value`;
    const problem = definition.validate(value);
    if (problem) return `Invalid value for topic config "${key}": ${problem}`;
  }
  return null;
}
