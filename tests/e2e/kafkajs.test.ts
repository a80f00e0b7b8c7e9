// kafkajs 2.2.4 against chronik: admin createTopics / listTopics / fetchTopicMetadata /
// fetchTopicOffsets(ByTimestamp) / deleteTopics, and a producer with keys and headers (acks=all,
// no compression and gzip) whose records are read back with kcat. kafkajs's consumer only works
// through consumer groups, so it is not used here.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Admin, CompressionTypes, Kafka, logLevel, type Message } from "kafkajs";
import { assertSameBytes, type Broker, kcat, runOk, startBroker, variedValue } from "./harness.ts";

const recordCount = 2000;
const sendBatchSize = 250;
const testTimeoutMs = 90_000;

let broker: Broker;
let kafka: Kafka;
let admin: Admin;

beforeAll(async () => {
  broker = await startBroker();
  kafka = new Kafka({
    brokers: [broker.bootstrap],
    clientId: "e2e-kafkajs",
    logLevel: logLevel.ERROR,
    retry: { retries: 2, initialRetryTime: 200 },
  });
  admin = kafka.admin();
  await admin.connect();
}, 30_000);

afterAll(async () => {
  await admin?.disconnect();
  await broker?.cleanup();
}, 30_000);

const baseTimestamp = Date.now() - 60_000;

function message(index: number): Message {
  return {
    key: index % 4 === 0 ? null : `key-${index}`,
    value: variedValue(index).replaceAll("|", "/"),
    headers: { source: "kafkajs", index: String(index) },
    timestamp: String(baseTimestamp + index),
  };
}

function expectedLine(index: number): string {
  const sent = message(index);
  return `${index}|${sent.key ?? ""}|${sent.value}|source=kafkajs,index=${index}\n`;
}

describe("kafkajs", () => {
  test("createTopics, listTopics, fetchTopicMetadata, createTopics again", async () => {
    const created = await admin.createTopics({
      topics: [{ topic: "kjs-admin-1" }, { topic: "kjs-admin-3", numPartitions: 3 }],
      waitForLeaders: true,
    });
    expect(created).toBe(true);
    const topics = await admin.listTopics();
    expect(topics).toContain("kjs-admin-1");
    expect(topics).toContain("kjs-admin-3");
    const metadata = await admin.fetchTopicMetadata({ topics: ["kjs-admin-3"] });
    expect(metadata.topics[0].name).toBe("kjs-admin-3");
    expect(metadata.topics[0].partitions.map((partition) => partition.partitionId).sort()).toEqual([0, 1, 2]);
    // kafkajs answers false when every topic already exists (TOPIC_ALREADY_EXISTS from the broker).
    expect(await admin.createTopics({ topics: [{ topic: "kjs-admin-1" }] })).toBe(false);
  }, testTimeoutMs);

  for (const [name, compression] of [
    ["none", CompressionTypes.None],
    ["gzip", CompressionTypes.GZIP],
  ] as const) {
    test(`producer (acks=all, compression "${name}") with keys and headers, read back by kcat`, async () => {
      const topic = `kjs-produce-${name}`;
      await admin.createTopics({ topics: [{ topic }], waitForLeaders: true });
      const producer = kafka.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      try {
        for (let start = 0; start < recordCount; start += sendBatchSize) {
          const messages = [];
          for (let index = start; index < start + sendBatchSize; index++) messages.push(message(index));
          const [result] = await producer.send({ topic, acks: -1, compression, messages });
          expect(result.errorCode).toBe(0);
          expect(result.partition).toBe(0);
          expect(result.baseOffset).toBe(String(start));
        }
      } finally {
        await producer.disconnect();
      }
      const consumed = await runOk(
        kcat(broker, ["-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-f", "%o|%k|%s|%h\n"]),
        { timeoutMs: 60_000 },
      );
      let expected = "";
      for (let index = 0; index < recordCount; index++) expected += expectedLine(index);
      assertSameBytes(consumed.stdout, Buffer.from(expected), `kcat read of kafkajs topic "${topic}"`);

      const offsets = await admin.fetchTopicOffsets(topic);
      expect(offsets).toEqual([{ partition: 0, offset: String(recordCount), high: String(recordCount), low: "0" }]);
      const byTime = await admin.fetchTopicOffsetsByTimestamp(topic, baseTimestamp + 1234);
      expect(byTime).toEqual([{ partition: 0, offset: "1234" }]);
    }, testTimeoutMs);
  }

  test("deleteTopics removes the topics from listTopics", async () => {
    await admin.createTopics({ topics: [{ topic: "kjs-delete-me" }], waitForLeaders: true });
    expect(await admin.listTopics()).toContain("kjs-delete-me");
    await admin.deleteTopics({ topics: ["kjs-delete-me", "kjs-admin-3"] });
    const topics = await admin.listTopics();
    expect(topics).not.toContain("kjs-delete-me");
    expect(topics).not.toContain("kjs-admin-3");
    expect(topics).toContain("kjs-admin-1");
  }, testTimeoutMs);
});
