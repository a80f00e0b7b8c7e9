// The flags of `chronik serve`, one entry each: the flag and its help, its parser, its default
// and where its value goes in BrokerConfig. The commander options come from this table, and so
// (through setting-sources.ts, which reads the options) do the CHRONIK_* variables and the config
// file's keys, and so does the BrokerConfig: a new setting is one entry.

import { strict as assert } from "node:assert";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { InvalidArgumentError, Option } from "@commander-js/extra-typings";
import type { LogLevel } from "../logger.ts";
import { defaultBrokerConfig, type BrokerConfig, type FsyncPolicy } from "../engine/broker-config.ts";
import { type SaslMechanism, saslMechanisms } from "../engine/sasl-session.ts";
import { defaultSearchThreads, searchThreadsMax } from "../search/query-pool.ts";
import { choice, formatByteSize, formatDuration, parseByteSize, parseDurationMs, parseNonNegativeInteger, parsePort, parsePositiveDurationMs, parsePositiveInteger } from "./options.ts";

/** One flag; its key in `serveSettings` is commander's attribute name for it (--http-port: httpPort). */
interface ServeSetting<Value> {
  /** Commander's flags: "--port <port>", or "--metrics" for a switch. */
  flags: string;
  description: string;
  /** Turns the text given into the value; absent for switches and plain strings. */
  parse?: (text: string) => Value;
  default?: Value;
  /** How the help shows the default: 7d, not 604800000. */
  show?: (value: Value) => string;
  /** Help of the --no-<flag> switch that turns a switch off. */
  negation?: string;
  /** Where the value goes in BrokerConfig: a key, or a function of the value; absent: serve uses it itself. */
  config?: keyof BrokerConfig | ((value: Value) => Partial<BrokerConfig>);
}

/** A flag that sets `key` of BrokerConfig, with that key's default. */
function brokerSetting<Key extends keyof BrokerConfig>(
  key: Key,
  setting: Omit<ServeSetting<BrokerConfig[Key]>, "default" | "config">,
): ServeSetting<BrokerConfig[Key]> & { default: BrokerConfig[Key]; config: Key } {
  return { ...setting, default: defaultBrokerConfig[key], config: key };
}

/** A flag without a default: undefined unless given. */
function flag<Value>(setting: ServeSetting<Value>): ServeSetting<Value> {
  return setting;
}

/** A flag with a default; serve uses its value itself unless `config` says where it goes. */
function defaulted<Value>(setting: ServeSetting<Value> & { default: Value }): ServeSetting<Value> & { default: Value } {
  return setting;
}

const duration = { parse: parseDurationMs, show: formatDuration };
const positiveDuration = { parse: parsePositiveDurationMs, show: formatDuration };
const size = { parse: parseByteSize, show: formatByteSize };

/** Accepts "-1" (Kafka's "no limit") besides what `parse` accepts. */
function orUnlimited(parse: (value: string) => number): (value: string) => number {
  return (value) => (value.trim() === "-1" ? -1 : parse(value));
}

const fsyncPolicies = ["always", "interval", "never"] as const satisfies readonly FsyncPolicy[];
const cleanupPolicies = ["delete", "compact", "compact,delete"] as const;
const timestampTypes = ["CreateTime", "LogAppendTime"] as const;
const logLevels = ["debug", "info", "warn", "error"] as const satisfies readonly LogLevel[];

/** Every flag of `chronik serve`, in the order its help lists them. */
export const serveSettings = {
  config: flag<string>({ flags: "--config <file>", description: "TOML file of settings, keys named like the long flags (default: $CHRONIK_CONFIG)" }),
  data: defaulted({ flags: "--data <dir>", description: "data folder holding topics and their segments", default: defaultBrokerConfig.dataDir, config: (dir: string) => ({ dataDir: resolve(dir) }) }),
  host: brokerSetting("host", { flags: "--host <host>", description: "address to listen on" }),
  port: brokerSetting("port", { flags: "--port <port>", description: "Kafka protocol port", parse: parsePort }),
  httpPort: brokerSetting("httpPort", { flags: "--http-port <port>", description: "HTTP API port", parse: parsePort }),
  listeners: flag<string>({
    flags: "--listeners <list>",
    description: "Kafka listeners as NAME://host:port, comma-separated: PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL (e.g. 'PLAINTEXT://127.0.0.1:9092,SASL_SSL://:9093'); instead of --host and --port (HTTP then listens on the first listener's host)",
  }),
  advertisedListeners: flag<string>({
    flags: "--advertised-listeners <list>",
    description: "what Metadata tells each listener's clients, as NAME://host:port (default: the listener's own host, or --advertised-host when it listens on every interface, and its port)",
  }),
  tlsCert: flag<string>({ flags: "--tls-cert <file>", description: "PEM certificate (chain) of SSL listeners; reloaded on SIGHUP" }),
  tlsKey: flag<string>({ flags: "--tls-key <file>", description: "PEM private key of SSL listeners; reloaded on SIGHUP" }),
  httpTls: flag<boolean>({ flags: "--http-tls", description: "serve the HTTP API (console, metrics, search) as HTTPS with --tls-cert and --tls-key (read at start; SIGHUP does not reload it)" }),
  tlsCa: flag<string>({ flags: "--tls-ca <file>", description: "PEM CA certificates: SSL clients must present a certificate they signed (mutual TLS); reloaded on SIGHUP" }),
  saslMechanisms: brokerSetting("saslMechanisms", {
    flags: "--sasl-mechanisms <list>",
    description: `SASL mechanisms SASL listeners offer, comma-separated, of ${saslMechanisms.join(", ")}`,
    parse: parseSaslMechanisms,
  }),
  connectionsMaxReauthMs: brokerSetting("saslSessionLifetimeMs", {
    flags: "--connections-max-reauth-ms <ms>",
    description: "SASL sessions last this long: clients must authenticate again on the connection before it ends (KIP-368), or it closes; 0: sessions do not end",
    parse: parseNonNegativeInteger,
  }),
  superUsers: brokerSetting("superUsers", {
    flags: "--super-users <list>",
    description: "principals allowed everything whatever the ACLs, separated by ; as Kafka's super.users (a certificate's name holds commas: 'User:alice;User:CN=ops,O=Acme')",
    parse: parseSuperUsers,
  }),
  allowEveryoneIfNoAcl: brokerSetting("allowEveryoneIfNoAcl", { flags: "--allow-everyone-if-no-acl", description: "with authentication on, allow what no ACL covers (default: refuse it)" }),
  advertisedHost: flag<string>({ flags: "--advertised-host <host>", description: "host clients are told to connect to (default: --host, or localhost when listening on all addresses)", config: "advertisedHost" }),
  advertisedPort: flag<number>({ flags: "--advertised-port <port>", description: "port clients are told to connect to (default: the bound --port)", parse: parsePort, config: "advertisedPort" }),
  nodeId: brokerSetting("nodeId", { flags: "--node-id <id>", description: "this broker's node id", parse: parseNonNegativeInteger }),
  autoCreateTopics: brokerSetting("autoCreateTopics", {
    flags: "--auto-create-topics",
    description: "create unknown topics on Metadata and Produce",
    negation: "answer UNKNOWN_TOPIC_OR_PARTITION for unknown topics instead",
  }),
  defaultPartitions: brokerSetting("defaultPartitions", { flags: "--default-partitions <n>", description: "partitions of auto-created topics and of CreateTopics with -1", parse: parsePositiveInteger }),
  fsync: brokerSetting("fsync", {
    flags: "--fsync <policy>",
    description: "always: acknowledge a produce only after fsync (group commit); interval: fsync every --fsync-interval; never: leave it to the OS",
    parse: choice(fsyncPolicies),
  }),
  fsyncInterval: brokerSetting("fsyncIntervalMs", { flags: "--fsync-interval <duration>", description: "how often --fsync interval flushes", ...positiveDuration }),
  segmentBytes: brokerSetting("segmentBytes", { flags: "--segment-bytes <size>", description: "roll a segment when it reaches this size", ...size }),
  segmentMs: brokerSetting("segmentMs", { flags: "--segment-ms <duration>", description: "roll a segment when it is this old", ...duration }),
  retentionMs: brokerSetting("retentionMs", {
    flags: "--retention-ms <duration>",
    description: "default retention.ms: delete segments whose newest record is older than this; -1 keeps data forever",
    ...duration,
    parse: orUnlimited(parseDurationMs),
  }),
  retentionBytes: brokerSetting("retentionBytes", {
    flags: "--retention-bytes <size>",
    description: "default retention.bytes: delete the oldest segments while a partition is bigger than this; -1 for no limit",
    ...size,
    parse: orUnlimited(parseByteSize),
  }),
  cleanupPolicy: brokerSetting("cleanupPolicy", {
    flags: "--cleanup-policy <policy>",
    description: "default cleanup.policy: delete (retention), compact (latest record per key) or compact,delete",
    parse: choice(cleanupPolicies),
  }),
  retentionCheckInterval: brokerSetting("retentionCheckIntervalMs", {
    flags: "--retention-check-interval <duration>",
    description: "log.retention.check.interval.ms: how often retention runs over every partition",
    ...positiveDuration,
  }),
  logCleanerBackoff: brokerSetting("logCleanerBackoffMs", {
    flags: "--log-cleaner-backoff <duration>",
    description: "log.cleaner.backoff.ms: how often compacted partitions are checked, and compacted once their dirty ratio reaches min.cleanable.dirty.ratio",
    ...positiveDuration,
  }),
  messageTimestampType: brokerSetting("messageTimestampType", {
    flags: "--message-timestamp-type <type>",
    description: "default message.timestamp.type: CreateTime keeps the producer's time, LogAppendTime stamps the broker's",
    parse: choice(timestampTypes),
  }),
  messageTimestampDifferenceMax: brokerSetting("messageTimestampDifferenceMaxMs", {
    flags: "--message-timestamp-difference-max <duration>",
    description: "default message.timestamp.difference.max.ms: reject CreateTime records further than this from the broker's clock",
    parse: parseDurationMs,
    show: () => "no limit",
  }),
  openFilesMax: brokerSetting("openFilesMax", {
    flags: "--open-files-max <n>",
    description: "files all partitions may keep open together; idle segments close least recently used first",
    parse: parsePositiveInteger,
  }),
  requestMaxBytes: brokerSetting("requestBytesMax", { flags: "--request-max-bytes <size>", description: "largest request frame accepted", ...size }),
  messageMaxBytes: brokerSetting("batchBytesMax", { flags: "--message-max-bytes <size>", description: "largest record batch accepted", ...size }),
  offsetsRetentionMinutes: defaulted({
    flags: "--offsets-retention-minutes <n>",
    description: "offsets.retention.minutes: committed offsets of a group that stayed empty this long are deleted",
    parse: parsePositiveInteger,
    default: defaultBrokerConfig.offsetsRetentionMs / 60_000,
    config: (minutes: number) => ({ offsetsRetentionMs: minutes * 60_000 }),
  }),
  groupInitialRebalanceDelayMs: brokerSetting("groupInitialRebalanceDelayMs", {
    flags: "--group-initial-rebalance-delay-ms <duration>",
    description: "group.initial.rebalance.delay.ms: how long the first rebalance of an empty classic group waits for more members; 0 for none",
    ...duration,
  }),
  groupMinSessionTimeoutMs: brokerSetting("groupSessionTimeoutMinMs", {
    flags: "--group-min-session-timeout-ms <duration>",
    description: "group.min.session.timeout.ms: shortest session timeout a classic group member may ask for",
    ...duration,
  }),
  groupMaxSessionTimeoutMs: brokerSetting("groupSessionTimeoutMaxMs", {
    flags: "--group-max-session-timeout-ms <duration>",
    description: "group.max.session.timeout.ms: longest session timeout a classic group member may ask for",
    ...duration,
  }),
  groupConsumerSessionTimeoutMs: brokerSetting("consumerGroupSessionTimeoutMs", {
    flags: "--group-consumer-session-timeout-ms <duration>",
    description: "group.consumer.session.timeout.ms: KIP-848 members that do not heartbeat this long are removed",
    ...duration,
  }),
  groupConsumerHeartbeatIntervalMs: brokerSetting("consumerGroupHeartbeatIntervalMs", {
    flags: "--group-consumer-heartbeat-interval-ms <duration>",
    description: "group.consumer.heartbeat.interval.ms: how often KIP-848 members are told to heartbeat; below the session timeout",
    ...duration,
  }),
  producerIdExpirationMs: brokerSetting("producerIdExpirationMs", {
    flags: "--producer-id-expiration-ms <duration>",
    description: "producer.id.expiration.ms: partitions forget an idempotent producer silent this long (its retries are then no longer recognised)",
    ...positiveDuration,
  }),
  metrics: brokerSetting("metrics", {
    flags: "--metrics",
    description: "serve Prometheus metrics at /metrics on the HTTP port",
    negation: "do not count anything for /metrics (it answers 404)",
  }),
  metricsPartitionSeries: brokerSetting("metricsPartitionSeries", {
    flags: "--metrics-partition-series",
    description: "per-partition series in /metrics (offsets, size, segments, group and search lag)",
    negation: "only per-topic and per-group totals in /metrics, for brokers with many partitions",
  }),
  metricsSeriesMax: brokerSetting("metricsSeriesMax", {
    flags: "--metrics-series-max <n>",
    description: "label sets one metric family may hold; more are dropped and counted in chronik_metrics_series_dropped_total",
    parse: parsePositiveInteger,
  }),
  searchAllTopics: defaulted({
    flags: "--search-all-topics",
    description: "index every topic for search, not only those with search.enabled=true (internal __ topics excepted)",
    default: false,
    negation: "index only topics with search.enabled=true",
  }),
  searchMemoryMb: defaulted({
    flags: "--search-memory-mb <mb>",
    description: "memory for the newest, in-memory part of search indexes, in MiB (the rest is files read in place)",
    parse: parsePositiveInteger,
    default: 1024,
  }),
  searchThreads: defaulted({
    flags: "--search-threads <n>",
    description: `threads searching sealed index chunks in parallel, beside the indexing thread (1 to ${searchThreadsMax})`,
    parse: parsePositiveInteger,
    default: defaultSearchThreads(availableParallelism()),
  }),
  logLevel: defaulted<LogLevel>({ flags: "--log-level <level>", description: "debug, info, warn or error", parse: choice(logLevels), default: "info" }),
};

type ServeSettings = typeof serveSettings;
/** The settled value of each flag: defined when the flag has a default. */
export type ServeOptions = {
  [Name in keyof ServeSettings]: ServeSettings[Name] extends { default: infer Value } ? Value : ServeSettings[Name] extends ServeSetting<infer Value> ? Value | undefined : never;
};

/** The table's entries, each setting seen through its value as unknown (the table types each one's value). */
function settingEntries(): [keyof ServeOptions, ServeSetting<unknown>][] {
  return Object.entries(serveSettings) as unknown as [keyof ServeOptions, ServeSetting<unknown>][];
}

/** The commander options of the table: each flag, and its --no-<flag> when it has one. */
export function serveOptions(): Option[] {
  return settingEntries().flatMap(([name, setting]) => {
    const option = new Option(setting.flags, setting.description);
    assert(option.attributeName() === name, `serveSettings key "${name}" is not the attribute of "${setting.flags}"`);
    if (setting.parse !== undefined) option.argParser(setting.parse);
    if (setting.default !== undefined) option.default(setting.default, setting.show?.(setting.default));
    if (setting.negation === undefined) return [option];
    return [option, new Option(`--no-${option.name()}`, setting.negation)];
  });
}

/**
 * The BrokerConfig the flags describe, before --listeners and TLS: each flag's value where its
 * entry says, then the advertised address where no flag gave one.
 */
export function brokerConfigFrom(options: ServeOptions): BrokerConfig {
  const config: BrokerConfig = { ...defaultBrokerConfig };
  for (const [name, setting] of settingEntries()) {
    const value = options[name];
    if (value === undefined || setting.config === undefined) continue;
    Object.assign(config, typeof setting.config === "function" ? setting.config(value) : { [setting.config]: value });
  }
  const listensEverywhere = config.host === "0.0.0.0" || config.host === "::";
  if (options.advertisedHost === undefined) config.advertisedHost = listensEverywhere ? "localhost" : config.host;
  if (options.advertisedPort === undefined) config.advertisedPort = config.port;
  return config;
}

function parseSuperUsers(value: string): string[] {
  const principals = value.split(";").map((entry) => entry.trim()).filter((entry) => entry !== "");
  const bad = principals.find((principal) => !/^[^:]+:.+$/.test(principal));
  if (bad !== undefined) throw new InvalidArgumentError(`"${bad}" is not a principal of the form Type:name (User:admin)`);
  return principals;
}

function parseSaslMechanisms(value: string): SaslMechanism[] {
  const chosen = value.split(",").map((entry) => entry.trim().toUpperCase()).filter((entry) => entry !== "");
  const unknown = chosen.filter((entry) => !(saslMechanisms as readonly string[]).includes(entry));
  if (chosen.length === 0 || unknown.length > 0) throw new InvalidArgumentError(`${unknown.length > 0 ? `"${unknown[0]}" is not` : "Give at least one of"} ${saslMechanisms.join(", ")}`);
  return chosen as SaslMechanism[];
}
