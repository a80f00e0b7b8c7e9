// Batches whose header max timestamp is -1 while every record carries a real CreateTime, as
// sarama up to 1.22 sends them (built here byte for byte and sent in a raw Produce, since no
// client at hand writes them). The broker must compute the max timestamp from the records, as
// Kafka's log validator does: with retention.ms=1h and a retention check every 200 ms, the
// records stay; `chronik inspect` shows the true max timestamp of each batch; ListOffsets by
// time finds them. One batch is uncompressed, one gzip-compressed.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type Admin, Kafka, logLevel } from "kafkajs";
import { Connection, defaultConnectionOptions } from "../../src/client/connection.ts";
import { silentLogger } from "../../src/logger.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { ListOffsets } from "../../src/protocol/messages/list-offsets.ts";
import { Produce } from "../../src/protocol/messages/produce.ts";
import { BatchField, resealBatchCrc } from "../../src/records/batch-header.ts";
import { buildRecordBatch } from "../../src/records/build-batch.ts";
import { CompressionCodec } from "../../src/records/compression/index.ts";
import { type Broker, chronikCommand, eventually, runOk, startBroker } from "./harness.ts";

const hourMs = 60 * 60 * 1000;
const topic = "old-sarama";
const canary = "retention-canary";

let broker: Broker;
let admin: Admin;
let kafka: Kafka;
let connection: Connection;

beforeAll(async () => {
  broker = await startBroker({ args: ["--retention-check-interval", "200ms"] });
  kafka = new Kafka({ brokers: [broker.bootstrap], clientId: "e2e-timestamps", logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  admin = kafka.admin();
  await admin.connect();
  connection = await Connection.open({ host: broker.host, port: broker.port }, { ...defaultConnectionOptions, logger: silentLogger });
}, 30_000);

afterAll(async () => {
  connection?.close();
  await admin?.disconnect();
  await broker?.cleanup();
}, 30_000);

/** A v2 batch whose records carry `timestamps`, with its header maxTimestamp set to -1 (CRC resealed). */
function batchWithoutMaxTimestamp(timestamps: number[], compression: CompressionCodec): Uint8Array {
  const batch = buildRecordBatch({ records: timestamps.map((timestamp, i) => ({ value: `record ${i}`, timestamp })), compression });
  new DataView(batch.buffer, batch.byteOffset, batch.byteLength).setBigInt64(BatchField.maxTimestamp, -1n);
  resealBatchCrc(batch, 0, batch.length);
  return batch;
}

async function produceRaw(records: Uint8Array): Promise<void> {
  const response = await connection.request(Produce, { acks: -1, timeoutMs: 10_000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] });
  expect(response.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NONE);
}

async function offsetAt(name: string, timestamp: number): Promise<{ offset: number; timestamp: number }> {
  const response = await connection.request(ListOffsets, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name, partitions: [{ partitionIndex: 0, timestamp }] }],
  });
  const partition = response.topics[0].partitions[0];
  expect(partition.errorCode).toBe(ErrorCode.NONE);
  return { offset: partition.offset ?? -1, timestamp: partition.timestamp ?? -1 };
}

/** Produces an expired record to the canary topic and waits until retention deleted it: proof that a retention round ran since. */
async function retentionRoundPassed(): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: canary, acks: -1, messages: [{ value: "expired", timestamp: String(Date.now() - 2 * hourMs) }] });
  await producer.disconnect();
  const { offset: end } = await offsetAt(canary, -1);
  await eventually(async () => (await offsetAt(canary, -2)).offset === end, `retention to delete the canary record below offset ${end}`, { waitMs: 15_000 });
}

describe("max timestamp computed from the records", () => {
  test("a batch with header max timestamp -1 keeps its records under retention.ms=1h, and is found by time", async () => {
    const configEntries = [{ name: "retention.ms", value: String(hourMs) }];
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries }, { topic: canary, numPartitions: 1, configEntries }], waitForLeaders: true });

    const base = Date.now() - 60_000;
    // The largest timestamp is in the middle of each batch: only the records know it.
    const plain = [base, base + 5, base + 2, base + 1, base + 3];
    const gzipped = [base + 10, base + 20, base + 12, base + 11, base + 13];
    await produceRaw(batchWithoutMaxTimestamp(plain, CompressionCodec.none));
    await produceRaw(batchWithoutMaxTimestamp(gzipped, CompressionCodec.gzip));

    // Two rounds: the second one started after the first had ended, so after both produces.
    await retentionRoundPassed();
    await retentionRoundPassed();
    expect(await offsetAt(topic, -2)).toMatchObject({ offset: 0 });
    expect(await offsetAt(topic, -1)).toMatchObject({ offset: 10 });

    expect(await offsetAt(topic, base + 3)).toEqual({ offset: 1, timestamp: base + 5 });
    expect(await offsetAt(topic, base + 15)).toEqual({ offset: 6, timestamp: base + 20 });
    expect(await offsetAt(topic, base + 21)).toEqual({ offset: -1, timestamp: -1 });

    const inspected = await runOk([...chronikCommand(), "inspect", join(broker.dataDir, "topics", topic, "0")], { timeoutMs: 30_000 });
    const batchLines = inspected.stdout.toString("utf8").split("\n").filter((line) => line.startsWith("baseOffset:"));
    expect(batchLines).toHaveLength(2);
    expect(batchLines[0]).toContain(`CreateTime: ${base + 5} `);
    expect(batchLines[0]).toContain("isvalid: true");
    expect(batchLines[1]).toContain(`CreateTime: ${base + 20} `);
    expect(batchLines[1]).toContain("isvalid: true");
  }, 60_000);
});
