// `chronik serve`: run the broker (Kafka protocol + HTTP API) on a local data folder.

import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { resolve } from "node:path";
import { createLogger } from "../logger.ts";
import { Broker } from "../engine/broker.ts";
import type { BrokerConfig, TlsFiles } from "../engine/broker-config.ts";
import { ListenError } from "../engine/listen-error.ts";
import { readTlsMaterial, TlsFileError } from "../engine/broker.ts";
import { type ListenerConfig, ListenerConfigError, parseListeners, resolveListeners } from "../engine/listeners.ts";
import { UserStoreError } from "../security/user-store.ts";
import { type HttpServer, type HttpTls, startHttpServer } from "../http/http-server.ts";
import type { SearchApi } from "../http/search-routes.ts";
import { registerSearchMetrics } from "../search/search-metrics.ts";
import { DataFolderLockedError } from "../storage/data-folder-lock.ts";
import type { SearchablePartition } from "../search/partition-indexer.ts";
import type { IndexedLog } from "../search/segment-file-reader.ts";
import type { Partition } from "../engine/partition.ts";
import { searchThreadsMax } from "../search/query-pool.ts";
import type { SearchTopic } from "../search/search-service.ts";
import { SearchWorkerClient } from "../search/search-worker-client.ts";
import { brokerConfigFrom, serveOptions, type ServeOptions } from "./serve-options.ts";
import { applySettingSources } from "./setting-sources.ts";

const settingsHelp = `
Settings, strongest first: the command line, CHRONIK_<FLAG> environment variables (e.g.
CHRONIK_HTTP_PORT=6092, CHRONIK_SEARCH_ALL_TOPICS=true), the --config file (keys are the long
flag names: port = 9092, retention-ms = "7d", search-all-topics = true; see
docs/chronik.example.toml), then the defaults above.

Example:
  chronik serve --data /var/lib/chronik --port 9092 --http-port 6092
`;

export function serveCommand(environment: Record<string, string | undefined> = process.env) {
  const command = new Command<[], ServeOptions>("serve").description(
    "Run the broker: Kafka protocol on --port; HTTP on --http-port with /health, /ready, /metrics and search (/_search, /<topic>/_search, /_stats/search)",
  );
  for (const option of serveOptions()) command.addOption(option);
  return command
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
      const listeners = listenersFromOptions(command, options);
      const config: BrokerConfig = {
        ...brokerConfigFrom(options),
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
      return log.segmentsRewritten;
    },
    read: (offset, maxBytes) => log.read(offset, maxBytes, partition.lastStableOffset),
  };
  committedViews.set(partition, view);
  return view;
}

const committedViews = new WeakMap<Partition, IndexedLog>();

/** The broker's topics as search sees them; a partition's folder is its log's, when the log has one. */
function searchTopics(broker: Broker, searchAllTopics: boolean): SearchTopic[] {
  return broker.topics.list().map((topic) => ({
    name: topic.meta.name,
    searchEnabled: topic.meta.configs["search.enabled"] === "true" || (searchAllTopics && !topic.meta.name.startsWith("__")),
    partitions: topic.partitions.map(
      (partition): SearchablePartition => ({
        topic: partition.topic,
        index: partition.index,
        log: committedView(partition),
        dir: partition.log.dir ?? null,
        onNextData: (wake) => partition.onNextData(wake),
        abortedSince: (offset) => partition.abortedTransactions(offset, Number.MAX_SAFE_INTEGER),
      }),
    ),
  }));
}
