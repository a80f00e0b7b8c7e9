import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Cluster, ClientError, ConnectionError, parseBrokerList } from "../../src/client/index.ts";
import { type Broker, startBroker } from "../e2e/harness.ts";

describe("parseBrokerList", () => {
  test("parses hosts, ports, IPv6 and the default port", () => {
    expect(parseBrokerList("a:1, b:2,c,[::1]:9093")).toEqual([
      { host: "a", port: 1 },
      { host: "b", port: 2 },
      { host: "c", port: 9092 },
      { host: "::1", port: 9093 },
    ]);
  });

  test("rejects empty lists and bad ports", () => {
    expect(() => parseBrokerList(" , ")).toThrow(ClientError);
    expect(() => parseBrokerList("a:0")).toThrow('Broker address "a:0" is not host:port');
    expect(() => parseBrokerList("a:b")).toThrow(ClientError);
  });
});

describe("Cluster against a broker", () => {
  let broker: Broker;
  beforeAll(async () => {
    broker = await startBroker({ args: ["--default-partitions", "3"] });
  }, 30_000);
  afterAll(async () => {
    await broker?.cleanup();
  }, 30_000);

  test("finds brokers and partition leaders, auto-creating a topic when asked", async () => {
    const cluster = new Cluster({ brokers: broker.bootstrap });
    try {
      const topic = await cluster.topic("cluster-auto", { allowAutoTopicCreation: true });
      expect(topic.partitions.map((partition) => partition.partition)).toEqual([0, 1, 2]);
      expect(topic.topicId).toMatch(/^[0-9a-f]{32}$/);
      expect(cluster.brokers.size).toBe(1);
      const leader = cluster.leaderOf("cluster-auto", 2);
      expect(cluster.brokers.get(leader)?.port).toBe(broker.port);
      const connection = await cluster.leaderConnection("cluster-auto", 2);
      expect(connection.closed).toBe(false);
      expect(await cluster.leaderConnection("cluster-auto", 1)).toBe(connection);
    } finally {
      cluster.close();
    }
  });

  test("fails fast on an unknown topic when not auto-creating", async () => {
    const cluster = new Cluster({ brokers: broker.bootstrap });
    try {
      await expect(cluster.topic("cluster-missing")).rejects.toThrow('Topic "cluster-missing" does not exist');
    } finally {
      cluster.close();
    }
  });

  test("reopens a connection that was closed", async () => {
    const cluster = new Cluster({ brokers: broker.bootstrap });
    try {
      await cluster.topic("cluster-auto", { allowAutoTopicCreation: true });
      const first = await cluster.leaderConnection("cluster-auto", 0);
      first.close();
      const second = await cluster.leaderConnection("cluster-auto", 0);
      expect(second).not.toBe(first);
      expect(second.closed).toBe(false);
    } finally {
      cluster.close();
    }
  });

  test("reports an unreachable bootstrap broker after its retries", async () => {
    const cluster = new Cluster({ brokers: "127.0.0.1:1", retry: { attempts: 2, backoffMs: 1, backoffMaxMs: 1 } });
    await expect(cluster.topic("x")).rejects.toBeInstanceOf(ConnectionError);
    cluster.close();
  });
});
