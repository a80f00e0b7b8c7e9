// The broker: opens the data folder, loads topics, and serves the Kafka protocol.
// Start-up order: storage first (recovery), then the listener; shutdown runs the other way.

import path from "node:path";
import type { Logger } from "../logger.ts";
import { routes } from "./api-table.ts";
import type { BrokerConfig } from "./broker-config.ts";
import { connectionFamilies, diskFamilies, groupFamilies, partitionFamilies, type BrokerState } from "./broker-collectors.ts";
import { BrokerMetrics } from "./broker-metrics.ts";
import { BrokerAdmin } from "./admin/broker-admin.ts";
import { type BrokerContext, dispatch } from "./dispatcher.ts";
import { MetricsRegistry } from "../metrics/registry.ts";
import { type EventLoopLagSampler, registerProcessMetrics } from "../metrics/process-metrics.ts";
import { GroupCoordinator } from "./groups/group-coordinator.ts";
import { systemScheduler } from "./groups/scheduler.ts";
import { TransactionCoordinator } from "./transactions/transaction-coordinator.ts";
import { KafkaListener } from "./kafka-listener.ts";
import { ListenError } from "./listen-error.ts";
import { ProducerIdAllocator, producerIdCheckpointName } from "./producer-ids.ts";
import { openStorageBackend, type StorageBackend } from "./storage-backend.ts";
import { TopicRegistry } from "./topic-registry.ts";

export class Broker {
  readonly config: BrokerConfig;
  readonly topics: TopicRegistry;
  readonly #storage: StorageBackend;
  readonly #listener: KafkaListener;
  readonly groups: GroupCoordinator;
  readonly transactions: TransactionCoordinator;
  readonly #logger: Logger;
  readonly #startedAtMs = Date.now();
  readonly #producerExpiry: ReturnType<typeof setInterval>;
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
    listener: KafkaListener,
    logger: Logger,
    metrics: MetricsRegistry | null,
    context: BrokerContext,
  ) {
    this.config = config;
    this.topics = topics;
    this.groups = groups;
    this.transactions = transactions;
    this.#storage = storage;
    this.#listener = listener;
    this.#logger = logger;
    this.metrics = metrics;
    this.#context = context;
    this.#lagSampler = metrics === null ? null : this.#registerCollectors(metrics);
    this.#producerExpiry = setInterval(() => this.#expireProducers(), config.producerIdExpirationCheckIntervalMs);
    this.#producerExpiry.unref?.();
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
    const context: BrokerContext = {
      config,
      clusterId: storage.clusterId,
      topics,
      groups,
      producerIds,
      transactions,
      logger: logger.child("request"),
      metrics: brokerMetrics,
      advertisedApis: routes,
    };
    let listener: KafkaListener;
    try {
      listener = await KafkaListener.listen((frame, session) => dispatch(context, frame, session), {
        host: config.host,
        port: config.port,
        requestBytesMax: config.requestBytesMax,
        requestsInFlightMax: config.connectionRequestsInFlightMax,
        logger: logger.child("connection"),
      });
    } catch (error) {
      // A taken port must not leave partitions open (and their files unflushed).
      transactions.close();
      groups.close();
      await topics.close();
      await storage.close();
      throw new ListenError({ host: config.host, port: config.port, flag: "--port" }, error);
    }
    logger.info("Kafka listener started", { host: config.host, port: listener.port, topics: topics.list().length, data: config.dataDir });
    return new Broker(config, topics, groups, transactions, storage, listener, logger, metrics, context);
  }

  /** The bound Kafka port. */
  get port(): number {
    return this.#listener.port;
  }

  /** The state /metrics reads at each scrape; returns the event-loop sampler to stop at shutdown. */
  #registerCollectors(metrics: MetricsRegistry): EventLoopLagSampler {
    const state: BrokerState = {
      topics: this.topics,
      groups: this.groups,
      connections: () => this.#listener.connectionCounts(),
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
      this.#lagSampler?.stop();
      await this.#listener.close();
      this.transactions.close();
      this.groups.close();
      await this.topics.close();
      await this.#storage.close();
      this.#logger.info("Broker stopped");
    })();
    return this.#stopping;
  }
}
