// Connects the topic registry to storage: the data folder's lock (taken first, released last),
// topic folders and meta.json through TopicStore,
// partition logs as FileLogs sharing one FlushScheduler (so fsyncs group across partitions),
// one open-file budget, and one background task for retention and compaction (whose heavy
// work runs on a worker thread). Each log opens with its topic's settings (see
// topic-log-settings.ts).

import type { Logger } from "../logger.ts";
import { DataFolderLock } from "../storage/data-folder-lock.ts";
import { FileBudget } from "../storage/file-budget.ts";
import { FileLog } from "../storage/file-log.ts";
import { type FlushObserver, FlushScheduler } from "../storage/group-commit.ts";
import { LogMaintenance } from "../storage/log-maintenance.ts";
import type { PartitionLog } from "../storage/partition-log.ts";
import { TopicStore } from "../storage/topic-store.ts";
import { WorkerCleaner } from "../storage/worker-cleaner.ts";
import type { BrokerConfig } from "./broker-config.ts";
import { validateLogSettings } from "../storage/log-settings.ts";
import type { LogSettings } from "../storage/log-settings.ts";
import { logSettingsOf } from "./topic-log-settings.ts";
import type { TopicBackend, TopicMeta } from "./topic-registry.ts";

export interface StorageBackend extends TopicBackend {
  readonly clusterId: string;
  /** Retention and compaction; tests and admin tools may run a round at once. */
  readonly maintenance: LogMaintenance;
  close(): Promise<void>;
}

export async function openStorageBackend(config: BrokerConfig, logger: Logger, options: { flushObserver?: FlushObserver } = {}): Promise<StorageBackend> {
  // Nothing in the folder is read or written before the lock is held.
  const lock = DataFolderLock.acquire(config.dataDir);
  let store: TopicStore;
  try {
    store = await TopicStore.open(config.dataDir, { logger });
  } catch (error) {
    lock.release();
    throw error;
  }
  const cleaner = new WorkerCleaner({ logger });
  const logOptions = {
    fsync: config.fsync,
    fsyncIntervalMs: config.fsyncIntervalMs,
    flushScheduler: new FlushScheduler({ observer: options.flushObserver }),
    fileBudget: new FileBudget({ filesOpenMax: config.openFilesMax }),
    cleaner,
    logger,
  };
  const maintenance = new LogMaintenance({ checkIntervalMs: config.retentionCheckIntervalMs, cleanerBackoffMs: config.logCleanerBackoffMs, logger });
  maintenance.start();
  return {
    clusterId: store.cluster.clusterId,
    maintenance,
    listTopicMetas: async () => store.listTopics().map((stored) => stored.meta),
    createTopic: (meta: TopicMeta) => store.createTopic(meta.name, meta.partitionCount, meta),
    deleteTopic: (name: string) => store.deleteTopic(name),
    writeTopicMeta: (meta: TopicMeta) => store.writeMeta(meta.name, meta),
    addPartitions: (name: string, partitionCount: number) => store.addPartitions(name, partitionCount),
    openPartitionLog: async (topic: string, partition: number): Promise<PartitionLog> => {
      // meta.json is written before any partition opens, so the topic's configs are there.
      const meta = store.readMeta(topic) as TopicMeta;
      const settings = usableLogSettings(meta, config, logger);
      const log = await FileLog.open(store.partitionDir(topic, partition), { ...logOptions, ...settings });
      maintenance.add(log);
      return log;
    },
    close: async () => {
      await maintenance.stop();
      await cleaner.close();
      lock.release();
    },
  };
}

/**
 * The topic's log settings; when its stored configs are not usable (written by an older
 * version with looser checks), the broker's defaults, so the topic still opens.
 */
function usableLogSettings(meta: TopicMeta, config: BrokerConfig, logger: Logger): LogSettings {
  try {
    const settings = logSettingsOf(meta.configs ?? {}, config);
    validateLogSettings(settings);
    return settings;
  } catch (error) {
    logger.warn("Ignoring unusable topic configs, using the broker's defaults", { topic: meta.name, error: (error as Error).message });
    return logSettingsOf({}, config);
  }
}
