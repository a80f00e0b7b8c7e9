// The broker: opens the data folder, loads topics, and serves the Kafka protocol.
// Start-up order: storage first (recovery), then the listener; shutdown runs the other way.

import path from "node:path";
import type { Logger } from "../logger.ts";
import { routes } from "./api-table.ts";
import type { BrokerConfig } from "./broker-config.ts";
import { type BrokerContext, dispatch } from "./dispatcher.ts";
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
  #stopping: Promise<void> | null = null;

  private constructor(
    config: BrokerConfig,
    topics: TopicRegistry,
    groups: GroupCoordinator,
    transactions: TransactionCoordinator,
    storage: StorageBackend,
    listener: KafkaListener,
    logger: Logger,
  ) {
    this.config = config;
    this.topics = topics;
    this.groups = groups;
    this.transactions = transactions;
    this.#storage = storage;
    this.#listener = listener;
    this.#logger = logger;
    this.#producerExpiry = setInterval(() => this.#expireProducers(), config.producerIdExpirationCheckIntervalMs);
    this.#producerExpiry.unref?.();
  }

  static async start(config: BrokerConfig, logger: Logger): Promise<Broker> {
    const storage = await openStorageBackend(config, logger.child("storage"));
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
    return new Broker(config, topics, groups, transactions, storage, listener, logger);
  }

  /** The bound Kafka port. */
  get port(): number {
    return this.#listener.port;
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
