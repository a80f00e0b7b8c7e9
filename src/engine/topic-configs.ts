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

interface ConfigDefinition {
  defaultValue: string;
  validate: Validator;
}

export const topicConfigDefinitions: Record<string, ConfigDefinition> = {
  "cleanup.policy": { defaultValue: "delete", validate: listOf("delete", "compact") },
  "compression.type": { defaultValue: "producer", validate: oneOf("producer", "uncompressed", "gzip", "snappy", "lz4", "zstd") },
  "delete.retention.ms": { defaultValue: "86400000", validate: isLongIn(0) },
  "max.message.bytes": { defaultValue: "1048588", validate: isPositiveLong },
  "message.timestamp.type": { defaultValue: "CreateTime", validate: oneOf("CreateTime", "LogAppendTime") },
  "message.timestamp.difference.max.ms": { defaultValue: "9223372036854775807", validate: isLongIn(0) },
  "min.cleanable.dirty.ratio": { defaultValue: "0.5", validate: isRatio },
  "min.compaction.lag.ms": { defaultValue: "0", validate: isLongIn(0) },
  "min.insync.replicas": { defaultValue: "1", validate: isPositiveLong },
  "retention.bytes": { defaultValue: "-1", validate: isLongIn(-1) },
  "retention.ms": { defaultValue: "604800000", validate: isLongIn(-1) },
  // Positions in a segment are int32 in its offset index.
  "segment.bytes": { defaultValue: "1073741824", validate: isLongIn(1, 2 ** 31 - 1) },
  "segment.ms": { defaultValue: "604800000", validate: isPositiveLong },
  "search.enabled": { defaultValue: "false", validate: isBoolean },
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
