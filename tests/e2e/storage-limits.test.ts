// Per-topic limits set at creation through kafkajs admin, exercised with kafkajs producers and
// checked on disk and with kcat: max.message.bytes (MESSAGE_TOO_LARGE), segment.bytes and
// segment.ms (segment files rolled), message.timestamp.type=LogAppendTime (kcat sees the
// broker's time), message.timestamp.difference.max.ms (INVALID_TIMESTAMP).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { type Admin, Kafka, logLevel, type Producer } from "kafkajs";
import { type Broker, eventually, kcat, runOk, startBroker } from "./harness.ts";

let broker: Broker;
let kafka: Kafka;
let admin: Admin;
let producer: Producer;

beforeAll(async () => {
  broker = await startBroker();
  kafka = new Kafka({ brokers: [broker.bootstrap], clientId: "e2e-limits", logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
}, 30_000);

afterAll(async () => {
  await producer?.disconnect();
  await admin?.disconnect();
  await broker?.cleanup();
}, 30_000);

async function createTopic(topic: string, configs: Record<string, string>): Promise<void> {
  const configEntries = Object.entries(configs).map(([name, value]) => ({ name, value }));
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries }], waitForLeaders: true });
}

/** The Kafka error type of a failed send, or "none". */
async function sendError(topic: string, value: string, timestamp = Date.now()): Promise<string> {
  try {
    await producer.send({ topic, acks: -1, messages: [{ value, timestamp: String(timestamp) }] });
    return "none";
  } catch (error) {
    const failure = error as { type?: string; cause?: { type?: string }; message: string };
    return failure.type ?? failure.cause?.type ?? failure.message;
  }
}

function segmentFiles(topic: string): string[] {
  return fs.readdirSync(path.join(broker.dataDir, "topics", topic, "0")).filter((name) => name.endsWith(".log"));
}

describe("per-topic limits", () => {
  test("max.message.bytes refuses a larger batch with MESSAGE_TOO_LARGE", async () => {
    await createTopic("small-batches", { "max.message.bytes": "2000" });
    expect(await sendError("small-batches", "x".repeat(5000))).toBe("MESSAGE_TOO_LARGE");
    expect(await sendError("small-batches", "x".repeat(100))).toBe("none");
  }, 30_000);

  test("segment.bytes rolls segments at the topic's size", async () => {
    await createTopic("small-segments", { "segment.bytes": "4096" });
    for (let n = 0; n < 60; n++) expect(await sendError("small-segments", `${n}-` + "s".repeat(300))).toBe("none");
    const files = segmentFiles("small-segments");
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const name of files) expect(fs.statSync(path.join(broker.dataDir, "topics", "small-segments", "0", name)).size).toBeLessThanOrEqual(4096);
  }, 30_000);

  test("segment.ms rolls a segment once it is older than the topic's age", async () => {
    const createdAtMs = Date.now();
    await createTopic("aging", { "segment.ms": "200" });
    expect(await sendError("aging", "first")).toBe("none");
    // Each check produces a record; the first one produced once the segment is older than 200 ms rolls it.
    const rolled = async () => {
      expect(await sendError("aging", "later")).toBe("none");
      return segmentFiles("aging").length === 2;
    };
    await eventually(rolled, "a record produced past segment.ms rolls the segment", { waitMs: 10_000 });
    expect(Date.now() - createdAtMs).toBeGreaterThanOrEqual(200);
  }, 30_000);

  test("message.timestamp.type=LogAppendTime replaces the producer's timestamp with the broker's", async () => {
    await createTopic("stamped", { "message.timestamp.type": "LogAppendTime" });
    const startedMs = Date.now();
    expect(await sendError("stamped", "when?", 1000)).toBe("none");
    const read = await runOk(kcat(broker, ["-C", "-t", "stamped", "-o", "beginning", "-e", "-f", "%T|%s\n"]), { timeoutMs: 20_000 });
    const [timestamp, value] = read.stdout.toString("utf8").trim().split("|");
    expect(value).toBe("when?");
    expect(Number(timestamp)).toBeGreaterThanOrEqual(startedMs - 1000);
  }, 30_000);

  test("message.timestamp.difference.max.ms refuses a timestamp too far from the broker's clock with INVALID_TIMESTAMP", async () => {
    await createTopic("strict-time", { "message.timestamp.difference.max.ms": "60000" });
    expect(await sendError("strict-time", "stale", Date.now() - 3_600_000)).toBe("INVALID_TIMESTAMP");
    expect(await sendError("strict-time", "future", Date.now() + 3_600_000)).toBe("INVALID_TIMESTAMP");
    expect(await sendError("strict-time", "now")).toBe("none");
  }, 30_000);
});
