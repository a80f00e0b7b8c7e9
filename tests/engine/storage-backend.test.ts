import { afterEach, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { defaultBrokerConfig } from "../../src/engine/broker-config.ts";
import { openStorageBackend } from "../../src/engine/storage-backend.ts";
import type { TopicMeta } from "../../src/engine/topic-registry.ts";
import { FileLog } from "../../src/storage/file-log.ts";
import { recordingLogger } from "./fixtures.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function meta(name: string, configs: Record<string, string>): TopicMeta {
  return { name, topicId: "0".repeat(31) + "1", partitionCount: 1, configs, createdAtMs: 0 };
}

test("partition logs open with their topic's settings over the broker's defaults", async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "chronik-backend-"));
  dirs.push(dataDir);
  const backend = await openStorageBackend({ ...defaultBrokerConfig, dataDir, retentionBytes: 5000 }, recordingLogger());
  await backend.createTopic(meta("tuned", { "retention.ms": "1234", "cleanup.policy": "compact,delete", "segment.bytes": "4096" }));
  const log = (await backend.openPartitionLog("tuned", 0)) as FileLog;
  expect(log.settings).toMatchObject({ retentionMs: 1234, retentionBytes: 5000, cleanupPolicy: "compact,delete", segmentBytes: 4096 });
  await log.close();
  await backend.close();
});

test("a topic whose stored configs are unusable still opens, with the broker's defaults, and says so", async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "chronik-backend-"));
  dirs.push(dataDir);
  const logger = recordingLogger();
  const backend = await openStorageBackend({ ...defaultBrokerConfig, dataDir }, logger);
  await backend.createTopic(meta("old", { "retention.ms": "-5" }));
  const log = (await backend.openPartitionLog("old", 0)) as FileLog;
  expect(log.settings.retentionMs).toBe(defaultBrokerConfig.retentionMs);
  expect(logger.lines.some((line) => line.startsWith("warn Ignoring unusable topic configs"))).toBe(true);
  await log.close();
  await backend.close();
});
