import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Cluster, DeliveryError } from "../../src/client/index.ts";
import type { Connection } from "../../src/client/connection.ts";
import { defaultProducerOptions, type ProducerOptions } from "../../src/client/producer.ts";
import { type ClosedBatch, ProducerSender } from "../../src/client/producer-sender.ts";
import { Broker } from "../../src/engine/broker.ts";
import { defaultBrokerConfig } from "../../src/engine/broker-config.ts";
import { silentLogger } from "../../src/logger.ts";
import { ErrorCode, KafkaProtocolError } from "../../src/protocol/errors.ts";
import { Produce, type ProduceRequest } from "../../src/protocol/messages/produce.ts";
import { buildRecordBatch } from "../../src/records/record-batch.ts";
import { recordsOf } from "../engine/fixtures.ts";
import { eventually } from "../support/wait.ts";

// The sender against a broker running in this process: real Produce requests over a real
// connection. Requests are observed on their way out (not changed), to see how batches share them.

let broker: Broker;
let dataDir: string;
const batchBytesMax = 4096;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "chronik-producer-sender-"));
  broker = await Broker.start({ ...defaultBrokerConfig, dataDir, host: "127.0.0.1", port: 0, advertisedHost: "127.0.0.1", advertisedPort: 0, batchBytesMax }, silentLogger);
});

afterAll(async () => {
  await broker?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const clusters: Cluster[] = [];
afterEach(() => {
  for (const cluster of clusters.splice(0)) cluster.close();
});

let topicCount = 0;
async function newTopic(partitions: number): Promise<string> {
  const name = `sender-${++topicCount}`;
  await broker.topics.create(name, partitions);
  return name;
}

interface Setup {
  cluster: Cluster;
  sender: ProducerSender;
  /** Every Produce request sent, in order. */
  requests: ProduceRequest[];
  /** Most Produce requests a partition ever had in flight at once, by "topic/partition". */
  inFlightMax: Map<string, number>;
}

function setup(options: Partial<ProducerOptions> = {}): Setup {
  const cluster = new Cluster({ brokers: `127.0.0.1:${broker.port}`, logger: silentLogger });
  clusters.push(cluster);
  const requests: ProduceRequest[] = [];
  const inFlight = new Map<string, number>();
  const inFlightMax = new Map<string, number>();
  const observed = new WeakSet<Connection>();
  const brokerConnection = cluster.brokerConnection.bind(cluster);
  cluster.brokerConnection = async (nodeId: number) => {
    const connection = await brokerConnection(nodeId);
    if (!observed.has(connection)) {
      observed.add(connection);
      const send = connection.send.bind(connection);
      connection.send = ((api, body) => {
        if ((api as unknown) === Produce) requests.push(body as ProduceRequest);
        return send(api, body);
      }) as Connection["send"];
      const request = connection.request.bind(connection);
      connection.request = ((api, body, requestOptions) => {
        if ((api as unknown) !== Produce) return request(api, body, requestOptions);
        const produce = body as ProduceRequest;
        requests.push(produce);
        const keys = produce.topicData.flatMap((topic) => topic.partitionData.map((partition) => `${topic.name}/${partition.index}`));
        for (const key of keys) {
          inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
          inFlightMax.set(key, Math.max(inFlightMax.get(key) ?? 0, inFlight.get(key)!));
        }
        return request(api, body, requestOptions).finally(() => {
          for (const key of keys) inFlight.set(key, inFlight.get(key)! - 1);
        });
      }) as Connection["request"];
    }
    return connection;
  };
  const sender = new ProducerSender(cluster, { ...defaultProducerOptions, retry: { attempts: 3, backoffMs: 1, backoffMaxMs: 2 }, ...options });
  return { cluster, sender, requests, inFlightMax };
}

/** A closed batch of `values`, and its delivery as a promise of its base offset. */
function closed(topic: string, partition: number, values: string[]): ClosedBatch & { delivered: Promise<number> } {
  let resolve!: (offset: number) => void;
  let reject!: (error: Error) => void;
  const delivered = new Promise<number>((res, rej) => ((resolve = res), (reject = rej)));
  delivered.catch(() => {});
  const bytes = buildRecordBatch({ records: values.map((value) => ({ value, timestamp: 1000 })) });
  return { topic, partition, recordCount: values.length, bytes, attempts: 0, retryAtMs: 0, resolve, reject, delivered };
}

async function stored(topic: string, partition: number): Promise<Array<[number, string]>> {
  const log = broker.topics.get(topic)!.partitions[partition].log;
  return recordsOf((await log.read(0, 1 << 20)).bytes);
}

const partitionsOf = (request: ProduceRequest) => request.topicData.flatMap((topic) => topic.partitionData.map((partition) => `${topic.name}/${partition.index}`));

describe("ProducerSender", () => {
  test("batches of several partitions closed together share one Produce request; each gets its base offset", async () => {
    const topic = await newTopic(3);
    const { cluster, sender, requests } = setup();
    await cluster.topic(topic);
    const batches = [closed(topic, 0, ["a", "b"]), closed(topic, 1, ["c"]), closed(topic, 2, ["d"])];
    for (const batch of batches) sender.enqueue(batch);
    expect(await Promise.all(batches.map((batch) => batch.delivered))).toEqual([0, 0, 0]);
    expect(requests.map(partitionsOf)).toEqual([[`${topic}/0`, `${topic}/1`, `${topic}/2`]]);
    expect(requests[0]).toMatchObject({ transactionalId: null, acks: -1, timeoutMs: defaultProducerOptions.ackTimeoutMs });
    expect(await stored(topic, 0)).toEqual([
      [0, "a"],
      [1, "b"],
    ]);
    expect(await stored(topic, 2)).toEqual([[0, "d"]]);
  });

  test("one batch in flight per partition: later batches wait their turn and keep their order", async () => {
    const topic = await newTopic(1);
    const { cluster, sender, requests, inFlightMax } = setup();
    await cluster.topic(topic);
    const batches = [closed(topic, 0, ["1", "2"]), closed(topic, 0, ["3"]), closed(topic, 0, ["4", "5"])];
    for (const batch of batches) sender.enqueue(batch);
    expect(await Promise.all(batches.map((batch) => batch.delivered))).toEqual([0, 2, 3]);
    expect(requests.map(partitionsOf)).toEqual([[`${topic}/0`], [`${topic}/0`], [`${topic}/0`]]);
    expect(inFlightMax.get(`${topic}/0`)).toBe(1);
    expect((await stored(topic, 0)).map(([, value]) => value)).toEqual(["1", "2", "3", "4", "5"]);
  });

  test("requestBytesMax splits the partitions' batches into several requests, each with at least one batch", async () => {
    const topic = await newTopic(3);
    const batches = [closed(topic, 0, ["x".repeat(100)]), closed(topic, 1, ["y".repeat(100)]), closed(topic, 2, ["z".repeat(100)])];
    // Room for two batches, not three.
    const { cluster, sender, requests } = setup({ requestBytesMax: batches[0].bytes.length * 2 + 10 });
    await cluster.topic(topic);
    for (const batch of batches) sender.enqueue(batch);
    await Promise.all(batches.map((batch) => batch.delivered));
    expect(requests.map(partitionsOf)).toEqual([[`${topic}/0`, `${topic}/1`], [`${topic}/2`]]);
    // A batch larger than requestBytesMax still goes, alone.
    const { cluster: other, sender: small, requests: alone } = setup({ requestBytesMax: 1 });
    await other.topic(topic);
    const big = [closed(topic, 0, ["p"]), closed(topic, 1, ["q"])];
    for (const batch of big) small.enqueue(batch);
    expect(await Promise.all(big.map((batch) => batch.delivered))).toEqual([1, 1]);
    expect(alone.map(partitionsOf)).toEqual([[`${topic}/0`], [`${topic}/1`]]);
  });

  test("a batch the broker refuses for good fails once with a DeliveryError naming topic, partition and cause; the next batch goes", async () => {
    const topic = await newTopic(1);
    const { cluster, sender, requests } = setup();
    await cluster.topic(topic);
    const tooLarge = closed(topic, 0, ["z".repeat(batchBytesMax * 2)]);
    const next = closed(topic, 0, ["fits"]);
    sender.enqueue(tooLarge);
    sender.enqueue(next);
    const error = await tooLarge.delivered.then(
      () => null,
      (failure: Error) => failure,
    );
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error!.message).toStartWith(`Cannot deliver 1 records to topic "${topic}" partition 0: `);
    expect(error!.message).not.toContain("attempts");
    expect((error!.cause as KafkaProtocolError).code).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    expect(tooLarge.attempts).toBe(1);
    expect(await next.delivered).toBe(0);
    expect(requests.length).toBe(2);
  });

  test("a topic not in the metadata cache is looked up (and auto-created) before its batches go", async () => {
    const { cluster, sender } = setup();
    const topic = `sender-auto-${++topicCount}`;
    expect(cluster.leaderOf(topic, 0)).toBeLessThan(0);
    const batch = closed(topic, 0, ["first"]);
    sender.enqueue(batch);
    expect(await batch.delivered).toBe(0);
    expect(broker.topics.get(topic)).toBeDefined();
    expect(batch.attempts).toBe(0);
  });

  test("a retriable failure refreshes the topic's metadata and retries the batch until it goes", async () => {
    const topic = await newTopic(3);
    const { cluster, sender } = setup({ retry: { attempts: 50, backoffMs: 5, backoffMaxMs: 20 } });
    await cluster.topic(topic);
    // Made again with one partition behind the producer's back: partition 2 answers UNKNOWN_TOPIC_OR_PARTITION.
    await broker.topics.delete(topic);
    await broker.topics.create(topic, 1);
    const batch = closed(topic, 2, ["late"]);
    sender.enqueue(batch);
    await eventually(() => batch.attempts >= 1, "a first failed attempt", { pollMs: 1 });
    await broker.topics.addPartitions(topic, 3);
    expect(await batch.delivered).toBe(0);
    expect(await stored(topic, 2)).toEqual([[0, "late"]]);
  });

  test("retries stop after retry.attempts: the DeliveryError says how many were made", async () => {
    const topic = await newTopic(3);
    const { cluster, sender } = setup({ retry: { attempts: 3, backoffMs: 1, backoffMaxMs: 2 } });
    await cluster.topic(topic);
    await broker.topics.delete(topic);
    await broker.topics.create(topic, 1);
    // The partition is gone for good: the batch must fail, not wait forever.
    const batch = closed(topic, 2, ["lost"]);
    sender.enqueue(batch);
    const error = await batch.delivered.then(
      () => null,
      (failure: Error) => failure,
    );
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error!.message).toContain(`Cannot deliver 1 records to topic "${topic}" partition 2 after 3 attempts`);
    expect(batch.attempts).toBe(3);
  });

  test("a topic that does not exist (auto-creation off) fails its batches at once", async () => {
    const { sender, requests } = setup({ allowAutoTopicCreation: false, retry: { attempts: 5, backoffMs: 1, backoffMaxMs: 2 } });
    const batch = closed(`sender-never-${++topicCount}`, 0, ["nowhere"]);
    sender.enqueue(batch);
    const error = await batch.delivered.then(
      () => null,
      (failure: Error) => failure,
    );
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error!.message).toEndWith(`partition 0: Topic "${batch.topic}" does not exist`);
    expect(batch.attempts).toBe(1);
    expect(requests).toEqual([]);
  });

  test("acks 0: delivered (offset -1) once sent, without waiting for an answer", async () => {
    const topic = await newTopic(1);
    const { cluster, sender, requests } = setup({ acks: 0 });
    await cluster.topic(topic);
    const batch = closed(topic, 0, ["fire", "forget"]);
    sender.enqueue(batch);
    expect(await batch.delivered).toBe(-1);
    expect(requests[0].acks).toBe(0);
    await eventually(async () => (await stored(topic, 0)).length === 2, "the acks=0 records are stored");
    expect(await stored(topic, 0)).toEqual([
      [0, "fire"],
      [1, "forget"],
    ]);
  });
});
