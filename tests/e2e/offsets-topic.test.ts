// __consumer_offsets in Kafka's own record formats, judged by a client that knows only Kafka:
// kafka-python reads the topic and decodes every key and value with Kafka's schemas (as lag
// monitors such as Burrow do). A data folder written by chronik before it used those formats
// (tests/e2e/fixtures/json-offsets-data: JSON records of a KIP-848 group, a kcat group and
// offsets committed by confluent-kafka) is migrated at its first start with every offset kept.

import { afterEach, describe, expect, test } from "bun:test";
import { cp } from "node:fs/promises";
import { join } from "node:path";
import { type Broker, chronikCommand, makeTempDir, pythonPath, runOk, startBroker } from "./harness.ts";

const testTimeoutMs = 120_000;
/** The fixture's commits are from 2026: offsets retention must not expire them whenever the test runs. */
const keepOffsets = ["--offsets-retention-minutes", String(100 * 365 * 24 * 60)];

let broker: Broker | undefined;

afterEach(async () => {
  await broker?.cleanup();
  broker = undefined;
}, 30_000);

interface OffsetsTopic {
  offsets: Record<string, Record<string, number>>;
  groups: Record<string, { protocolType: string; generation: number }>;
  keyVersions: Record<string, number>;
  problems: string[];
}

async function readOffsetsTopic(target: Broker): Promise<OffsetsTopic> {
  const { stdout } = await runOk([pythonPath, join(import.meta.dir, "python", "kafka_python_offsets_topic.py"), target.bootstrap], { timeoutMs: 60_000 });
  return JSON.parse(stdout.toString().trim().split("\n").at(-1)!) as OffsetsTopic;
}

/** `chronik group describe --format json`: the group's committed offsets, "topic/partition" → offset. */
async function describedOffsets(target: Broker, group: string): Promise<Record<string, number>> {
  const { stdout } = await runOk([...chronikCommand(), "group", "describe", group, "--format", "json", "-b", target.bootstrap], { timeoutMs: 30_000 });
  const described = JSON.parse(stdout.toString()) as { partitions: Array<{ topic: string; partition: number; committedOffset: number | null }> };
  const committed = described.partitions.flatMap((entry) => (entry.committedOffset === null ? [] : [[`${entry.topic}/${entry.partition}`, entry.committedOffset] as const]));
  return Object.fromEntries(committed);
}

describe("__consumer_offsets", () => {
  test("kafka-python decodes every record with Kafka's schemas and finds every committed offset", async () => {
    broker = await startBroker({ args: keepOffsets });
    await runOk([...chronikCommand(), "topic", "create", "orders", "-p", "3", "-b", broker.bootstrap], { timeoutMs: 30_000 });
    const commit = [
      "from kafka import KafkaConsumer, TopicPartition",
      "from kafka.structs import OffsetAndMetadata",
      `consumer = KafkaConsumer(bootstrap_servers="${broker.bootstrap}", group_id="lag-watched", enable_auto_commit=False)`,
      "consumer.commit({TopicPartition('orders', p): OffsetAndMetadata(10 + p, 'meta') for p in range(3)})",
      "consumer.commit({TopicPartition('orders', 1): OffsetAndMetadata(40, '')})",
      "consumer.close()",
    ].join("\n");
    await runOk([pythonPath, "-c", commit], { timeoutMs: 60_000 });
    const topic = await readOffsetsTopic(broker);
    expect(topic.problems).toEqual([]);
    expect(topic.offsets["lag-watched"]).toEqual({ "orders/0": 10, "orders/1": 40, "orders/2": 12 });
    expect(Object.keys(topic.keyVersions).every((version) => Number(version) <= 8)).toBe(true);
    expect(await describedOffsets(broker, "lag-watched")).toEqual(topic.offsets["lag-watched"]);
  }, testTimeoutMs);

  test("a data folder with the JSON records of older chronik versions is migrated at first start, every offset kept", async () => {
    const dataDir = await makeTempDir("json-offsets");
    await cp(join(import.meta.dir, "fixtures", "json-offsets-data"), dataDir, { recursive: true });
    broker = await startBroker({ dataDir, args: keepOffsets });
    const expected = {
      billing: { "orders/0": 20 },
      "kcat-group": { "orders/0": 21, "orders/1": 16, "orders/2": 23 },
      "legacy-classic": { "orders/0": 5, "orders/1": 7, "orders/2": 9 },
    };
    for (const [group, offsets] of Object.entries(expected)) expect(await describedOffsets(broker, group)).toEqual(offsets);
    const topic = await readOffsetsTopic(broker);
    expect(topic.problems).toEqual([]);
    expect(topic.offsets).toEqual(expected);
    // No JSON record is left for a tool to trip on ("key version 31522" is "{\"").
    expect(Object.keys(topic.keyVersions).every((version) => Number(version) <= 8)).toBe(true);
    expect(topic.groups["kcat-group"]).toMatchObject({ protocolType: "consumer" });
    expect(broker.log).toContain("Rewrote __consumer_offsets in Kafka's record formats");

    // A restart reads only Kafka's records and keeps the same offsets.
    await broker.restart();
    for (const [group, offsets] of Object.entries(expected)) expect(await describedOffsets(broker, group)).toEqual(offsets);
    await broker.cleanup();
    await runOk(["rm", "-rf", dataDir], { timeoutMs: 10_000 });
  }, testTimeoutMs);
});
