// @platformatic/kafka 2.x against chronik: Admin createTopics / listTopics / metadata /
// deleteTopics, and a Producer (acks=all) with keys and headers in every compression codec whose
// records are read back with kcat. Its Consumer's group-free calls (fetch by topic id, listOffsets)
// read the records back too, exercising Fetch v13 and ListOffsets v7.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Admin, Consumer, ProduceAcks, Producer, stringDeserializers, stringSerializers } from "@platformatic/kafka";
import { assertSameBytes, type Broker, kcat, runOk, startBroker, variedValue } from "./harness.ts";

const recordCount = 2000;
const sendBatchSize = 200;
const testTimeoutMs = 90_000;

let broker: Broker;
let admin: Admin;

beforeAll(async () => {
  broker = await startBroker();
  admin = new Admin({ clientId: "e2e-platformatic", bootstrapBrokers: [broker.bootstrap], retries: 2 });
}, 30_000);

afterAll(async () => {
  await admin?.close();
  await broker?.cleanup();
}, 30_000);

function value(index: number): string {
  return variedValue(index).replaceAll("|", "/");
}

describe("@platformatic/kafka", () => {
  test("Admin createTopics, listTopics, metadata", async () => {
    const created = await admin.createTopics({ topics: ["plt-admin-a", "plt-admin-b"], partitions: 3, replicas: 1 });
    expect(created.map((topic) => [topic.name, topic.partitions]).sort()).toEqual([
      ["plt-admin-a", 3],
      ["plt-admin-b", 3],
    ]);
    for (const topic of created) expect(topic.id).toMatch(/^[0-9a-f-]{32,36}$/);
    const topics = await admin.listTopics();
    expect(topics).toContain("plt-admin-a");
    expect(topics).toContain("plt-admin-b");
    const metadata = await admin.metadata({ topics: ["plt-admin-a"] });
    expect(metadata.topics.get("plt-admin-a")?.partitionsCount).toBe(3);
  }, testTimeoutMs);

  for (const compression of ["none", "gzip", "snappy", "lz4", "zstd"] as const) {
    test(`Producer (acks=all, compression "${compression}") with keys and headers, read back by kcat`, async () => {
      const topic = `plt-produce-${compression}`;
      await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
      const producer = new Producer({
        clientId: "e2e-platformatic-producer",
        bootstrapBrokers: [broker.bootstrap],
        serializers: stringSerializers,
        retries: 2,
      });
      try {
        for (let start = 0; start < recordCount; start += sendBatchSize) {
          const messages = [];
          for (let index = start; index < start + sendBatchSize; index++) {
            messages.push({
              topic,
              partition: 0,
              key: `key-${index}`,
              value: value(index),
              headers: { source: "platformatic", index: String(index) },
            });
          }
          const result = await producer.send({ messages, acks: ProduceAcks.ALL, compression });
          expect(result.offsets).toEqual([{ topic, partition: 0, offset: BigInt(start) }]);
        }
      } finally {
        await producer.close();
      }
      const consumed = await runOk(
        kcat(broker, ["-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-f", "%o|%k|%s|%h\n"]),
        { timeoutMs: 60_000 },
      );
      let expected = "";
      for (let index = 0; index < recordCount; index++) {
        expected += `${index}|key-${index}|${value(index)}|source=platformatic,index=${index}\n`;
      }
      assertSameBytes(consumed.stdout, Buffer.from(expected), `kcat read of platformatic topic "${topic}"`);
    }, testTimeoutMs);
  }

  test("Consumer.fetch by topic id and Consumer.listOffsets read back what the Producer wrote", async () => {
    const topic = "plt-produce-zstd";
    const metadata = await admin.metadata({ topics: [topic] });
    const topicId = metadata.topics.get(topic)!.id;
    const consumer = new Consumer({
      clientId: "e2e-platformatic-consumer",
      groupId: "e2e-platformatic-unused-group",
      bootstrapBrokers: [broker.bootstrap],
      deserializers: stringDeserializers,
      retries: 2,
    });
    try {
      const latest = await consumer.listOffsets({ topics: [topic] });
      expect(latest.get(topic)).toEqual([BigInt(recordCount)]);
      const earliest = await consumer.listOffsets({ topics: [topic], timestamp: -2n });
      expect(earliest.get(topic)).toEqual([0n]);

      const values: string[] = [];
      let fetchOffset = 0n;
      for (let round = 0; round < 100 && values.length < recordCount; round++) {
        const response = await consumer.fetch({
          node: 0,
          maxWaitTime: 100,
          topics: [
            { topicId, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, partitionMaxBytes: 64 * 1024 }] },
          ],
        });
        const partition = response.responses[0].partitions[0];
        expect(partition.errorCode).toBe(0);
        expect(partition.highWatermark).toBe(BigInt(recordCount));
        for (const batch of partition.records ?? []) {
          for (const record of batch.records) {
            const offset = batch.firstOffset + BigInt(record.offsetDelta);
            if (offset < fetchOffset) continue;
            values.push(Buffer.from(record.value ?? []).toString());
            fetchOffset = offset + 1n;
          }
        }
      }
      expect(values.length).toBe(recordCount);
      for (let index = 0; index < recordCount; index++) expect(values[index]).toBe(value(index));
    } finally {
      await consumer.close();
    }
  }, testTimeoutMs);

  test("Admin deleteTopics removes topics from listTopics", async () => {
    await admin.deleteTopics({ topics: ["plt-admin-b"] });
    const topics = await admin.listTopics();
    expect(topics).not.toContain("plt-admin-b");
    expect(topics).toContain("plt-admin-a");
  }, testTimeoutMs);
});
