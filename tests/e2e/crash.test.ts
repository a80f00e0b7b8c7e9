// Durability across SIGKILL: three kafkajs producers (acks=all, one per partition, concurrently,
// so the broker's group commit is exercised) stream records and remember what the broker
// acknowledged. The broker is killed with SIGKILL mid-stream and restarted on the same data
// directory; every acknowledged record must be there, byte for byte, at the offset the broker
// gave it, and the offsets of each partition must be contiguous from 0. A clean restart (SIGTERM)
// must exit 0 and keep everything.

import { afterEach, describe, expect, test } from "bun:test";
import { Kafka, logLevel, type Producer } from "kafkajs";
import { assertSameBytes, type Broker, eventually, kcat, runOk, startBroker } from "./harness.ts";

const partitionCount = 3;
const batchSize = 40;
const acknowledgedBeforeKillMin = 6000;
const streamTimeMaxMs = 30_000;

let broker: Broker | undefined;

afterEach(async () => {
  await broker?.cleanup();
  broker = undefined;
}, 30_000);

function recordValue(partition: number, sequence: number): string {
  return `p${partition}-seq${sequence}-` + "payload".repeat(sequence % 60);
}

type Acknowledged = Map<number, string>;

/** Sends batches to one partition until an error (the kill) stops it, filling offset -> value acknowledged. */
async function stream(producer: Producer, options: { topic: string; partition: number; acknowledged: Acknowledged }): Promise<void> {
  const { topic, partition, acknowledged } = options;
  let sequence = 0;
  const deadline = Date.now() + streamTimeMaxMs;
  while (Date.now() < deadline) {
    const values: string[] = [];
    for (let index = 0; index < batchSize; index++) values.push(recordValue(partition, sequence++));
    let baseOffset: number;
    try {
      const [result] = await producer.send({
        topic,
        acks: -1,
        messages: values.map((value) => ({ partition, key: `key-${partition}`, value })),
      });
      if (result.errorCode !== 0) break;
      baseOffset = Number(result.baseOffset);
    } catch {
      break;
    }
    values.forEach((value, index) => acknowledged.set(baseOffset + index, value));
  }
}

function totalAcknowledged(streams: Acknowledged[]): number {
  return streams.reduce((sum, acknowledged) => sum + acknowledged.size, 0);
}

async function crashAndRecover(fsync: string): Promise<void> {
  // Small segments, so that recovery crosses segment boundaries.
  broker = await startBroker({ args: ["--fsync", fsync, "--segment-bytes", "64KiB"] });
  const topic = `crash-${fsync}`;
  const kafka = new Kafka({
    brokers: [broker.bootstrap],
    clientId: "e2e-crash",
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 1000,
    requestTimeout: 5000,
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitionCount }], waitForLeaders: true });
  await admin.disconnect();

  const producers = Array.from({ length: partitionCount }, () => kafka.producer({ allowAutoTopicCreation: false }));
  await Promise.all(producers.map((producer) => producer.connect()));
  const acknowledged: Acknowledged[] = producers.map(() => new Map());
  const streams = producers.map((producer, partition) =>
    stream(producer, { topic, partition, acknowledged: acknowledged[partition] }),
  );

  // Kill once enough has been acknowledged: the producers are mid-stream, with requests in flight.
  await eventually(() => totalAcknowledged(acknowledged) >= acknowledgedBeforeKillMin, `${acknowledgedBeforeKillMin} records acknowledged`, { waitMs: streamTimeMaxMs, pollMs: 5 });
  await broker.kill9();
  await Promise.all(streams);
  await Promise.all(producers.map((producer) => producer.disconnect().catch(() => undefined)));
  expect(totalAcknowledged(acknowledged)).toBeGreaterThanOrEqual(acknowledgedBeforeKillMin);

  await broker.start();
  for (let partition = 0; partition < partitionCount; partition++) {
    const consumed = await runOk(
      kcat(broker, ["-C", "-t", topic, "-p", String(partition), "-o", "beginning", "-e", "-f", "%o|%s\n"]),
      { timeoutMs: 60_000 },
    );
    const stored = new Map<number, string>();
    const rows = consumed.stdout.toString("utf8").split("\n").filter((row) => row !== "");
    rows.forEach((row, position) => {
      const separator = row.indexOf("|");
      const offset = Number(row.slice(0, separator));
      expect(offset).toBe(position);
      stored.set(offset, row.slice(separator + 1));
    });
    const missing: string[] = [];
    for (const [offset, value] of acknowledged[partition]) {
      if (stored.get(offset) !== value) missing.push(`offset ${offset}: stored ${JSON.stringify(stored.get(offset))}, acknowledged ${JSON.stringify(value)}`);
    }
    if (missing.length > 0) {
      throw new Error(
        `Partition ${partition} lost or changed ${missing.length} of ${acknowledged[partition].size} acknowledged records after SIGKILL (fsync "${fsync}"); first: ${missing[0]}\nBroker log:\n${broker.log.slice(-4000)}`,
      );
    }
  }
}

describe("crash recovery", () => {
  test("a clean restart (SIGTERM, exit code 0) keeps every record", async () => {
    broker = await startBroker();
    const lines = Array.from({ length: 500 }, (_, index) => `${index}|${recordValue(0, index)}\n`).join("");
    await runOk(kcat(broker, ["-P", "-t", "restart", "-p", "0", "-X", "acks=all"]), { stdin: lines, timeoutMs: 30_000 });
    expect(await broker.stop()).toBe(0);
    await broker.start();
    const consumed = await runOk(kcat(broker, ["-C", "-t", "restart", "-p", "0", "-o", "beginning", "-e", "-f", "%s\n"]), {
      timeoutMs: 30_000,
    });
    assertSameBytes(consumed.stdout, Buffer.from(lines), "kcat read after a clean restart");
  }, 60_000);

  for (const fsync of ["always", "never"]) {
    test(`every record acknowledged with acks=all survives SIGKILL (fsync "${fsync}")`, async () => {
      await crashAndRecover(fsync);
    }, 120_000);
  }
});
