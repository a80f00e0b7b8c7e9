// Broker start-up time with many partitions: a data folder with `partitions` partitions of
// `segments` segments each is written in-process (one topic), then `chronik serve` is started
// on it and timed until /health answers: after the clean stop that wrote it, after a clean
// SIGTERM, and after a SIGKILL that follows a produce to every partition (so every active
// segment is past its recovery point and must be scanned). Open file descriptors of the
// broker are counted from /proc after each start (the --open-files-max budget bounds them).
// Run: npx bun scripts/bench/storage-startup.ts [partitions=1000] [segments=10] [segmentBytes=16384]

import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { buildRecordBatch } from "../../src/records/record-batch.ts";
import { FileLog } from "../../src/storage/file-log.ts";
import { FileBudget } from "../../src/storage/file-budget.ts";
import { TopicStore } from "../../src/storage/topic-store.ts";
import { type Broker, makeTempDir, startBroker } from "../../tests/e2e/harness.ts";

const partitions = Number(process.argv[2] ?? 1000);
const segments = Number(process.argv[3] ?? 10);
const segmentBytes = Number(process.argv[4] ?? 16 * 1024);
const topic = "startup";
const quiet = { info: () => {}, warn: () => {} };

async function writeData(dataDir: string): Promise<number> {
  const store = await TopicStore.open(dataDir, { logger: quiet });
  const meta = { name: topic, topicId: crypto.randomBytes(16).toString("hex"), partitionCount: partitions, configs: {}, createdAtMs: Date.now() };
  await store.createTopic(topic, partitions, meta);
  const batch = buildRecordBatch({ records: Array.from({ length: 10 }, (_, n) => ({ key: `k${n}`, value: "v".repeat(100) })) });
  const budget = new FileBudget({ filesOpenMax: 300 });
  let bytes = 0;
  for (let partition = 0; partition < partitions; partition++) {
    const log = await FileLog.open(store.partitionDir(topic, partition), { fsync: "never", segmentBytes, fileBudget: budget, logger: quiet });
    while (log.segmentCount < segments) await log.append(batch.slice());
    bytes += log.sizeBytes;
    await log.close();
  }
  return bytes;
}

function openFiles(pid: number | undefined): number {
  return pid === undefined ? -1 : fs.readdirSync(`/proc/${pid}/fd`).length;
}

async function timedStart(broker: Broker, what: string): Promise<void> {
  const started = performance.now();
  await broker.start();
  const seconds = (performance.now() - started) / 1000;
  console.log(`${what}: healthy after ${seconds.toFixed(2)} s, ${openFiles(broker.pid)} open files`);
}

async function produceToEveryPartition(broker: Broker): Promise<void> {
  const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: "bench-startup", logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const messages = Array.from({ length: partitions }, (_, partition) => ({ partition, value: `after-start-${partition}` }));
  await producer.send({ topic, acks: -1, messages });
  await producer.disconnect();
}

const dataDir = path.join(await makeTempDir("bench-startup"), "data");
const writeStarted = performance.now();
const bytes = await writeData(dataDir);
const topicDir = path.join(dataDir, "topics", topic);
const segmentFiles = Array.from({ length: partitions }, (_, partition) => String(partition)).reduce(
  (sum, partition) => sum + fs.readdirSync(path.join(topicDir, partition)).filter((name) => name.endsWith(".log")).length,
  0,
);
console.log(
  `Wrote ${partitions} partitions, ${segmentFiles} segments, ${(bytes / 1e6).toFixed(1)} MB in ${((performance.now() - writeStarted) / 1000).toFixed(1)} s`,
);

const broker = await startBroker({ dataDir, args: ["--open-files-max", "2048"] });
console.log(`first start (after the writer's clean close): healthy, ${openFiles(broker.pid)} open files`);
await broker.stop();
await timedStart(broker, "start after a clean stop (SIGTERM)");
await produceToEveryPartition(broker);
await broker.kill9();
await timedStart(broker, "start after SIGKILL (every partition written since its recovery point)");
await broker.stop();
fs.rmSync(path.dirname(dataDir), { recursive: true, force: true });
