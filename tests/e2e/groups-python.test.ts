// Consumer groups with the Python clients: kafka-python resumes exactly after the last commit,
// also after the broker was SIGKILLed and restarted; with confluent-kafka (librdkafka) a killed
// member's partitions go to the survivor after its session timeout, from the committed offsets.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { type Broker, pythonPath, repoRoot, runOk, startBroker } from "./harness.ts";

let broker: Broker;

beforeAll(async () => {
  broker = await startBroker();
}, 30_000);

afterAll(async () => {
  await broker?.cleanup();
}, 30_000);

const scriptTimeoutMs = 60_000;

async function produce(topic: string, partitions: number, values: string[]): Promise<void> {
  const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }] });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value })) });
  await producer.disconnect();
}

async function consumeWithKafkaPython(topic: string, group: string, count: number): Promise<string[]> {
  const script = join(repoRoot, "tests/e2e/python/kafka_python_group.py");
  const result = await runOk([pythonPath, script, "--bootstrap", broker.bootstrap, "--topic", topic, "--group", group, "--count", String(count)], {
    timeoutMs: scriptTimeoutMs,
  });
  return JSON.parse(result.stdout.toString()) as string[];
}

test("kafka-python: a new consumer resumes exactly after the last commit, also after SIGKILL and restart", async () => {
  const values = Array.from({ length: 90 }, (_, index) => `record-${index}`);
  await produce("resume", 1, values);
  expect(await consumeWithKafkaPython("resume", "py", 30)).toEqual(values.slice(0, 30));
  expect(await consumeWithKafkaPython("resume", "py", 30)).toEqual(values.slice(30, 60));
  await broker.kill9();
  await broker.restart();
  expect(await consumeWithKafkaPython("resume", "py", 30)).toEqual(values.slice(60, 90));
}, 120_000);
