import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Admin, Cluster, Consumer, DeliveryError, Producer, partitionForKey, type RecordMetadata } from "../../src/client/index.ts";
import { CompressionCodec } from "../../src/records/compression/index.ts";
import { type Broker, startBroker } from "../e2e/harness.ts";
import { eventually } from "../support/wait.ts";

const encoder = new TextEncoder();
let broker: Broker;
let cluster: Cluster;

beforeAll(async () => {
  broker = await startBroker();
  cluster = new Cluster({ brokers: broker.bootstrap });
  const results = await new Admin(cluster).createTopics([
    { name: "keyed", partitions: 4 },
    { name: "single", partitions: 1 },
    { name: "codecs", partitions: 1 },
  ]);
  expect(results.map((result) => result.error)).toEqual([null, null, null]);
}, 30_000);

afterAll(async () => {
  cluster?.close();
  await broker?.cleanup();
}, 30_000);

async function readAll(topic: string, partitions?: number[]) {
  const consumer = new Consumer(cluster, { topic, partitions, stopAtEnd: true });
  const records: Array<{ partition: number; offset: number; key: string | null; value: string; headers: string[] }> = [];
  for (let chunks = await consumer.poll(); chunks !== null; chunks = await consumer.poll()) {
    for (const chunk of chunks) {
      for (const record of chunk.records) {
        records.push({
          partition: chunk.partition,
          offset: record.offset,
          key: record.key === null ? null : Buffer.from(record.key).toString(),
          value: Buffer.from(record.value ?? new Uint8Array(0)).toString(),
          headers: record.headers.map((header) => `${header.key}=${Buffer.from(header.value ?? new Uint8Array(0)).toString()}`),
        });
      }
    }
  }
  return records;
}

describe("Producer", () => {
  test("puts keyed records in the Java client's partition and numbers each partition's offsets from 0", async () => {
    const producer = new Producer(cluster, { lingerMs: 2 });
    const sends: Array<Promise<RecordMetadata>> = [];
    for (let i = 0; i < 400; i++) {
      sends.push(producer.send({ topic: "keyed", key: encoder.encode(`user-${i % 37}`), value: encoder.encode(`v${i}`) }));
    }
    const delivered = await Promise.all(sends);
    const nextOffset = new Map<number, number>();
    delivered.forEach((metadata, i) => {
      expect(metadata.topic).toBe("keyed");
      expect(metadata.partition).toBe(partitionForKey(encoder.encode(`user-${i % 37}`), 4));
      expect(metadata.offset).toBe(nextOffset.get(metadata.partition) ?? 0);
      nextOffset.set(metadata.partition, metadata.offset + 1);
    });
    const stored = await readAll("keyed");
    expect(stored).toHaveLength(400);
    for (const record of stored) {
      const i = Number(record.value.slice(1));
      expect(record.key).toBe(`user-${i % 37}`);
      expect({ partition: record.partition, offset: record.offset }).toEqual({ partition: delivered[i].partition, offset: delivered[i].offset });
    }
  });

  test("splits into many small batches without losing or reordering records", async () => {
    const producer = new Producer(cluster, { batchBytes: 700, lingerMs: 50 });
    const count = 5000;
    let failures = 0;
    for (let i = 0; i < count; i++) {
      producer.produce({ topic: "single", value: encoder.encode(`record-${i}`), headers: [{ key: "n", value: encoder.encode(String(i)) }] }, (error) => {
        if (error !== null) failures++;
      });
    }
    await producer.flush();
    expect(failures).toBe(0);
    const stored = await readAll("single");
    expect(stored.map((record) => record.value)).toEqual(Array.from({ length: count }, (_, i) => `record-${i}`));
    expect(stored.map((record) => record.offset)).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(stored[42].headers).toEqual(["n=42"]);
  });

  for (const [name, codec] of Object.entries(CompressionCodec)) {
    test(`round-trips records compressed with "${name}"`, async () => {
      const producer = new Producer(cluster, { compression: codec });
      const before = (await readAll("codecs")).length;
      const values = Array.from({ length: 300 }, (_, i) => `${name} ${i} ${"z".repeat(i % 50)}`);
      await Promise.all(values.map((value) => producer.send({ topic: "codecs", value: encoder.encode(value) })));
      const stored = (await readAll("codecs")).slice(before);
      expect(stored.map((record) => record.value)).toEqual(values);
    });
  }

  test("acks 0 reports offset -1 and still delivers", async () => {
    const producer = new Producer(cluster, { acks: 0 });
    const metadata = await producer.send({ topic: "acks-zero", value: encoder.encode("fire and forget") });
    expect(metadata.offset).toBe(-1);
    const delivered = async () => (await readAll("acks-zero")).length > 0;
    await eventually(delivered, "the record reaches the log", { waitMs: 10_000 });
    expect((await readAll("acks-zero")).map((record) => record.value)).toEqual(["fire and forget"]);
  });

  test("rejects a partition the topic does not have", async () => {
    const producer = new Producer(cluster);
    await expect(producer.send({ topic: "single", partition: 7, value: null })).rejects.toThrow(
      'Partition 7 of topic "single" does not exist: the topic has 1 partitions',
    );
  });

  test("fails the batch when the broker rejects it, naming topic and partition", async () => {
    const producer = new Producer(cluster, { batchBytes: 4 * 1024 * 1024 });
    const tooLarge = new Uint8Array(2 * 1024 * 1024);
    const delivery = producer.send({ topic: "single", value: tooLarge });
    await expect(delivery).rejects.toBeInstanceOf(DeliveryError);
    await expect(delivery).rejects.toThrow('records to topic "single" partition 0');
  });

  test("fails records of an unknown topic when auto-creation is off", async () => {
    const producer = new Producer(cluster, { allowAutoTopicCreation: false });
    await expect(producer.send({ topic: "never-created", value: null })).rejects.toThrow('Topic "never-created" does not exist');
  });
});
