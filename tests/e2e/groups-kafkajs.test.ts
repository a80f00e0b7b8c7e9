// Consumer groups with kafkajs against the real server: three members of one group share a
// 6-partition topic without overlap; when one leaves, the other two take over its partitions,
// and after commits no record is consumed twice.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { Kafka, logLevel, type Consumer } from "kafkajs";
import { type Broker, eventually, startBroker } from "./harness.ts";

let broker: Broker;

beforeAll(async () => {
  broker = await startBroker();
}, 30_000);

afterAll(async () => {
  await broker?.cleanup();
}, 30_000);

const recordCount = 120;
const waitStepMs = 100;

function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<unknown> {
  return eventually(condition, what, { waitMs: timeoutMs, pollMs: waitStepMs });
}

test("kafkajs: three members get disjoint shares, survivors take over a leaver's partitions, nothing is consumed twice", async () => {
  const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: "shared", numPartitions: 6 }] });
  const producer = kafka.producer();
  await producer.connect();
  const send = (from: number, to: number) =>
    producer.send({ topic: "shared", messages: Array.from({ length: to - from }, (_, n) => ({ key: `k${from + n}`, value: `v${from + n}` })) });
  const seen: string[] = [];
  const partitionsOf = new Map<number, Set<number>>();
  const consumers: Consumer[] = [];
  const assigned = new Map<number, number[]>();
  for (let index = 0; index < 3; index++) {
    const consumer = kafka.consumer({ groupId: "trio", sessionTimeout: 6000, heartbeatInterval: 300 });
    consumer.on(consumer.events.GROUP_JOIN, (event) => assigned.set(index, event.payload.memberAssignment.shared ?? []));
    await consumer.connect();
    await consumer.subscribe({ topic: "shared", fromBeginning: true });
    partitionsOf.set(index, new Set());
    await consumer.run({
      autoCommitInterval: 100,
      eachMessage: async ({ partition, message }) => {
        seen.push(message.value!.toString());
        partitionsOf.get(index)!.add(partition);
      },
    });
    consumers.push(consumer);
  }
  // Wait for the rebalance that includes all three, then produce.
  await waitFor(() => assigned.size === 3 && [...assigned.values()].every((share) => share.length === 2), 30_000, "three members with two partitions each");
  await send(0, recordCount);
  await waitFor(() => seen.length >= recordCount, 30_000, "the first records");
  const shares = [...partitionsOf.values()].map((set) => [...set].sort());
  expect(shares.flat().sort()).toEqual([0, 1, 2, 3, 4, 5]);
  for (const [index, share] of shares.entries()) expect(share).toEqual([...assigned.get(index)!].sort());

  const described = await admin.describeGroups(["trio"]);
  expect(described.groups[0].state).toBe("Stable");
  expect(described.groups[0].members.length).toBe(3);

  // One leaves (LeaveGroup); the others must pick up its partitions.
  const leaverPartitions = shares[0];
  await consumers[0].disconnect();
  for (const set of partitionsOf.values()) set.clear();
  await send(recordCount, 2 * recordCount);
  await waitFor(() => seen.length >= 2 * recordCount, 30_000, "records after the leave");
  const takenOver = [...partitionsOf.get(1)!, ...partitionsOf.get(2)!];
  for (const partition of leaverPartitions) expect(takenOver).toContain(partition);
  // Once the group has committed every record, nothing is left to deliver a second time.
  const committed = async () => (await admin.fetchOffsets({ groupId: "trio", topics: ["shared"] }))[0].partitions.reduce((sum, partition) => sum + Number(partition.offset), 0);
  await eventually(async () => (await committed()) === 2 * recordCount, `the group commits all ${2 * recordCount} records`, { waitMs: 30_000, pollMs: waitStepMs });
  for (const consumer of consumers.slice(1)) await consumer.disconnect();
  expect(new Set(seen).size).toBe(seen.length);
  expect(seen.length).toBe(2 * recordCount);
  expect(await committed()).toBe(2 * recordCount);
  await producer.disconnect();
  await admin.disconnect();
}, 90_000);
