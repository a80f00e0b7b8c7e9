// `chronik topic` against a real broker, and the APIs behind it (DescribeConfigs, AlterConfigs,
// IncrementalAlterConfigs, CreatePartitions, DescribeCluster) driven by real admin clients:
// kafkajs, @platformatic/kafka and confluent-kafka's AdminClient. Each test also checks, from the
// broker's request counts, which API versions the client used (docs/protocol.md).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Admin as PlatformaticAdmin } from "@platformatic/kafka";
import { Kafka, logLevel } from "kafkajs";
import { ConfigAdmin, Cluster } from "../../src/client/index.ts";
import { type Broker, chronikCommand, pythonPath, run, runOk, startBroker } from "./harness.ts";

const commandTimeoutMs = 60_000;
const topicResource = 2;

let broker: Broker;

const chronik = (args: string[], stdin?: string) => run([...chronikCommand(), ...args, "-b", broker.bootstrap], { stdin, timeoutMs: commandTimeoutMs });
const chronikOk = async (args: string[], stdin?: string) => {
  const result = await chronik(args, stdin);
  if (result.exitCode !== 0) throw new Error(`chronik ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout.toString();
};

/** Versions of `api` the broker answered since `before` (its request counts then). */
async function versionsUsed(api: string, before: Map<string, number>): Promise<number[]> {
  const versions: number[] = [];
  for (const [key, count] of await broker.requestCounts()) {
    const [name, version] = key.split(" v");
    if (name === api && count > (before.get(key) ?? 0)) versions.push(Number(version));
  }
  return versions.sort((a, b) => a - b);
}

beforeAll(async () => {
  broker = await startBroker();
}, 30_000);

afterAll(async () => {
  await broker?.cleanup();
}, 30_000);

describe("chronik topic", () => {
  test("create (with configs and --dry-run), list, describe, delete", async () => {
    expect(await chronikOk(["topic", "create", "orders", "audit", "-p", "3", "-c", "retention.ms=3600000", "-c", "cleanup.policy=compact"])).toBe("TOPIC   STATUS\norders  OK\naudit   OK\n");
    expect(await chronikOk(["topic", "create", "dry", "--dry-run", "--format", "json"])).toBe('[{"topic":"dry","dryRun":"true","error":null}]\n');
    expect(await chronikOk(["topic", "list"])).toBe("NAME    PARTITIONS  REPLICAS\naudit   3           1\norders  3           1\n");
    const listed = JSON.parse(await chronikOk(["topic", "list", "--format", "json", "-r", "ord.*"]));
    expect(listed).toEqual([{ name: "orders", partitions: 3, replicas: 1, internal: false }]);

    await chronikOk(["produce", "orders", "-p", "1", "-k", "key"], "a\nb\n");
    const described = JSON.parse(await chronikOk(["topic", "describe", "orders", "--format", "json"]));
    expect(described.partitionCount).toBe(3);
    expect(described.partitions.map((partition: { highWatermark: number }) => partition.highWatermark)).toEqual([0, 2, 0]);
    const configs = new Map(described.configs.map((entry: { name: string; value: string; source: string }) => [entry.name, entry]));
    expect(configs.get("retention.ms")).toEqual({ name: "retention.ms", value: "3600000", source: "TOPIC_CONFIG" });
    expect(configs.get("segment.ms")).toMatchObject({ source: "DEFAULT_CONFIG" });
    const table = await chronikOk(["topic", "describe", "orders"]);
    expect(table).toContain("SUMMARY\nNAME    ID");
    expect(table).toMatch(/\ncleanup\.policy +compact +TOPIC_CONFIG\n/);
    expect(table).toContain("PARTITION  LEADER  EPOCH  REPLICAS  ISR  LOG-START-OFFSET  HIGH-WATERMARK\n0");

    expect(await chronikOk(["topic", "delete", "audit"])).toBe("TOPIC  STATUS\naudit  OK\n");
    expect(await chronikOk(["topic", "list"])).toBe("NAME    PARTITIONS  REPLICAS\norders  3           1\n");
  }, commandTimeoutMs);

  test("add-partitions and alter-config survive a broker restart", async () => {
    await chronikOk(["topic", "create", "grow", "-p", "2"]);
    expect(await chronikOk(["topic", "add-partitions", "grow", "-n", "3"])).toBe("TOPIC  STATUS\ngrow   OK\n");
    expect(await chronikOk(["topic", "alter-config", "grow", "-s", "retention.ms=60000", "-s", "max.message.bytes=2048"])).toBe("TOPIC  STATUS\ngrow   OK\n");
    await chronikOk(["topic", "alter-config", "grow", "-d", "max.message.bytes"]);
    await chronikOk(["produce", "grow", "-p", "4"], "in the new partition\n");
    await broker.restart();
    const described = JSON.parse(await chronikOk(["topic", "describe", "grow", "--format", "json"]));
    expect(described.partitionCount).toBe(5);
    expect(described.partitions[4].highWatermark).toBe(1);
    const own = described.configs.filter((entry: { source: string }) => entry.source === "TOPIC_CONFIG");
    expect(own).toEqual([{ name: "retention.ms", value: "60000", source: "TOPIC_CONFIG" }]);
    expect(await chronikOk(["consume", "grow", "-e", "-q", "-p", "4"])).toBe("in the new partition\n");
  }, commandTimeoutMs);

  test("the new configs are in force: max.message.bytes refuses a larger batch", async () => {
    await chronikOk(["topic", "create", "small"]);
    await chronikOk(["topic", "alter-config", "small", "-s", "max.message.bytes=200"]);
    const refused = await chronik(["produce", "small"], `${"x".repeat(500)}\n`);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain("MESSAGE_TOO_LARGE");
  }, commandTimeoutMs);

  test("failures: one row per topic, a summary line and a non-zero exit", async () => {
    const created = await chronik(["topic", "create", "orders", "fine", "-c", "colour=blue"]);
    expect(created.exitCode).toBe(1);
    expect(created.stdout.toString()).toContain('orders  Kafka error TOPIC_ALREADY_EXISTS (36)');
    expect(created.stdout.toString()).toContain('Unknown topic config "colour"');
    expect(created.stderr).toBe("chronik topic create: 2 of 2 topics failed\n");
    const badValue = await chronik(["topic", "alter-config", "orders", "-s", "retention.ms=soon"]);
    expect(badValue.exitCode).toBe(1);
    expect(badValue.stdout.toString()).toContain('INVALID_CONFIG (40): topic "orders": Invalid value for topic config "retention.ms"');
    const missing = await chronik(["topic", "describe", "nope"]);
    expect(missing.stderr).toBe('chronik topic describe: Topic "nope" does not exist\n');
    for (const args of [["topic", "create", "x", "-p", "0"], ["topic", "alter-config", "orders"], ["topic", "add-partitions", "orders"], ["topic", "create", "x", "-c", "novalue"]]) {
      const result = await chronik(args);
      expect(result.exitCode, args.join(" ")).not.toBe(0);
      expect(result.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
    }
  }, commandTimeoutMs);
});

describe("real admin clients", () => {
  test("kafkajs describeConfigs, alterConfigs and createPartitions", async () => {
    const mark = await broker.requestCounts();
    const kafka = new Kafka({ clientId: "e2e-kafkajs-admin", brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: "kjs-configs", numPartitions: 1 }], waitForLeaders: true });
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: topicResource, name: "kjs-configs", configEntries: [{ name: "retention.ms", value: "120000" }] }] });
      const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: topicResource, name: "kjs-configs", configNames: ["retention.ms", "segment.ms"] }] });
      const entries = described.resources[0].configEntries;
      expect(entries.find((entry) => entry.configName === "retention.ms")).toMatchObject({ configValue: "120000", isDefault: false });
      expect(entries.find((entry) => entry.configName === "segment.ms")).toMatchObject({ configValue: "604800000", isDefault: true });
      await admin.createPartitions({ topicPartitions: [{ topic: "kjs-configs", count: 4 }] });
      const metadata = await admin.fetchTopicMetadata({ topics: ["kjs-configs"] });
      expect(metadata.topics[0].partitions).toHaveLength(4);
      await expect(admin.alterConfigs({ validateOnly: false, resources: [{ type: topicResource, name: "kjs-configs", configEntries: [{ name: "nope", value: "1" }] }] })).rejects.toThrow();
    } finally {
      await admin.disconnect();
    }
    for (const api of ["DescribeConfigs", "AlterConfigs", "CreatePartitions"]) {
      const versions = await versionsUsed(api, mark);
      expect(versions.length, api).toBeGreaterThan(0);
      process.stderr.write(`kafkajs used ${api} ${versions}\n`);
    }
  }, commandTimeoutMs);

  test("@platformatic/kafka describeConfigs, alterConfigs, incrementalAlterConfigs and createPartitions", async () => {
    const mark = await broker.requestCounts();
    const admin = new PlatformaticAdmin({ clientId: "e2e-platformatic-admin", bootstrapBrokers: [broker.bootstrap], retries: 2 });
    try {
      await admin.createTopics({ topics: ["plt-configs"], partitions: 1, replicas: 1 });
      await admin.alterConfigs({ resources: [{ resourceType: topicResource, resourceName: "plt-configs", configs: [{ name: "retention.ms", value: "1000" }, { name: "segment.ms", value: "2000" }] }] });
      await admin.incrementalAlterConfigs({
        resources: [{ resourceType: topicResource, resourceName: "plt-configs", configs: [{ name: "segment.ms", configOperation: 1 }, { name: "cleanup.policy", configOperation: 2, value: "compact" }] }],
      });
      const [described] = await admin.describeConfigs({ resources: [{ resourceType: topicResource, resourceName: "plt-configs", configurationKeys: ["retention.ms", "segment.ms", "cleanup.policy"] }] });
      const values = Object.fromEntries(described.configs.map((entry) => [entry.name, entry.value]));
      expect(values).toEqual({ "cleanup.policy": "delete,compact", "retention.ms": "1000", "segment.ms": "604800000" });
      await admin.createPartitions({ topics: [{ name: "plt-configs", count: 3, assignments: [] }] });
    } finally {
      await admin.close();
    }
    const cluster = new Cluster({ brokers: broker.bootstrap });
    try {
      expect((await cluster.topic("plt-configs")).partitions).toHaveLength(3);
      const description = await new ConfigAdmin(cluster).describeCluster();
      expect(description.brokers).toEqual([{ nodeId: 0, host: broker.host, port: broker.port, rack: null }]);
      expect(description.controllerId).toBe(0);
    } finally {
      cluster.close();
    }
    const apis = ["DescribeConfigs", "AlterConfigs", "IncrementalAlterConfigs", "CreatePartitions", "DescribeCluster"];
    for (const api of apis) {
      const versions = await versionsUsed(api, mark);
      expect(versions.length, api).toBeGreaterThan(0);
      process.stderr.write(`platformatic + chronik used ${api} ${versions}\n`);
    }
  }, commandTimeoutMs);

  test("confluent-kafka AdminClient describe_configs, alter_configs and create_partitions", async () => {
    const mark = await broker.requestCounts();
    const script = `import sys
from confluent_kafka.admin import AdminClient, NewTopic, NewPartitions, ConfigResource
a = AdminClient({"bootstrap.servers": sys.argv[1], "broker.address.family": "v4"})
for f in a.create_topics([NewTopic("ck-configs", 1, 1)]).values(): f.result(30)
r = ConfigResource("topic", "ck-configs", set_config={"retention.ms": "90000"})
for f in a.alter_configs([r]).values(): f.result(30)
for f in a.describe_configs([ConfigResource("topic", "ck-configs")]).values():
    c = f.result(30)
    print(c["retention.ms"].value, c["retention.ms"].source, c["segment.ms"].is_default)
for f in a.create_partitions([NewPartitions("ck-configs", 3)]).values(): f.result(30)
print(len(a.list_topics(timeout=30).topics["ck-configs"].partitions))
`;
    const result = await runOk([pythonPath, "-c", script, broker.bootstrap], { timeoutMs: commandTimeoutMs });
    expect(result.stdout.toString()).toBe("90000 1 True\n3\n");
    const apis = ["DescribeConfigs", "AlterConfigs", "CreatePartitions"];
    for (const api of apis) {
      const versions = await versionsUsed(api, mark);
      expect(versions.length, api).toBeGreaterThan(0);
      process.stderr.write(`confluent-kafka used ${api} ${versions}\n`);
    }
  }, commandTimeoutMs);
});
