// `chronik serve`: run the broker (Kafka protocol + HTTP API) on a local data folder.

import { Command, type CommandUnknownOpts, InvalidArgumentError, Option } from "@commander-js/extra-typings";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { createLogger, type LogLevel } from "../logger.ts";
import { Broker } from "../engine/broker.ts";
import { defaultBrokerConfig, type BrokerConfig, type FsyncPolicy, type TlsFiles } from "../engine/broker-config.ts";
import { ListenError } from "../engine/listen-error.ts";
import { readTlsMaterial, TlsFileError } from "../engine/broker.ts";
import { type ListenerConfig, ListenerConfigError, parseListeners, resolveListeners } from "../engine/listeners.ts";
import { type SaslMechanism, saslMechanisms } from "../engine/sasl-session.ts";
import { UserStoreError } from "../security/user-store.ts";
import { type HttpServer, type HttpTls, startHttpServer } from "../http/http-server.ts";
import type { SearchApi } from "../http/search-routes.ts";
import { registerSearchMetrics } from "../search/search-metrics.ts";
import { DataFolderLockedError } from "../storage/data-folder-lock.ts";
import { FileLog } from "../storage/file-log.ts";
import type { SearchablePartition } from "../search/partition-indexer.ts";
import type { IndexedLog } from "../search/segment-file-reader.ts";
import type { Partition } from "../engine/partition.ts";
import { defaultSearchThreads, searchThreadsMax } from "../search/query-pool.ts";
import type { SearchTopic } from "../search/search-service.ts";
import { SearchWorkerClient } from "../search/search-worker-client.ts";
import { choice, formatByteSize, formatDuration, parseNonNegativeInteger, parseByteSize, parseDurationMs, parsePositiveDurationMs, parsePort, parsePositiveInteger } from "./options.ts";
import { applySettingSources } from "./setting-sources.ts";

const fsyncPolicies = ["always", "interval", "never"] as const satisfies readonly FsyncPolicy[];
const cleanupPolicies = ["delete", "compact", "compact,delete"] as const;
const timestampTypes = ["CreateTime", "LogAppendTime"] as const;

/** Accepts "-1" (Kafka's "no limit") besides what `parse` accepts. */
function orUnlimited(parse: (value: string) => number): (value: string) => number {
  return (value) => (value.trim() === "-1" ? -1 : parse(value));
}
const logLevels = ["debug", "info", "warn", "error"] as const satisfies readonly LogLevel[];

/** A duration flag whose help shows its default as it would be typed (7d, not 604800000). */
function durationOption<Flags extends string>(flags: Flags, description: string, defaultMs: number, parse = parseDurationMs) {
  return new Option(flags, description).argParser(parse).default(defaultMs, formatDuration(defaultMs));
}

/** A size flag whose help shows its default as it would be typed (1GiB, not 1073741824). */
function sizeOption<Flags extends string>(flags: Flags, description: string, defaultBytes: number, parse = parseByteSize) {
  return new Option(flags, description).argParser(parse).default(defaultBytes, formatByteSize(defaultBytes));
}

const settingsHelp = `
Settings, strongest first: the command line, CHRONIK_<FLAG> environment variables (e.g.
CHRONIK_HTTP_PORT=6092, CHRONIK_SEARCH_ALL_TOPICS=true), the --config file (keys are the long
flag names: port = 9092, retention-ms = "7d", search-all-topics = true; see
docs/chronik.example.toml), then the defaults above.

Example:
  chronik serve --data /var/lib/chronik --port 9092 --http-port 6092
`;

export function serveCommand(environment: Record<string, string | undefined> = process.env) {
  const d = defaultBrokerConfig;
  return new Command("serve")
    .description("Run the broker: Kafka protocol on --port; HTTP on --http-port with /health, /ready, /metrics and search (/_search, /<topic>/_search, /_stats/search)")
    .option("--config <file>", "TOML file of settings, keys named like the long flags (default: $CHRONIK_CONFIG)")
    .option("--data <dir>", "data folder holding topics and their segments", d.dataDir)
    .option("--host <host>", "address to listen on", d.host)
    .option("--port <port>", "Kafka protocol port", parsePort, d.port)
    .option("--http-port <port>", "HTTP API port", parsePort, d.httpPort)
    .option("--listeners <list>", "Kafka listeners as NAME://host:port, comma-separated: PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL (e.g. 'PLAINTEXT://127.0.0.1:9092,SASL_SSL://:9093'); instead of --host and --port (HTTP then listens on the first listener's host)")
    .option("--advertised-listeners <list>", "what Metadata tells each listener's clients, as NAME://host:port (default: the listener's own host, or --advertised-host when it listens on every interface, and its port)")
    .option("--tls-cert <file>", "PEM certificate (chain) of SSL listeners; reloaded on SIGHUP")
    .option("--tls-key <file>", "PEM private key of SSL listeners; reloaded on SIGHUP")
    .option("--http-tls", "serve the HTTP API (console, metrics, search) as HTTPS with --tls-cert and --tls-key (read at start; SIGHUP does not reload it)")
    .option("--tls-ca <file>", "PEM CA certificates: SSL clients must present a certificate they signed (mutual TLS); reloaded on SIGHUP")
    .option("--sasl-mechanisms <list>", `SASL mechanisms SASL listeners offer, comma-separated, of ${saslMechanisms.join(", ")}`, parseSaslMechanisms, [...saslMechanisms] as SaslMechanism[])
    .option("--connections-max-reauth-ms <ms>", "SASL sessions last this long: clients must authenticate again on the connection before it ends (KIP-368), or it closes; 0: sessions do not end", parseNonNegativeInteger, d.saslSessionLifetimeMs)
    .option("--super-users <list>", "principals allowed everything whatever the ACLs, separated by ; as Kafka's super.users (a certificate's name holds commas: 'User:alice;User:CN=ops,O=Acme')", parseSuperUsers, [] as string[])
    .option("--allow-everyone-if-no-acl", "with authentication on, allow what no ACL covers (default: refuse it)", false)
    .option("--advertised-host <host>", "host clients are told to connect to (default: --host, or localhost when listening on all addresses)")
    .option("--advertised-port <port>", "port clients are told to connect to (default: the bound --port)", parsePort)
    .option("--node-id <id>", "this broker's node id", parseNonNegativeInteger, d.nodeId)
    .option("--auto-create-topics", "create unknown topics on Metadata and Produce", d.autoCreateTopics)
    .option("--no-auto-create-topics", "answer UNKNOWN_TOPIC_OR_PARTITION for unknown topics instead")
    .option("--default-partitions <n>", "partitions of auto-created topics and of CreateTopics with -1", parsePositiveInteger, d.defaultPartitions)
    .option("--fsync <policy>", "always: acknowledge a produce only after fsync (group commit); interval: fsync every --fsync-interval; never: leave it to the OS", choice(fsyncPolicies), d.fsync)
    .addOption(durationOption("--fsync-interval <duration>", "how often --fsync interval flushes", d.fsyncIntervalMs, parsePositiveDurationMs))
    .addOption(sizeOption("--segment-bytes <size>", "roll a segment when it reaches this size", d.segmentBytes))
    .addOption(durationOption("--segment-ms <duration>", "roll a segment when it is this old", d.segmentMs))
    .addOption(durationOption("--retention-ms <duration>", "default retention.ms: delete segments whose newest record is older than this; -1 keeps data forever", d.retentionMs, orUnlimited(parseDurationMs)))
    .addOption(sizeOption("--retention-bytes <size>", "default retention.bytes: delete the oldest segments while a partition is bigger than this; -1 for no limit", d.retentionBytes, orUnlimited(parseByteSize)))
    .option("--cleanup-policy <policy>", "default cleanup.policy: delete (retention), compact (latest record per key) or compact,delete", choice(cleanupPolicies), d.cleanupPolicy as (typeof cleanupPolicies)[number])
    .addOption(durationOption("--retention-check-interval <duration>", "log.retention.check.interval.ms: how often retention runs over every partition", d.retentionCheckIntervalMs, parsePositiveDurationMs))
    .addOption(durationOption("--log-cleaner-backoff <duration>", "log.cleaner.backoff.ms: how often compacted partitions are checked, and compacted once their dirty ratio reaches min.cleanable.dirty.ratio", d.logCleanerBackoffMs, parsePositiveDurationMs))
    .option("--message-timestamp-type <type>", "default message.timestamp.type: CreateTime keeps the producer's time, LogAppendTime stamps the broker's", choice(timestampTypes), d.messageTimestampType)
    .addOption(
      new Option("--message-timestamp-difference-max <duration>", "default message.timestamp.difference.max.ms: reject CreateTime records further than this from the broker's clock")
        .argParser(parseDurationMs)
        .default(d.messageTimestampDifferenceMaxMs, "no limit"),
    )
    .option("--open-files-max <n>", "files all partitions may keep open together; idle segments close least recently used first", parsePositiveInteger, d.openFilesMax)
    .addOption(sizeOption("--request-max-bytes <size>", "largest request frame accepted", d.requestBytesMax))
    .addOption(sizeOption("--message-max-bytes <size>", "largest record batch accepted", d.batchBytesMax))
    .option("--offsets-retention-minutes <n>", "offsets.retention.minutes: committed offsets of a group that stayed empty this long are deleted", parsePositiveInteger, d.offsetsRetentionMs / 60_000)
    .addOption(durationOption("--group-initial-rebalance-delay-ms <duration>", "group.initial.rebalance.delay.ms: how long the first rebalance of an empty classic group waits for more members; 0 for none", d.groupInitialRebalanceDelayMs))
    .addOption(durationOption("--group-min-session-timeout-ms <duration>", "group.min.session.timeout.ms: shortest session timeout a classic group member may ask for", d.groupSessionTimeoutMinMs))
    .addOption(durationOption("--group-max-session-timeout-ms <duration>", "group.max.session.timeout.ms: longest session timeout a classic group member may ask for", d.groupSessionTimeoutMaxMs))
    .addOption(durationOption("--group-consumer-session-timeout-ms <duration>", "group.consumer.session.timeout.ms: KIP-848 members that do not heartbeat this long are removed", d.consumerGroupSessionTimeoutMs))
    .addOption(durationOption("--group-consumer-heartbeat-interval-ms <duration>", "group.consumer.heartbeat.interval.ms: how often KIP-848 members are told to heartbeat; below the session timeout", d.consumerGroupHeartbeatIntervalMs))
    .addOption(durationOption("--producer-id-expiration-ms <duration>", "producer.id.expiration.ms: partitions forget an idempotent producer silent this long (its retries are then no longer recognised)", d.producerIdExpirationMs, parsePositiveDurationMs))
    .option("--metrics", "serve Prometheus metrics at /metrics on the HTTP port", d.metrics)
    .option("--no-metrics", "do not count anything for /metrics (it answers 404)")
    .option("--metrics-partition-series", "per-partition series in /metrics (offsets, size, segments, group and search lag)", d.metricsPartitionSeries)
    .option("--no-metrics-partition-series", "only per-topic and per-group totals in /metrics, for brokers with many partitions")
    .option("--metrics-series-max <n>", "label sets one metric family may hold; more are dropped and counted in chronik_metrics_series_dropped_total", parsePositiveInteger, d.metricsSeriesMax)
    .option("--search-all-topics", "index every topic for search, not only those with search.enabled=true (internal __ topics excepted)", false)
    .option("--no-search-all-topics", "index only topics with search.enabled=true")
    .option("--search-memory-mb <mb>", "memory for the newest, in-memory part of search indexes, in MiB (the rest is files read in place)", parsePositiveInteger, 1024)
    .option("--search-threads <n>", `threads searching sealed index chunks in parallel, beside the indexing thread (1 to ${searchThreadsMax})`, parsePositiveInteger, defaultSearchThreads(availableParallelism()))
    .option("--log-level <level>", "debug, info, warn or error", choice(logLevels), "info" as LogLevel)
    .addHelpText("after", settingsHelp)
    .hook("preAction", (command) => applySettingSources(command, environment))
    .action(async (options, command) => {
      if (options.groupConsumerHeartbeatIntervalMs >= options.groupConsumerSessionTimeoutMs) {
        command.error(`--group-consumer-heartbeat-interval-ms (${options.groupConsumerHeartbeatIntervalMs}) must be below --group-consumer-session-timeout-ms (${options.groupConsumerSessionTimeoutMs})`);
      }
      if (options.searchThreads > searchThreadsMax) command.error(`--search-threads (${options.searchThreads}) must be at most ${searchThreadsMax}`);
      if (options.groupMinSessionTimeoutMs > options.groupMaxSessionTimeoutMs) {
        command.error(`--group-min-session-timeout-ms (${options.groupMinSessionTimeoutMs}) must not exceed --group-max-session-timeout-ms (${options.groupMaxSessionTimeoutMs})`);
      }
      const logger = createLogger("chronik", options.logLevel);
      const listensEverywhere = options.host === "0.0.0.0" || options.host === "::";
      const listeners = listenersFromOptions(command, options);
      const config: BrokerConfig = {
        ...d,
        dataDir: resolve(options.data),
        host: options.host,
        port: options.port,
        httpPort: options.httpPort,
        advertisedHost: options.advertisedHost ?? (listensEverywhere ? "localhost" : options.host),
        advertisedPort: options.advertisedPort ?? options.port,
        nodeId: options.nodeId,
        autoCreateTopics: options.autoCreateTopics,
        defaultPartitions: options.defaultPartitions,
        fsync: options.fsync,
        fsyncIntervalMs: options.fsyncInterval,
        segmentBytes: options.segmentBytes,
        segmentMs: options.segmentMs,
        retentionMs: options.retentionMs,
        retentionBytes: options.retentionBytes,
        cleanupPolicy: options.cleanupPolicy,
        retentionCheckIntervalMs: options.retentionCheckInterval,
        logCleanerBackoffMs: options.logCleanerBackoff,
        messageTimestampType: options.messageTimestampType,
        messageTimestampDifferenceMaxMs: options.messageTimestampDifferenceMax,
        openFilesMax: options.openFilesMax,
        requestBytesMax: options.requestMaxBytes,
        batchBytesMax: options.messageMaxBytes,
        offsetsRetentionMs: options.offsetsRetentionMinutes * 60_000,
        groupInitialRebalanceDelayMs: options.groupInitialRebalanceDelayMs,
        groupSessionTimeoutMinMs: options.groupMinSessionTimeoutMs,
        groupSessionTimeoutMaxMs: options.groupMaxSessionTimeoutMs,
        consumerGroupSessionTimeoutMs: options.groupConsumerSessionTimeoutMs,
        consumerGroupHeartbeatIntervalMs: options.groupConsumerHeartbeatIntervalMs,
        producerIdExpirationMs: options.producerIdExpirationMs,
        metrics: options.metrics,
        metricsPartitionSeries: options.metricsPartitionSeries,
        metricsSeriesMax: options.metricsSeriesMax,
        saslMechanisms: options.saslMechanisms,
        superUsers: options.superUsers,
        saslSessionLifetimeMs: options.connectionsMaxReauthMs,
        allowEveryoneIfNoAcl: options.allowEveryoneIfNoAcl,
        ...(listeners === undefined ? {} : { listeners, host: listeners[0].host, port: listeners[0].port, advertisedHost: listeners[0].advertisedHost, advertisedPort: listeners[0].advertisedPort ?? listeners[0].port }),
        ...(options.tlsCert === undefined || options.tlsKey === undefined ? {} : { tls: { certFile: resolve(options.tlsCert), keyFile: resolve(options.tlsKey), ...(options.tlsCa === undefined ? {} : { caFile: resolve(options.tlsCa) }) } }),
      };
      let broker: Broker;
      try {
        broker = await Broker.start(config, logger);
      } catch (error) {
        failStart(command, error);
      }
      if (options.advertisedPort === undefined && config.port === 0) config.advertisedPort = broker.port;
      // Listeners on port 0 advertise the port they bound: the configs DescribeConfigs shows say so too.
      const bound = broker.listenerPorts();
      for (const listener of config.listeners ?? []) {
        if (listener.port === 0) listener.port = bound[listener.name];
        listener.advertisedPort ??= bound[listener.name];
      }
      const search = new SearchWorkerClient(
        { topics: () => searchTopics(broker, options.searchAllTopics === true) },
        { memoryBytes: options.searchMemoryMb * 1024 * 1024, threads: options.searchThreads, logLevel: options.logLevel, logger: logger.child("search") },
      );
      let http: HttpServer;
      try {
        const tls = options.httpTls === true && config.tls !== undefined ? readHttpTls(config.tls) : undefined;
        http = startHttpServer(broker, {
          ...(tls === undefined ? {} : { tls }), host: config.host, port: config.httpPort, logger: logger.child("http"), search: measured(broker, search), metrics: broker.metrics, admin: broker.admin({ searchAllTopics: options.searchAllTopics === true }),
          // When the broker authenticates, so does the HTTP API: Basic credentials of the same users, the same ACLs.
          ...(broker.authorizer === undefined ? {} : { security: { authorizer: broker.authorizer, users: broker.users ?? { credential: () => undefined } } }) });
      } catch (error) {
        // The Kafka port is bound and the partitions are open: close them before exiting, so
        // nothing is left half-open or unflushed.
        await search.stop();
        await broker.stop();
        failStart(command, error);
      }
      logger.info("HTTP API started", { host: config.host, port: http.port });

      const shutdown = async (signal: string) => {
        logger.info("Shutting down", { signal });
        await http.close();
        await search.stop();
        await broker.stop();
        process.exit(0);
      };
      // SIGHUP reloads the TLS files, as daemons reload their configuration; it does not stop the broker.
      process.on("SIGHUP", () => {
        try {
          broker.reloadUsers();
        } catch (error) {
          logger.error("Users not reloaded; the previous ones stay", { error: (error as Error).message });
        }
        try {
          broker.reloadTls();
        } catch (error) {
          logger.error("TLS certificate not reloaded; the listeners keep the previous one", { error: (error as Error).message });
        }
      });
      process.once("SIGINT", () => void shutdown("SIGINT"));
      process.once("SIGTERM", () => void shutdown("SIGTERM"));
    });
}

/**
 * The listeners of --listeners and --advertised-listeners, checked; undefined when --listeners is
 * not given (--host and --port then describe one PLAINTEXT listener).
 */
function listenersFromOptions(
  command: CommandUnknownOpts,
  options: { listeners?: string; advertisedListeners?: string; host: string; advertisedHost?: string; tlsCert?: string; tlsKey?: string; tlsCa?: string; httpTls?: boolean },
): ListenerConfig[] | undefined {
  const fail = (message: string): never => command.error(`error: ${message}`);
  if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) fail("--tls-cert and --tls-key go together: give both");
  if (options.tlsCa !== undefined && options.tlsCert === undefined) fail("--tls-ca needs --tls-cert and --tls-key");
  if (options.httpTls === true && options.tlsCert === undefined) fail("--http-tls needs --tls-cert and --tls-key");
  if (options.listeners === undefined) {
    if (options.advertisedListeners !== undefined) fail("--advertised-listeners needs --listeners");
    if (options.tlsCert !== undefined && options.httpTls !== true) fail("--tls-cert and --tls-key serve SSL listeners (add one with --listeners, e.g. 'PLAINTEXT://:9092,SSL://:9093') or HTTPS (--http-tls)");
    return undefined;
  }
  for (const flag of ["port", "host", "advertisedPort"] as const) {
    if (command.getOptionValueSource(flag) !== undefined && command.getOptionValueSource(flag) !== "default") {
      fail(`--${flag.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)} and --listeners both say where to listen: give --listeners alone`);
    }
  }
  try {
    const listeners = resolveListeners(
      parseListeners(options.listeners, "--listeners"),
      options.advertisedListeners === undefined ? [] : parseListeners(options.advertisedListeners, "--advertised-listeners"),
      options.advertisedHost ?? "localhost",
    );
    for (const listener of listeners) {
      if ((listener.name === "SSL" || listener.name === "SASL_SSL") && options.tlsCert === undefined) fail(`--listeners: the ${listener.name} listener needs --tls-cert and --tls-key`);
    }
    return listeners;
  } catch (error) {
    if (error instanceof ListenerConfigError) fail(error.message);
    throw error;
  }
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

/** The HTTP API's certificate and key: the Kafka listeners' files. */
function readHttpTls(files: TlsFiles): HttpTls {
  const { cert, key } = readTlsMaterial(files);
  return { cert: cert.toString("utf8"), key: key.toString("utf8") };
}

/** The search API as HTTP serves it: timed for /metrics when metrics are on. */
function measured(broker: Broker, search: SearchWorkerClient): SearchApi {
  if (broker.metrics === null) return search;
  const measure = registerSearchMetrics(broker.metrics, { read: () => search.metrics(), partitionSeries: broker.config.metricsPartitionSeries }).measure;
  return {
    search: (topics, request) => measure(() => search.search(topics, request)),
    stats: () => search.stats(),
  };
}

/** A port that cannot be bound is the user's to fix: one line and exit code 1, no stack. */
function failStart(command: CommandUnknownOpts, error: unknown): never {
  // A taken port or a data folder in use is the user's situation, not a bug: one line, no stack.
  if (error instanceof ListenError || error instanceof DataFolderLockedError || error instanceof TlsFileError || error instanceof UserStoreError) command.error(`error: ${error.message}`);
  throw error;
}

/**
 * A partition's log as search reads it: only up to the last stable offset, so records of a
 * transaction are indexed once it ends (and, aborted, not at all: see abortedSince).
 */
function committedView(partition: Partition): IndexedLog {
  // One view per partition: search tells a partition it follows from a new one by the log's identity.
  const known = committedViews.get(partition);
  if (known !== undefined) return known;
  const log = partition.log;
  const view: IndexedLog = {
    get logStartOffset() {
      return log.logStartOffset;
    },
    get highWatermark() {
      return partition.lastStableOffset;
    },
    get segmentsRewritten() {
      return log instanceof FileLog ? log.segmentsRewritten : undefined;
    },
    read: (offset, maxBytes) => log.read(offset, maxBytes, partition.lastStableOffset),
  };
  committedViews.set(partition, view);
  return view;
}

const committedViews = new WeakMap<Partition, IndexedLog>();

/** The broker's topics as search sees them; a partition's folder comes from its FileLog. */
function searchTopics(broker: Broker, searchAllTopics: boolean): SearchTopic[] {
  return broker.topics.list().map((topic) => ({
    name: topic.meta.name,
    searchEnabled: topic.meta.configs["search.enabled"] === "true" || (searchAllTopics && !topic.meta.name.startsWith("__")),
    partitions: topic.partitions.map(
      (partition): SearchablePartition => ({
        topic: partition.topic,
        index: partition.index,
        log: committedView(partition),
        dir: partition.log instanceof FileLog ? partition.log.dir : null,
        onNextData: (wake) => partition.onNextData(wake),
        abortedSince: (offset) => partition.abortedTransactions(offset, Number.MAX_SAFE_INTEGER),
      }),
    ),
  }));
}
