// A real BrokerContext over a temporary data folder, assembled as Broker.start assembles it
// (file storage, topics, groups, transactions, producer ids, users, metrics) but without
// listeners: the in-process fuzzer hands frames to dispatch() directly. Its logger passes
// error lines to `onError`, so that a handler failure is tied to the input that caused it.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { routes } from "../../src/engine/api-table.ts";
import { defaultBrokerConfig, type BrokerConfig } from "../../src/engine/broker-config.ts";
import { BrokerMetrics } from "../../src/engine/broker-metrics.ts";
import type { BrokerContext } from "../../src/engine/dispatcher.ts";
import { GroupCoordinator } from "../../src/engine/groups/group-coordinator.ts";
import { systemScheduler } from "../../src/engine/groups/scheduler.ts";
import { ProducerIdAllocator, producerIdCheckpointName } from "../../src/engine/producer-ids.ts";
import { openStorageBackend } from "../../src/engine/storage-backend.ts";
import { TopicRegistry } from "../../src/engine/topic-registry.ts";
import { TransactionCoordinator } from "../../src/engine/transactions/transaction-coordinator.ts";
import { type Logger, WarningLimiter } from "../../src/logger.ts";
import { MetricsRegistry } from "../../src/metrics/registry.ts";
import { UserStore } from "../../src/security/user-store.ts";
import { fuzzTopic } from "./seeds.ts";

/** Partitions of the topic the seeds name, so partition indexes 0-2 exist. */
const fuzzTopicPartitions = 3;

export interface FuzzBroker {
  context: BrokerContext;
  dataDir: string;
  /** Shuts down as Broker.stop does; the phase that is running, while it runs. */
  close(): Promise<void>;
  readonly closingPhase: string | null;
}

/** A logger that drops everything but error lines, which go to `onError` with their context. */
function errorLogger(onError: (message: string, context: Record<string, unknown>) => void): Logger {
  const logger: Logger = {
    debug() {},
    info() {},
    warn() {},
    error: (message, context = {}) => onError(message, context),
    child: () => logger,
  };
  return logger;
}

export async function openFuzzBroker(options: { onError: (message: string, context: Record<string, unknown>) => void; config?: Partial<BrokerConfig> }): Promise<FuzzBroker> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "chronik-fuzz-"));
  // fsync "never": the fuzzer looks for crashes, not durability, and an fsync per produce would
  // halve its rate. No initial rebalance delay, so that a JoinGroup does not hold a lane for 3 s.
  const config: BrokerConfig = {
    ...defaultBrokerConfig,
    dataDir,
    host: "127.0.0.1",
    port: 0,
    advertisedHost: "127.0.0.1",
    fsync: "never",
    groupInitialRebalanceDelayMs: 0,
    ...options.config,
  };
  const logger = errorLogger(options.onError);
  const metrics = new MetricsRegistry({ seriesMax: config.metricsSeriesMax });
  const brokerMetrics = new BrokerMetrics(metrics);
  const storage = await openStorageBackend(config, logger, { flushObserver: brokerMetrics });
  const producerIds = ProducerIdAllocator.open(path.join(dataDir, producerIdCheckpointName), logger);
  const topics = await TopicRegistry.open(storage, logger, { producerIdExpirationMs: config.producerIdExpirationMs });
  const groups = await GroupCoordinator.open(topics, config, { logger });
  const transactions = await TransactionCoordinator.open(topics, { producerIds, scheduler: systemScheduler, logger });
  await transactions.start(groups);
  await topics.create(fuzzTopic, fuzzTopicPartitions);
  const context: BrokerContext = {
    config,
    users: UserStore.open(dataDir),
    saslMechanisms: config.saslMechanisms,
    now: Date.now,
    authFailures: new WarningLimiter(logger, { clock: Date.now, windowMs: 60_000, keysMax: 1000 }),
    clusterId: storage.clusterId,
    topics,
    groups,
    producerIds,
    transactions,
    logger,
    metrics: brokerMetrics,
    advertisedApis: routes,
  };
  const broker: FuzzBroker & { closingPhase: string | null } = {
    context,
    dataDir,
    closingPhase: null,
    close: async () => {
      broker.closingPhase = "transactions.close";
      transactions.close();
      broker.closingPhase = "groups.close";
      groups.close();
      broker.closingPhase = "topics.close";
      await topics.close();
      broker.closingPhase = "storage.close";
      await storage.close();
      broker.closingPhase = null;
      // CHRONIK_FUZZ_KEEP_DATA=1 keeps the data folder, to look at what the run left behind.
      if (process.env.CHRONIK_FUZZ_KEEP_DATA === "1") console.error(`fuzz data folder kept: ${dataDir}`);
      else rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return broker;
}
