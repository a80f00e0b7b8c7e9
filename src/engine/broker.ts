// The broker: opens the data folder, loads topics, and serves the Kafka protocol.
// Start-up order: storage first (recovery), then the listener; shutdown runs the other way.

import path from "node:path";
import { type Logger, WarningLimiter } from "../logger.ts";
import { UserStore } from "../security/user-store.ts";
import { AclStore } from "../security/acl-store.ts";
import { Authorizer } from "../security/authorizer.ts";
import { routes } from "./api-table.ts";
import { readFileSync } from "node:fs";
import type { BrokerConfig, TlsFiles } from "./broker-config.ts";
import { connectionFamilies, diskFamilies, groupFamilies, partitionFamilies, type BrokerState } from "./broker-collectors.ts";
import { BrokerMetrics } from "./broker-metrics.ts";
import { BrokerAdmin } from "./admin/broker-admin.ts";
import { type BrokerContext, dispatch } from "./dispatcher.ts";
import { MetricsRegistry } from "../metrics/registry.ts";
import { type EventLoopLagSampler, registerProcessMetrics } from "../metrics/process-metrics.ts";
import { GroupCoordinator } from "./groups/group-coordinator.ts";
import { systemScheduler } from "./groups/scheduler.ts";
import { TransactionCoordinator } from "./transactions/transaction-coordinator.ts";
import { connectionWarningKeysMax, connectionWarningWindowMs, KafkaListener, type TlsMaterial } from "./kafka-listener.ts";
import type { ListenerConfig } from "./listeners.ts";
import { ListenError } from "./listen-error.ts";
import { ProducerIdAllocator, producerIdCheckpointName } from "./producer-ids.ts";
import { openStorageBackend, type StorageBackend } from "./storage-backend.ts";
import { TopicRegistry } from "./topic-registry.ts";

export class Broker {
  readonly config: BrokerConfig;
  readonly topics: TopicRegistry;
  readonly #storage: StorageBackend;
  /** One per listener, in --listeners order. */
  readonly #listeners: OpenListener[];
  readonly groups: GroupCoordinator;
  readonly transactions: TransactionCoordinator;
  readonly #logger: Logger;
  readonly #startedAtMs = Date.now();
  readonly #producerExpiry: ReturnType<typeof setInterval>;
  readonly #authFailureFlusher: ReturnType<typeof setInterval>;
  /** What /metrics serves; null when metrics are off. */
  readonly metrics: MetricsRegistry | null;
  readonly #lagSampler: EventLoopLagSampler | null;
  /** What every request's handler context shares (the admin API's requests too). */
  readonly #context: BrokerContext;
  #stopping: Promise<void> | null = null;

  private constructor(
    config: BrokerConfig,
    topics: TopicRegistry,
    groups: GroupCoordinator,
    transactions: TransactionCoordinator,
    storage: StorageBackend,
    listeners: OpenListener[],
    logger: Logger,
    metrics: MetricsRegistry | null,
    context: BrokerContext,
  ) {
    this.config = config;
    this.topics = topics;
    this.groups = groups;
    this.transactions = transactions;
    this.#storage = storage;
    this.#listeners = listeners;
    this.#logger = logger;
    this.metrics = metrics;
    this.#context = context;
    this.#lagSampler = metrics === null ? null : this.#registerCollectors(metrics);
    this.#producerExpiry = setInterval(() => this.#expireProducers(), config.producerIdExpirationCheckIntervalMs);
    this.#producerExpiry.unref?.();
    // Reports how many failed authentications were not logged, when their window ends.
    this.#authFailureFlusher = setInterval(() => context.authFailures?.flush(), connectionWarningWindowMs);
    this.#authFailureFlusher.unref?.();
  }

  static async start(config: BrokerConfig, logger: Logger): Promise<Broker> {
    const metrics = config.metrics ? new MetricsRegistry({ seriesMax: config.metricsSeriesMax }) : null;
    const brokerMetrics = metrics === null ? undefined : new BrokerMetrics(metrics);
    const storage = await openStorageBackend(config, logger.child("storage"), { flushObserver: brokerMetrics });
    let producerIds: ProducerIdAllocator;
    try {
      producerIds = ProducerIdAllocator.open(path.join(config.dataDir, producerIdCheckpointName), logger.child("storage"));
    } catch (error) {
      await storage.close();
      throw error;
    }
    const topics = await TopicRegistry.open(storage, logger.child("topics"), { producerIdExpirationMs: config.producerIdExpirationMs });
    const groups = await GroupCoordinator.open(topics, config, { logger: logger.child("groups") });
    const transactions = await TransactionCoordinator.open(topics, { producerIds, scheduler: systemScheduler, logger: logger.child("transactions") });
    await transactions.start(groups);
    let users: UserStore;
    let authorizer: Authorizer | undefined;
    try {
      users = UserStore.open(config.dataDir);
      if (authenticates(config)) authorizer = new Authorizer(AclStore.open(config.dataDir), { superUsers: config.superUsers, allowEveryoneIfNoAcl: config.allowEveryoneIfNoAcl });
    } catch (error) {
      transactions.close();
      groups.close();
      await topics.close();
      await storage.close();
      throw error;
    }
    const authFailures = new WarningLimiter(logger.child("security"), { clock: Date.now, windowMs: connectionWarningWindowMs, keysMax: connectionWarningKeysMax });
    const context: BrokerContext = {
      config,
      users,
      ...(authorizer === undefined ? {} : { authorizer }),
      saslMechanisms: config.saslMechanisms,
      now: systemScheduler.now,
      schedule: systemScheduler.schedule,
      authFailures,
      clusterId: storage.clusterId,
      topics,
      groups,
      producerIds,
      transactions,
      logger: logger.child("request"),
      metrics: brokerMetrics,
      advertisedApis: routes,
    };
    const listeners: OpenListener[] = [];
    try {
      const tls = config.tls === undefined ? undefined : readTlsMaterial(config.tls);
      for (const spec of listenersOf(config)) listeners.push(await openListener(spec, context, config, tls, logger));
    } catch (error) {
      // A taken port must not leave partitions open (and their files unflushed).
      await Promise.all(listeners.map(({ listener }) => listener.close()));
      transactions.close();
      groups.close();
      await topics.close();
      await storage.close();
      throw error;
    }
    for (const { spec, listener } of listeners) {
      logger.info("Kafka listener started", { listener: spec.name, host: spec.host, port: listener.port, topics: topics.list().length, data: config.dataDir });
    }
    return new Broker(config, topics, groups, transactions, storage, listeners, logger, metrics, context);
  }

  /** Checks requests against the ACLs; undefined when no listener authenticates. */
  get authorizer(): Authorizer | undefined {
    return this.#context.authorizer;
  }

  /** The SCRAM users SASL (and the HTTP API's Basic authentication) check. */
  get users(): UserStore | undefined {
    return this.#context.users;
  }

  /** The bound port of the first listener. */
  get port(): number {
    return this.#listeners[0].listener.port;
  }

  /** Each listener's bound port, by name. */
  listenerPorts(): Record<string, number> {
    return Object.fromEntries(this.#listeners.map(({ spec, listener }) => [spec.name, listener.port]));
  }

  /** Reads the TLS files again and gives TLS listeners the new certificate (SIGHUP); a bad file keeps the old one. */
  reloadTls(): void {
    if (this.config.tls === undefined) return;
    const material = readTlsMaterial(this.config.tls);
    for (const { spec, listener } of this.#listeners) if (usesTls(spec)) listener.reloadTls(listenerTls(spec, material));
    this.#logger.info("TLS certificate reloaded", { cert: this.config.tls.certFile });
  }

  /** Reads the users file again (SIGHUP, after `chronik user … --data`); a bad file keeps the users known. */
  reloadUsers(): void {
    this.#context.users?.reload();
    this.#logger.info("Users reloaded", { users: this.#context.users?.list().length ?? 0 });
  }

  /** The state /metrics reads at each scrape; returns the event-loop sampler to stop at shutdown. */
  #registerCollectors(metrics: MetricsRegistry): EventLoopLagSampler {
    const state: BrokerState = {
      topics: this.topics,
      groups: this.groups,
      connections: () => {
        const counts = this.#listeners.map(({ listener }) => listener.connectionCounts());
        return { open: counts.reduce((sum, count) => sum + count.open, 0), accepted: counts.reduce((sum, count) => sum + count.accepted, 0) };
      },
      dataDir: this.config.dataDir,
      partitionSeries: this.config.metricsPartitionSeries,
    };
    metrics.collect(() => [
      ...connectionFamilies(state),
      ...partitionFamilies(state),
      ...groupFamilies(state),
      ...diskFamilies(state),
    ]);
    return registerProcessMetrics(metrics);
  }

  /** The admin API's view of this broker (see engine/admin). */
  admin(options: { searchAllTopics: boolean }): BrokerAdmin {
    return new BrokerAdmin({
      config: this.config,
      clusterId: this.#storage.clusterId,
      startedAtMs: this.#startedAtMs,
      topics: this.topics,
      groups: this.groups,
      metrics: this.#context.metrics,
      searchAllTopics: options.searchAllTopics,
      context: () => ({ ...this.#context, apiVersion: 0, clientId: "chronik-http", releaseConnection: () => {}, signal: new AbortController().signal }),
      now: Date.now,
    });
  }

  health(): Record<string, unknown> {
    return {
      clusterId: this.#storage.clusterId,
      nodeId: this.config.nodeId,
      topics: this.topics.list().length,
      uptimeMs: Date.now() - this.#startedAtMs,
    };
  }

  /** Forgets idempotent producers silent for producer.id.expiration.ms, in every partition. */
  #expireProducers(): void {
    const now = Date.now();
    let expired = 0;
    for (const topic of this.topics.list()) {
      for (const partition of topic.partitions) expired += partition.expireProducers(now, this.config.producerIdExpirationMs);
    }
    if (expired > 0) this.#logger.info("Expired idle producer ids", { count: expired });
  }

  /** Closes connections, then flushes and closes every partition. Safe to call twice. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      clearInterval(this.#producerExpiry);
      clearInterval(this.#authFailureFlusher);
      this.#context.authFailures?.flush();
      this.#lagSampler?.stop();
      await Promise.all(this.#listeners.map(({ listener }) => listener.close()));
      this.transactions.close();
      this.groups.close();
      await this.topics.close();
      await this.#storage.close();
      this.#logger.info("Broker stopped");
    })();
    return this.#stopping;
  }
}

interface OpenListener {
  spec: ListenerConfig;
  listener: KafkaListener;
}

/** The configured listeners, or the one PLAINTEXT listener that --host and --port describe. */
function listenersOf(config: BrokerConfig): ListenerConfig[] {
  // Port 0 without an advertised port of its own advertises the port it binds.
  const advertisedPort = config.port === 0 && config.advertisedPort === 0 ? null : config.advertisedPort;
  return config.listeners ?? [{ name: "PLAINTEXT", host: config.host, port: config.port, advertisedHost: config.advertisedHost, advertisedPort }];
}

/** Whether some listener tells who its clients are (SASL, or TLS with client certificates): then ACLs are enforced. */
export function authenticates(config: BrokerConfig): boolean {
  return listenersOf(config).some((spec) => spec.name.startsWith("SASL_") || (spec.name === "SSL" && config.tls?.caFile !== undefined));
}

function usesTls(spec: ListenerConfig): boolean {
  return spec.name === "SSL" || spec.name === "SASL_SSL";
}

/**
 * What a TLS listener serves: SSL listeners ask for client certificates when --tls-ca is set;
 * SASL_SSL clients authenticate with SASL instead, so they need none (Kafka's ssl.client.auth
 * applies to SSL listeners only, too).
 */
function listenerTls(spec: ListenerConfig, material: TlsMaterial): TlsMaterial {
  return spec.name === "SSL" ? material : { cert: material.cert, key: material.key };
}

/** A TLS file that cannot be read, named in one line. */
export class TlsFileError extends Error {
  override name = "TlsFileError";
}

/** Reads the TLS files (at start and on SIGHUP); a file that cannot be read is a TlsFileError naming its flag. */
export function readTlsMaterial(files: TlsFiles): TlsMaterial {
  const read = (file: string, flag: string) => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new TlsFileError(`Cannot read ${flag} "${file}": ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  };
  return {
    cert: read(files.certFile, "--tls-cert"),
    key: read(files.keyFile, "--tls-key"),
    ...(files.caFile === undefined ? {} : { ca: read(files.caFile, "--tls-ca") }),
  };
}

/** Binds one listener; its requests carry its advertised address. */
async function openListener(spec: ListenerConfig, context: BrokerContext, config: BrokerConfig, tls: TlsMaterial | undefined, logger: Logger): Promise<OpenListener> {
  if (usesTls(spec) && tls === undefined) throw new TlsFileError(`The ${spec.name} listener needs --tls-cert and --tls-key`);
  const advertised = { host: spec.advertisedHost, port: spec.advertisedPort ?? spec.port };
  const listenerContext: BrokerContext = { ...context, advertised };
  let listener: KafkaListener;
  try {
    listener = await KafkaListener.listen((frame, session) => dispatch(listenerContext, frame, session), {
      host: spec.host,
      port: spec.port,
      ...(usesTls(spec) && tls !== undefined ? { tls: listenerTls(spec, tls) } : {}),
      sasl: spec.name === "SASL_PLAINTEXT" || spec.name === "SASL_SSL",
      requestBytesMax: config.requestBytesMax,
      requestsInFlightMax: config.connectionRequestsInFlightMax,
      logger: logger.child("connection"),
    });
  } catch (error) {
    throw new ListenError({ host: spec.host, port: spec.port, flag: config.listeners === undefined ? "--port" : `--listeners (${spec.name})` }, error);
  }
  // Without an advertised port of its own, a listener advertises the port it bound (port 0 binds a free one).
  if (spec.advertisedPort === null) advertised.port = listener.port;
  return { spec, listener };
}
