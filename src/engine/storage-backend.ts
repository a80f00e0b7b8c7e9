// Connects the topic registry to storage: topic folders and meta.json through TopicStore,
// partition logs as FileLogs sharing one FlushScheduler (so fsyncs group across partitions).

import type { Logger } from "../logger.ts";
import { FileLog } from "../storage/file-log.ts";
import { FlushScheduler } from "../storage/group-commit.ts";
import type { PartitionLog } from "../storage/partition-log.ts";
import { TopicStore } from "../storage/topic-store.ts";
import type { BrokerConfig } from "./broker-config.ts";
import type { TopicBackend, TopicMeta } from "./topic-registry.ts";

export interface StorageBackend extends TopicBackend {
  readonly clusterId: string;
  close(): Promise<void>;
}

export async function openStorageBackend(config: BrokerConfig, logger: Logger): Promise<StorageBackend> {
  const store = await TopicStore.open(config.dataDir, { logger });
  const flushScheduler = new FlushScheduler();
  const logOptions = {
    segmentBytes: config.segmentBytes,
    segmentMs: config.segmentMs,
    fsync: config.fsync,
    fsyncIntervalMs: config.fsyncIntervalMs,
    flushScheduler,
    logger,
  };
  return {
    clusterId: store.cluster.clusterId,
    listTopicMetas: async () => store.listTopics().map((stored) => stored.meta),
    createTopic: (meta: TopicMeta) => store.createTopic(meta.name, meta.partitionCount, meta),
    deleteTopic: (name: string) => store.deleteTopic(name),
    openPartitionLog: (topic: string, partition: number): Promise<PartitionLog> =>
      FileLog.open(store.partitionDir(topic, partition), logOptions),
    close: async () => {},
  };
}
