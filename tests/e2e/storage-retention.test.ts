// Retention, DeleteRecords and compaction through real clients. The broker runs its retention
// and compaction checks every 200 ms; topics set their own configs at creation (kafkajs admin).
// - retention.ms: records with old timestamps expire, the log start offset moves, ListOffsets
//   earliest follows and a fetch below it gets OFFSET_OUT_OF_RANGE (kcat with
//   auto.offset.reset=error);
// - DeleteRecords from kafkajs (admin.deleteTopicRecords) and @platformatic/kafka (deleteRecords);
//   kafka-python 2.0.2 and confluent-kafka 1.7.0 have no DeleteRecords call;
// - compaction: kcat produces keyed records and tombstones; kcat reading from the start sees one
//   record per key with its latest value, and the tombstones vanish after delete.retention.ms.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Admin as PlatformaticAdmin } from "@platformatic/kafka";
import { type Admin, Kafka, logLevel } from "kafkajs";
import { type Broker, eventually, kcat, run, runOk, startBroker } from "./harness.ts";

let broker: Broker;
let kafka: Kafka;
let admin: Admin;

beforeAll(async () => {
  broker = await startBroker({ args: ["--retention-check-interval", "200ms", "--log-cleaner-backoff", "200ms"] });
  kafka = new Kafka({ brokers: [broker.bootstrap], clientId: "e2e-storage", logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  admin = kafka.admin();
  await admin.connect();
}, 30_000);

afterAll(async () => {
  await admin?.disconnect();
  await broker?.cleanup();
}, 30_000);

async function createTopic(topic: string, configs: Record<string, string>): Promise<void> {
  const configEntries = Object.entries(configs).map(([name, value]) => ({ name, value }));
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries }], waitForLeaders: true });
}

async function produceValues(topic: string, values: string[], timestamp: number): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  for (let at = 0; at < values.length; at += 50) {
    const messages = values.slice(at, at + 50).map((value) => ({ value, timestamp: String(timestamp) }));
    await producer.send({ topic, acks: -1, messages });
  }
  await producer.disconnect();
}

async function offsets(topic: string): Promise<{ low: number; high: number }> {
  const [partition] = await admin.fetchTopicOffsets(topic);
  return { low: Number(partition.low), high: Number(partition.high) };
}

/** How the checks below wait: the broker runs retention and compaction every 200 ms. */
const retentionWait = { waitMs: 15_000, pollMs: 100, detail: () => `Broker log:\n${broker.log.slice(-3000)}` };

/** kcat reads the partition from the start: [offset, key, value or null]. */
async function readAll(topic: string): Promise<Array<[number, string, string | null]>> {
  const result = await runOk(kcat(broker, ["-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-f", "%o|%k|%S|%s\n"]), { timeoutMs: 30_000 });
  return result.stdout
    .toString("utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const [offset, key, size, ...value] = line.split("|");
      return [Number(offset), key, size === "-1" ? null : value.join("|")];
    });
}

describe("retention", () => {
  test("retention.ms deletes expired segments; earliest follows; a fetch below the start is OFFSET_OUT_OF_RANGE", async () => {
    await createTopic("retained", { "retention.ms": "60000", "segment.bytes": "2048" });
    const values = Array.from({ length: 200 }, (_, n) => `expired-${n}-${"x".repeat(40)}`);
    await produceValues("retained", values, Date.now() - 3_600_000);
    await produceValues("retained", ["fresh-0", "fresh-1"], Date.now());
    const moved = async () => {
      const current = await offsets("retained");
      return current.low > 150 ? current : null;
    };
    const { low, high } = await eventually(moved, "the log start offset to move", retentionWait);
    expect(high).toBe(202);
    // Whole segments go: the fresh records and the segment holding them stay.
    const stored = await readAll("retained");
    expect(stored.at(-1)?.[2]).toBe("fresh-1");
    expect(stored[0][0]).toBeGreaterThanOrEqual(low - 100);
    const below = await run(kcat(broker, ["-C", "-t", "retained", "-p", "0", "-o", "0", "-e", "-X", "auto.offset.reset=error"]), { timeoutMs: 20_000 });
    expect(below.stderr).toContain("Offset out of range");
  }, 60_000);

  test("retention.bytes keeps a partition near its limit", async () => {
    await createTopic("bounded", { "retention.bytes": "8192", "segment.bytes": "2048" });
    await produceValues("bounded", Array.from({ length: 400 }, (_, n) => `bounded-${n}-${"y".repeat(60)}`), Date.now());
    const trimmed = async () => {
      const current = await offsets("bounded");
      return current.low > 0 ? current : null;
    };
    const { low } = await eventually(trimmed, "retention.bytes to delete segments", retentionWait);
    const stored = await readAll("bounded");
    // A later retention pass may trim more while this reads: the read starts at a log start
    // offset between the one seen and the one after the read.
    const after = await offsets("bounded");
    expect(stored.length).toBeLessThan(400);
    expect(stored[0][0]).toBeGreaterThanOrEqual(low);
    expect(stored[0][0]).toBeLessThanOrEqual(after.low);
    expect(stored.at(-1)?.[2]).toBe(`bounded-399-${"y".repeat(60)}`);
  }, 60_000);
});

describe("DeleteRecords", () => {
  test("kafkajs admin.deleteTopicRecords moves the log start; kcat reads from there", async () => {
    await createTopic("trimmed", {});
    await produceValues("trimmed", Array.from({ length: 100 }, (_, n) => `v${n}`), Date.now());
    // kafkajs finds partition leaders in its metadata cache only: load the topic into it first.
    await admin.fetchTopicMetadata({ topics: ["trimmed"] });
    await admin.deleteTopicRecords({ topic: "trimmed", partitions: [{ partition: 0, offset: "60" }] });
    expect(await offsets("trimmed")).toEqual({ low: 60, high: 100 });
    const stored = await readAll("trimmed");
    expect(stored.map(([offset]) => offset)).toEqual(Array.from({ length: 40 }, (_, n) => 60 + n));
  }, 60_000);

  test("@platformatic/kafka deleteRecords answers the new low watermark", async () => {
    await createTopic("trimmed-platformatic", {});
    await produceValues("trimmed-platformatic", Array.from({ length: 30 }, (_, n) => `p${n}`), Date.now());
    const platformatic = new PlatformaticAdmin({ clientId: "e2e-storage-platformatic", bootstrapBrokers: [broker.bootstrap], retries: 2 });
    try {
      const result = await platformatic.deleteRecords({ topics: [{ name: "trimmed-platformatic", partitions: [{ partition: 0, offset: 25n }] }] });
      expect(result).toEqual([{ name: "trimmed-platformatic", partitions: [{ partition: 0, lowWatermark: 25n }] }]);
    } finally {
      await platformatic.close();
    }
    expect((await offsets("trimmed-platformatic")).low).toBe(25);
  }, 60_000);
});

describe("compaction", () => {
  const keys = 40;
  const rounds = 12;
  const tombstoned = ["key-0", "key-1", "key-2"];

  async function produceKeyed(lines: string[]): Promise<void> {
    await runOk(kcat(broker, ["-P", "-t", "table", "-p", "0", "-K", ":", "-Z", "-X", "acks=all"]), { stdin: lines.map((line) => `${line}\n`).join(""), timeoutMs: 30_000 });
  }

  /** One record per key in what kcat reads, or null while duplicates remain. */
  function latestPerKey(stored: Array<[number, string, string | null]>): Map<string, string | null> | null {
    const latest = new Map<string, string | null>();
    for (const [, key, value] of stored) {
      if (key.startsWith("roll-")) continue;
      if (latest.has(key)) return null;
      latest.set(key, value);
    }
    return latest;
  }

  test("kcat reading a compacted topic from the start sees the latest value per key; tombstones go after delete.retention.ms", async () => {
    await createTopic("table", { "cleanup.policy": "compact", "segment.ms": "300", "min.cleanable.dirty.ratio": "0.01", "delete.retention.ms": "2500" });
    const lines: string[] = [];
    for (let round = 0; round < rounds; round++) for (let key = 0; key < keys; key++) lines.push(`key-${key}:round-${round}-of-key-${key}`);
    await produceKeyed(lines);
    await produceKeyed(tombstoned.map((key) => `${key}:`));
    // The active segment is never compacted: a record produced once it is older than segment.ms
    // rolls it. Each check produces one, so the wait is for compaction, not for a guessed time.
    const compactedOnce = async () => {
      await produceKeyed(["roll-1:x"]);
      return latestPerKey(await readAll("table"));
    };
    const compacted = await eventually(compactedOnce, "compaction to leave one record per key", retentionWait);
    expect(compacted.size).toBe(keys);
    for (let key = 0; key < keys; key++) {
      const name = `key-${key}`;
      expect(compacted.get(name)).toBe(tombstoned.includes(name) ? null : `round-${rounds - 1}-of-key-${key}`);
    }

    // Once delete.retention.ms has passed, a pass over new, rolled dirty data drops the tombstones.
    const tombstonesGone = async () => {
      await produceKeyed(["roll-2:y"]);
      const latest = latestPerKey(await readAll("table"));
      return latest && tombstoned.every((key) => !latest.has(key)) ? latest : null;
    };
    const withoutTombstones = await eventually(tombstonesGone, "tombstones to be removed", retentionWait);
    expect(withoutTombstones.size).toBe(keys - tombstoned.length);
    const stored = await readAll("table");
    expect(stored.at(-1)?.[1]).toBe("roll-2");
    expect(broker.log).toContain("Compacted");
  }, 60_000);
});
