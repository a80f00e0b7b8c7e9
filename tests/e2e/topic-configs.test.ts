// Topic configs with a real client: confluent-kafka (librdkafka 2.0.2) creates topics with Kafka
// 3.9 configs chronik accepts without acting on them (message.format.version, preallocate, …)
// and reads them back with DescribeConfigs; an unknown key or a bad value is INVALID_CONFIG.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { type Broker, pythonPath, repoRoot, runOk, startBroker } from "./harness.ts";

let broker: Broker;

beforeAll(async () => {
  broker = await startBroker();
}, 30_000);

afterAll(async () => {
  await broker?.cleanup();
}, 30_000);

type Outcome = { created: true; configs: Record<string, { value: string | null; default: boolean }> } | { created: false; error: string };

async function createWithConfigs(topic: string, configs: Record<string, string>): Promise<Outcome> {
  const script = join(repoRoot, "tests/e2e/python/confluent_kafka_topic_configs.py");
  const flags = Object.entries(configs).flatMap(([key, value]) => ["--config", `${key}=${value}`]);
  const result = await runOk([pythonPath, script, "--bootstrap", broker.bootstrap, "--topic", topic, ...flags], { timeoutMs: 60_000 });
  return JSON.parse(result.stdout.toString()) as Outcome;
}

test("confluent-kafka: a topic created with message.format.version and other Kafka 3.9 configs describes them back", async () => {
  const outcome = await createWithConfigs("legacy-format", {
    "message.format.version": "2.8-IV1",
    "preallocate": "true",
    "unclean.leader.election.enable": "true",
    "retention.ms": "3600000",
  });
  if (!outcome.created) throw new Error(`CreateTopics failed: ${outcome.error}`);
  expect(outcome.configs["message.format.version"]).toEqual({ value: "2.8-IV1", default: false });
  expect(outcome.configs["preallocate"]).toEqual({ value: "true", default: false });
  expect(outcome.configs["unclean.leader.election.enable"]).toEqual({ value: "true", default: false });
  expect(outcome.configs["retention.ms"]).toEqual({ value: "3600000", default: false });
  expect(outcome.configs["segment.jitter.ms"]).toEqual({ value: "0", default: true });
  expect(outcome.configs["remote.storage.enable"]).toEqual({ value: "false", default: true });
}, 90_000);

test("confluent-kafka: a bad value or an unknown key is INVALID_CONFIG naming the key", async () => {
  const bad = await createWithConfigs("bad-format", { "message.format.version": "banana" });
  expect(bad).toEqual({ created: false, error: expect.stringContaining('INVALID_CONFIG: Invalid value for topic config "message.format.version"') });
  const unknown = await createWithConfigs("unknown-key", { "message.format.colour": "blue" });
  expect(unknown).toEqual({ created: false, error: expect.stringContaining('INVALID_CONFIG: Unknown topic config "message.format.colour"') });
}, 90_000);
