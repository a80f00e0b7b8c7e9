import { expect, test } from "bun:test";
import { defaultBrokerConfig } from "../../src/engine/broker-config.ts";
import { appendLimitsOf, applyTopicConfigs, logSettingsOf } from "../../src/engine/topic-log-settings.ts";
import type { Topic } from "../../src/engine/topic-registry.ts";
import type { LogSettings } from "../../src/storage/log-settings.ts";
import type { PartitionLog } from "../../src/storage/partition-log.ts";

const config = { ...defaultBrokerConfig, retentionMs: 1000, retentionBytes: 5000, cleanupPolicy: "compact", segmentBytes: 4096 };

test("topic configs override the broker's defaults", () => {
  expect(logSettingsOf({}, config)).toMatchObject({ retentionMs: 1000, retentionBytes: 5000, cleanupPolicy: "compact", segmentBytes: 4096 });
  const settings = logSettingsOf(
    { "retention.ms": "-1", "retention.bytes": "100", "cleanup.policy": "delete, compact", "segment.ms": "60000", "min.cleanable.dirty.ratio": "0.1", "delete.retention.ms": "5", "min.compaction.lag.ms": "7" },
    config,
  );
  expect(settings).toEqual({
    segmentBytes: 4096,
    segmentMs: 60000,
    retentionMs: -1,
    retentionBytes: 100,
    cleanupPolicy: "compact,delete",
    deleteRetentionMs: 5,
    minCleanableDirtyRatio: 0.1,
    minCompactionLagMs: 7,
  });
});

test("append limits: max.message.bytes, LogAppendTime and the timestamp difference, Long.MAX_VALUE as no limit", () => {
  expect(appendLimitsOf({}, defaultBrokerConfig)).toEqual({ batchBytesMax: defaultBrokerConfig.batchBytesMax, logAppendTime: false, timestampDifferenceMaxMs: Number.MAX_SAFE_INTEGER });
  expect(
    appendLimitsOf({ "max.message.bytes": "2000", "message.timestamp.type": "LogAppendTime", "message.timestamp.difference.max.ms": "9223372036854775807" }, defaultBrokerConfig),
  ).toEqual({ batchBytesMax: 2000, logAppendTime: true, timestampDifferenceMaxMs: Number.MAX_SAFE_INTEGER });
});

test("applyTopicConfigs re-applies the topic's current configs to every partition's log", () => {
  const applied: Array<Partial<LogSettings>> = [];
  const log = { configure: (settings: Partial<LogSettings>) => applied.push(settings) } as unknown as PartitionLog;
  const topic = { meta: { configs: { "retention.ms": "42" } }, partitions: [{ log }, { log }] } as unknown as Topic;
  applyTopicConfigs(topic, config);
  expect(applied.map((settings) => settings.retentionMs)).toEqual([42, 42]);
});
