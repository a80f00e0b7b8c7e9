// kcat (librdkafka 2.x) against chronik: produce 10,000 lines per compression codec and read them
// back byte for byte with their offsets; list metadata of a 3-partition topic; keyed records over
// 3 partitions keep per-partition order.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Kafka, logLevel } from "kafkajs";
import { join } from "node:path";
import { assertSameBytes, type Broker, chronikCommand, kcat, runOk, startBroker, variedValue } from "./harness.ts";

const recordCount = 10_000;
const codecs = ["none", "gzip", "snappy", "lz4", "zstd"] as const;
const keyDelimiter = "\t";
const commandTimeoutMs = 30_000;

let broker: Broker;

beforeAll(async () => {
  broker = await startBroker();
}, 30_000);

afterAll(async () => {
  await broker?.cleanup();
}, 30_000);

/** Every third line carries a key; the rest have none (kcat then sends a null key). */
function keyFor(index: number): string | undefined {
  return index % 3 === 0 ? `key-${index % 1000}` : undefined;
}

function inputLines(count: number): string {
  let text = "";
  for (let index = 0; index < count; index++) {
    const key = keyFor(index);
    text += key === undefined ? `${variedValue(index)}\n` : `${key}${keyDelimiter}${variedValue(index)}\n`;
  }
  return text;
}

describe("kcat", () => {
  for (const codec of codecs) {
    test(`produce and consume ${recordCount} records with compression "${codec}"`, async () => {
      const topic = `t-${codec}`;
      await runOk(kcat(broker, ["-P", "-t", topic, "-p", "0", "-z", codec, "-K", keyDelimiter, "-X", "acks=all"]), {
        stdin: inputLines(recordCount),
        timeoutMs: commandTimeoutMs,
      });
      const consumed = await runOk(
        kcat(broker, ["-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-f", "%p:%o:%k\t%s\n"]),
        { timeoutMs: commandTimeoutMs },
      );
      let expected = "";
      for (let index = 0; index < recordCount; index++) {
        expected += `0:${index}:${keyFor(index) ?? ""}\t${variedValue(index)}\n`;
      }
      assertSameBytes(consumed.stdout, Buffer.from(expected), `kcat consume of "${topic}"`);
      // The batches were stored as librdkafka compressed them (it silently sends uncompressed
      // batches to a broker whose Produce range starts above v0). librdkafka also sends a batch
      // uncompressed when compressing would make it larger, which happens to the odd tiny batch
      // on a loaded machine, so the codec must carry nearly all records rather than all batches.
      const inspected = await runOk([...chronikCommand(), "inspect", "--format", "json", join(broker.dataDir, "topics", topic, "0")], {
        timeoutMs: commandTimeoutMs,
      });
      const batches = inspected.stdout.toString().trim().split("\n").map((line) => JSON.parse(line) as { compresscodec: string; count: number });
      const recordsWithCodec = batches.filter((batch) => batch.compresscodec === codec).reduce((sum, batch) => sum + batch.count, 0);
      expect(recordsWithCodec).toBeGreaterThanOrEqual(recordCount * 0.95);
      expect(batches.every((batch) => batch.compresscodec === codec || batch.compresscodec === "none")).toBe(true);
    }, 120_000);
  }

  test("consume from an absolute offset and with a count", async () => {
    const topic = "t-offsets";
    await runOk(kcat(broker, ["-P", "-t", topic, "-p", "0"]), { stdin: inputLines(100).replaceAll("\t", " "), timeoutMs: commandTimeoutMs });
    const consumed = await runOk(kcat(broker, ["-C", "-t", topic, "-p", "0", "-o", "42", "-c", "5", "-f", "%o %s\n"]), {
      timeoutMs: commandTimeoutMs,
    });
    const expected = [42, 43, 44, 45, 46]
      .map((index) => `${index} ${(keyFor(index) === undefined ? "" : `${keyFor(index)} `) + variedValue(index)}\n`)
      .join("");
    assertSameBytes(consumed.stdout, Buffer.from(expected), "kcat consume from offset 42");
  }, 120_000);

  test("-L lists a 3-partition topic created with CreateTopics", async () => {
    const topic = "t-three";
    const admin = new Kafka({ brokers: [broker.bootstrap], clientId: "e2e-kcat", logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true })).toBe(true);
    } finally {
      await admin.disconnect();
    }
    const listed = await runOk(kcat(broker, ["-L", "-J", "-t", topic]), { timeoutMs: commandTimeoutMs });
    const metadata = JSON.parse(listed.stdout.toString("utf8")) as {
      brokers: { id: number; name: string }[];
      topics: { topic: string; error?: string; partitions: { partition: number; leader: number; error?: string }[] }[];
    };
    expect(metadata.brokers.map((entry) => entry.name)).toEqual([broker.bootstrap]);
    expect(metadata.topics.length).toBe(1);
    const [listedTopic] = metadata.topics;
    expect(listedTopic.topic).toBe(topic);
    expect(listedTopic.error).toBeUndefined();
    expect(listedTopic.partitions.map((entry) => entry.partition).sort()).toEqual([0, 1, 2]);
    for (const partition of listedTopic.partitions) {
      expect(partition.error).toBeUndefined();
      expect(partition.leader).toBe(metadata.brokers[0].id);
    }
  }, 60_000);

  test("a topic with an empty partition reads to its end (empty record sets are valid)", async () => {
    const topic = "t-sparse";
    const admin = new Kafka({ brokers: [broker.bootstrap], clientId: "e2e-kcat", logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
    await runOk(kcat(broker, ["-P", "-t", topic, "-p", "1"]), { stdin: "first\nsecond\n", timeoutMs: commandTimeoutMs });
    const consumed = await runOk(kcat(broker, ["-C", "-t", topic, "-o", "beginning", "-e", "-f", "%p %o %s\n"]), {
      timeoutMs: commandTimeoutMs,
    });
    assertSameBytes(consumed.stdout, Buffer.from("1 0 first\n1 1 second\n"), `kcat consume of "${topic}"`);
  }, 60_000);

  test("keyed records over 3 partitions: same key, same partition, order kept", async () => {
    const topic = "t-three";
    const count = 3000;
    const lines: string[] = [];
    for (let index = 0; index < count; index++) lines.push(`k${index % 50}${keyDelimiter}v${index}`);
    await runOk(kcat(broker, ["-P", "-t", topic, "-K", keyDelimiter, "-z", "lz4"]), {
      stdin: lines.join("\n") + "\n",
      timeoutMs: commandTimeoutMs,
    });
    const partitionOfKey = new Map<string, number>();
    let total = 0;
    for (const partition of [0, 1, 2]) {
      const consumed = await runOk(
        kcat(broker, ["-C", "-t", topic, "-p", String(partition), "-o", "beginning", "-e", "-f", "%o\t%k\t%s\n"]),
        { timeoutMs: commandTimeoutMs },
      );
      const rows = consumed.stdout.toString("utf8").split("\n").filter((row) => row !== "");
      let previousValue = -1;
      rows.forEach((row, position) => {
        const [offset, key, value] = row.split("\t");
        expect(Number(offset)).toBe(position);
        expect(partitionOfKey.get(key) ?? partition).toBe(partition);
        partitionOfKey.set(key, partition);
        const valueIndex = Number(value.slice(1));
        expect(`${key}\t${value}`).toBe(lines[valueIndex]);
        expect(valueIndex).toBeGreaterThan(previousValue);
        previousValue = valueIndex;
      });
      total += rows.length;
    }
    expect(total).toBe(count);
    expect(new Set(partitionOfKey.values()).size).toBeGreaterThan(1);
  }, 120_000);
});
