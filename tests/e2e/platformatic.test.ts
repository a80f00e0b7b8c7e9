// @platformatic/kafka 2.x against chronik: Admin createTopics / listTopics / metadata /
// deleteTopics, and a Producer (acks=all) with keys and headers in every compression codec whose
// records are read back with kcat. Its Consumer only works through consumer groups, so it is not
// used here.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Admin, ProduceAcks, Producer, stringSerializers } from "@platformatic/kafka";
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

  test("Admin deleteTopics removes topics from listTopics", async () => {
    await admin.deleteTopics({ topics: ["plt-admin-b"] });
    const topics = await admin.listTopics();
    expect(topics).not.toContain("plt-admin-b");
    expect(topics).toContain("plt-admin-a");
  }, testTimeoutMs);
});
