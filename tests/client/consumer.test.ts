import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Admin, Cluster, Consumer, type ConsumerOptions, Producer } from "../../src/client/index.ts";
import { CompressionCodec } from "../../src/records/compression/index.ts";
import { type Broker, startBroker } from "../e2e/harness.ts";
import { eventually } from "../support/wait.ts";

const encoder = new TextEncoder();
let broker: Broker;
let cluster: Cluster;

beforeAll(async () => {
  broker = await startBroker();
  cluster = new Cluster({ brokers: broker.bootstrap });
  await new Admin(cluster).createTopics([{ name: "numbers", partitions: 2 }]);
  // Compressed batches of 100 records: starting mid-batch must skip the batch's earlier records.
  const producer = new Producer(cluster, { compression: CompressionCodec.lz4, lingerMs: 100 });
  for (const partition of [0, 1]) {
    for (let batch = 0; batch < 5; batch++) {
      const sends = Array.from({ length: 100 }, (_, i) =>
        producer.send({ topic: "numbers", partition, value: encoder.encode(`p${partition}-${batch * 100 + i}`) }),
      );
      await producer.flush();
      await Promise.all(sends);
    }
  }
}, 30_000);

afterAll(async () => {
  cluster?.close();
  await broker?.cleanup();
}, 30_000);

async function consume(options: Partial<ConsumerOptions>, limit = Infinity): Promise<string[]> {
  const consumer = new Consumer(cluster, { topic: "numbers", stopAtEnd: true, ...options });
  const values: string[] = [];
  for (let chunks = await consumer.poll(); chunks !== null && values.length < limit; chunks = await consumer.poll()) {
    for (const chunk of chunks) {
      let expected = chunk.records[0].offset;
      for (const record of chunk.records) {
        expect(record.offset).toBe(expected++);
        values.push(Buffer.from(record.value ?? new Uint8Array(0)).toString());
      }
    }
  }
  return values;
}

const range = (partition: number, from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `p${partition}-${from + i}`);

describe("Consumer", () => {
  test("reads every partition from the beginning to the end, in order per partition", async () => {
    const values = await consume({});
    expect(values.filter((value) => value.startsWith("p0-"))).toEqual(range(0, 0, 500));
    expect(values.filter((value) => value.startsWith("p1-"))).toEqual(range(1, 0, 500));
  });

  test("a slow caller still gets the records of a prefetched round that reached the end", async () => {
    // A small byte budget makes many rounds; the caller polls again only once the prefetched round
    // has landed (the position moved, or the end was reached), as a slow caller would.
    const consumer = new Consumer(cluster, { topic: "numbers", partitions: [0], stopAtEnd: true, partitionFetchBytesMax: 512 });
    const position = () => consumer.positions.get(0) ?? 0;
    let count = 0;
    for (let chunks = await consumer.poll(); chunks !== null; chunks = await consumer.poll()) {
      for (const chunk of chunks) count += chunk.records.length;
      const polledAt = position();
      await eventually(() => consumer.finished || position() > polledAt, "the prefetched round lands", { waitMs: 10_000, pollMs: 1 });
    }
    expect(count).toBe(500);
  });

  test("starts at an offset inside a compressed batch", async () => {
    expect(await consume({ partitions: [1], start: { offset: 250 } })).toEqual(range(1, 250, 500));
  });

  test("starts N records before the end", async () => {
    expect(await consume({ partitions: [0], start: { fromEnd: 3 } })).toEqual(range(0, 497, 500));
    expect(await consume({ partitions: [0], start: { fromEnd: 9999 } })).toEqual(range(0, 0, 500));
  });

  test("starting at the end with stopAtEnd finishes at once", async () => {
    const consumer = new Consumer(cluster, { topic: "numbers", start: "end", stopAtEnd: true });
    expect(await consumer.poll()).toBeNull();
    expect(consumer.positions).toEqual(new Map([[0, 500], [1, 500]]));
  });

  test("stops at the end offsets recorded at start, not at records produced later", async () => {
    const consumer = new Consumer(cluster, { topic: "numbers", partitions: [0], start: { offset: 495 }, stopAtEnd: true });
    await consumer.start();
    await new Producer(cluster).send({ topic: "numbers", partition: 0, value: encoder.encode("late") });
    const values: string[] = [];
    for (let chunks = await consumer.poll(); chunks !== null; chunks = await consumer.poll()) {
      for (const chunk of chunks) for (const record of chunk.records) values.push(Buffer.from(record.value!).toString());
    }
    expect(values).toEqual(range(0, 495, 500));
  });

  test("follows new records with long polls when not stopping at the end", async () => {
    const consumer = new Consumer(cluster, { topic: "numbers", partitions: [1], start: "end", maxWaitMs: 100 });
    expect(await consumer.poll()).toEqual([]);
    await new Producer(cluster).send({ topic: "numbers", partition: 1, value: encoder.encode("fresh") });
    let seen: string[] = [];
    for (let i = 0; i < 20 && seen.length === 0; i++) {
      const chunks = (await consumer.poll()) ?? [];
      seen = chunks.flatMap((chunk) => chunk.records.map((record) => Buffer.from(record.value!).toString()));
    }
    expect(seen).toEqual(["fresh"]);
  });

  test("an exact offset past a partition's end starts at that end (one offset serves every partition)", async () => {
    const consumer = new Consumer(cluster, { topic: "numbers", partitions: [0], start: { offset: 100_000 }, stopAtEnd: true });
    expect(await consumer.poll()).toBeNull();
    // 500 records, plus the one an earlier test appended.
    expect(consumer.positions.get(0)).toBe(501);
  });

  test("a stop offset past the end stops at the end instead of waiting", async () => {
    const values = await consume({ partitions: [0], start: { offset: 495 }, stopAtEnd: false, stopAt: { offset: 100_000 } });
    expect(values).toEqual([...range(0, 495, 500), "late"]);
  });

  test("reports unknown topics and partitions", async () => {
    await expect(consume({ topic: "no-such-topic" })).rejects.toThrow('Topic "no-such-topic" does not exist');
    await expect(consume({ partitions: [5] })).rejects.toThrow('Partition 5 of topic "numbers" does not exist');
  });
});
