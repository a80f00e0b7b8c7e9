// Compaction on its own cadence (log.cleaner.backoff.ms), as Kafka's cleaner thread: with the
// retention check an hour away and a cleaner backoff of 200 ms, a compacted topic with
// min.cleanable.dirty.ratio=0.01 is compacted within seconds of its segments rolling. Before,
// compaction waited for the retention check (5 minutes by default).

import { afterAll, beforeAll, expect, test } from "bun:test";
import fs from "node:fs";
import { join } from "node:path";
import { type Admin, Kafka, logLevel } from "kafkajs";
import { type Broker, eventually, kcat, runOk, startBroker } from "./harness.ts";

const topic = "cadence";
const keys = 10;
const rounds = 20;

let broker: Broker;
let kafka: Kafka;
let admin: Admin;

beforeAll(async () => {
  broker = await startBroker({ args: ["--retention-check-interval", "1h", "--log-cleaner-backoff", "200ms"] });
  kafka = new Kafka({ brokers: [broker.bootstrap], clientId: "e2e-cleaner", logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  admin = kafka.admin();
  await admin.connect();
}, 30_000);

afterAll(async () => {
  await admin?.disconnect();
  await broker?.cleanup();
}, 30_000);

/** kcat reads the partition from the start: [key, value]. */
async function readAll(): Promise<Array<[string, string]>> {
  const result = await runOk(kcat(broker, ["-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-f", "%k|%s\n"]), { timeoutMs: 30_000 });
  return result.stdout
    .toString("utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => line.split("|") as [string, string]);
}

test("a compacted topic past its dirty ratio is compacted every --log-cleaner-backoff, not at the retention check", async () => {
  const configEntries = Object.entries({ "cleanup.policy": "compact", "min.cleanable.dirty.ratio": "0.01", "segment.bytes": "1024" }).map(([name, value]) => ({ name, value }));
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries }], waitForLeaders: true });
  // One batch per round, so that segments roll (a segment rolls at the append that would pass segment.bytes).
  const producer = kafka.producer();
  await producer.connect();
  for (let round = 0; round < rounds; round++) {
    const messages = Array.from({ length: keys }, (_, key) => ({ key: `key-${key}`, value: `round-${round}-of-key-${key}` }));
    await producer.send({ topic, acks: -1, messages });
  }
  await producer.disconnect();

  const cleanerOffset = join(broker.dataDir, "topics", topic, "0", "cleaner-offset");
  await eventually(async () => fs.existsSync(cleanerOffset), "a compaction pass to checkpoint cleaner-offset", { waitMs: 15_000 });
  const stored = await readAll();
  expect(stored.length).toBeLessThan(keys * rounds);
  // Every key's last record is still its latest value.
  const latest = new Map(stored);
  for (let key = 0; key < keys; key++) expect(latest.get(`key-${key}`)).toBe(`round-${rounds - 1}-of-key-${key}`);
  expect(broker.log).toContain("Compacted");
}, 60_000);
