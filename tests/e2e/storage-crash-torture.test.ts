// Crash torture: 30 cycles of {kafkajs producers with acks=all on three partitions, SIGKILL of
// the broker at a random moment, restart on the same data}. Afterwards, with the broker stopped:
// verifyPartitionDir finds no problem in any partition (CRCs, offsets, indexes, checkpoints), and
// every acknowledged record is in the log exactly once, at the offset the broker acknowledged.
// Then a hand-corrupted tail (a flipped byte in one partition, a cut-off batch in another) is
// truncated by recovery and reported in the broker's log. Last, a compacted topic is killed
// again and again while its cleaner runs every 50 ms: its segments must verify (offset gaps
// only where compacted) and hold the latest acknowledged value of every key.

import { afterAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { Kafka, logLevel, type Producer } from "kafkajs";
import { decodeRecordBatches } from "../../src/records/record-batch.ts";
import { FileLog } from "../../src/storage/file-log.ts";
import { verifyPartitionDir } from "../../src/storage/verify.ts";
import { type Broker, eventually, startBroker } from "./harness.ts";
import { letRealTimePass } from "../support/wait.ts";

const cycles = 30;
const partitionCount = 3;
const topic = "torture";
/** Producing time before the kill, drawn uniformly from this range. */
const killAfterMsMin = 50;
const killAfterMsMax = 700;
const recordsPerSend = 20;

let broker: Broker | undefined;

afterAll(async () => {
  await broker?.cleanup();
}, 30_000);

/** Deterministic pseudo-random numbers, so a failing run can be replayed from its seed. */
function random(state: { seed: number }): number {
  state.seed = (state.seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return state.seed / 2 ** 31;
}

/** offset -> value acknowledged, per partition. */
type Acknowledged = Array<Map<number, string>>;

async function produceUntilKilled(producer: Producer, partition: number, cycle: number, acknowledged: Map<number, string>): Promise<number> {
  let sends = 0;
  for (let sequence = 0; ; sequence++) {
    const values = Array.from({ length: recordsPerSend }, (_, n) => `c${cycle}-p${partition}-s${sequence}-r${n}-${"v".repeat((sequence * 7 + n) % 120)}`);
    try {
      const [result] = await producer.send({ topic, acks: -1, messages: values.map((value) => ({ partition, value })) });
      if (result.errorCode !== 0) return sends;
      values.forEach((value, n) => acknowledged.set(Number(result.baseOffset) + n, value));
      sends++;
    } catch {
      return sends;
    }
  }
}

async function cycle(number: number, state: { seed: number }, acknowledged: Acknowledged): Promise<void> {
  const running = broker!;
  const kafka = new Kafka({ brokers: [running.bootstrap], clientId: `torture-${number}`, logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 1000, requestTimeout: 5000 });
  const producers = Array.from({ length: partitionCount }, () => kafka.producer({ allowAutoTopicCreation: false }));
  await Promise.all(producers.map((producer) => producer.connect()));
  const streams = producers.map((producer, partition) => produceUntilKilled(producer, partition, number, acknowledged[partition]));
  await letRealTimePass(killAfterMsMin + random(state) * (killAfterMsMax - killAfterMsMin), "the producers stream until a seeded random moment, when the broker is killed");
  await running.kill9();
  await Promise.all(streams);
  await Promise.all(producers.map((producer) => producer.disconnect().catch(() => undefined)));
  await running.start();
}

/** Every record of a partition directory, read through a FileLog (which recovers it first). */
async function storedRecords(dir: string): Promise<Map<number, string>> {
  const log = await FileLog.open(dir, { fsync: "never" });
  const stored = new Map<number, string>();
  const decoder = new TextDecoder();
  try {
    for (let offset = log.logStartOffset; offset < log.highWatermark; ) {
      const batches = decodeRecordBatches((await log.read(offset, 1 << 20)).bytes);
      for (const batch of batches) {
        for (const record of batch.records) {
          if (stored.has(record.offset)) throw new Error(`Offset ${record.offset} appears twice in "${dir}"`);
          stored.set(record.offset, decoder.decode(record.value!));
        }
        offset = batch.header.baseOffset + batch.header.lastOffsetDelta + 1;
      }
    }
  } finally {
    await log.close();
  }
  return stored;
}

function partitionDir(dataDir: string, partition: number): string {
  return path.join(dataDir, "topics", topic, String(partition));
}

describe("crash torture", () => {
  test(`${cycles} SIGKILLs mid-produce lose no acknowledged record and leave every segment verifiable`, async () => {
    const seed = Number(process.env.CHRONIK_TORTURE_SEED ?? Date.now() % 1_000_000);
    const state = { seed };
    broker = await startBroker({ args: ["--segment-bytes", "32KiB"] });
    const setup = new Kafka({ brokers: [broker.bootstrap], clientId: "torture-setup", logLevel: logLevel.NOTHING });
    const admin = setup.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: partitionCount }], waitForLeaders: true });
    await admin.disconnect();

    const acknowledged: Acknowledged = Array.from({ length: partitionCount }, () => new Map());
    for (let number = 0; number < cycles; number++) await cycle(number, state, acknowledged);
    expect(await broker.stop()).toBe(0);

    const context = `(seed ${seed}; replay with CHRONIK_TORTURE_SEED=${seed})`;
    const total = acknowledged.reduce((sum, map) => sum + map.size, 0);
    expect(total).toBeGreaterThan(cycles * 100);
    for (let partition = 0; partition < partitionCount; partition++) {
      const dir = partitionDir(broker.dataDir, partition);
      expect({ partition, problems: verifyPartitionDir(dir) }).toEqual({ partition, problems: [] });
      const stored = await storedRecords(dir);
      const seen = new Set<string>();
      for (const value of stored.values()) {
        if (seen.has(value)) throw new Error(`Value "${value.slice(0, 40)}" is stored twice in partition ${partition} ${context}`);
        seen.add(value);
      }
      for (const [offset, value] of acknowledged[partition]) {
        if (stored.get(offset) !== value) {
          throw new Error(`Partition ${partition} offset ${offset}: stored ${JSON.stringify(stored.get(offset)?.slice(0, 40))}, acknowledged ${JSON.stringify(value.slice(0, 40))} ${context}`);
        }
      }
    }
  }, 180_000);

  test("a flipped byte and a cut-off batch at the tail are truncated on recovery and reported", async () => {
    const running = broker!;
    const flipped = partitionDir(running.dataDir, 0);
    const cut = partitionDir(running.dataDir, 1);
    // The last segment holding data: a roll at the end of the torture may have left an empty one after it.
    const lastLog = (dir: string) =>
      fs
        .readdirSync(dir)
        .filter((name) => name.endsWith(".log"))
        .sort()
        .map((name) => path.join(dir, name))
        .filter((file) => fs.statSync(file).size > 0)
        .at(-1)!;
    const before = await Promise.all([storedRecords(flipped), storedRecords(cut)]);

    const flippedFile = lastLog(flipped);
    const bytes = fs.readFileSync(flippedFile);
    bytes[bytes.length - 5] ^= 0x5a;
    fs.writeFileSync(flippedFile, bytes);
    const cutFile = lastLog(cut);
    fs.truncateSync(cutFile, fs.statSync(cutFile).size - 7);
    // The recovery point says these segments are clean: forget it, as a crash mid-write would.
    for (const dir of [flipped, cut]) fs.rmSync(path.join(dir, "recovery-point"));

    await running.start();
    expect(await running.stop()).toBe(0);
    expect(running.log).toMatch(/Recovered "[^"]*torture\/0": truncated \d+ bytes at position \d+ \(offset \d+\) of "\d{20}\.log": CRC mismatch/);
    expect(running.log).toMatch(/Recovered "[^"]*torture\/1": truncated \d+ bytes at position \d+ \(offset \d+\) of "\d{20}\.log": torn batch/);
    for (const [n, dir] of [flipped, cut].entries()) {
      expect(verifyPartitionDir(dir)).toEqual([]);
      const after = await storedRecords(dir);
      // Only the damaged last batch is gone; everything before it is intact.
      expect(after.size).toBeLessThan(before[n].size);
      expect(after.size).toBeGreaterThan(before[n].size - 100);
      for (const [offset, value] of after) expect(before[n].get(offset)).toBe(value);
    }
  }, 60_000);

  test("SIGKILLs while a compacted topic is being cleaned keep the latest acknowledged value of every key", async () => {
    const compactedTopic = "torture-compacted";
    const keys = 50;
    const state = { seed: 42 };
    const killed = await startBroker({ args: ["--segment-bytes", "8KiB", "--retention-check-interval", "50ms", "--log-cleaner-backoff", "50ms"] });
    try {
      const setup = new Kafka({ brokers: [killed.bootstrap], clientId: "torture-compacted-setup", logLevel: logLevel.NOTHING });
      const admin = setup.admin();
      await admin.connect();
      const configEntries = [{ name: "cleanup.policy", value: "compact" }, { name: "min.cleanable.dirty.ratio", value: "0.01" }];
      await admin.createTopics({ topics: [{ topic: compactedTopic, numPartitions: 1, configEntries }], waitForLeaders: true });
      await admin.disconnect();

      /** key -> [offset, value] of its latest acknowledged record. */
      const latest = new Map<string, [number, string]>();
      for (let number = 0; number < 10; number++) {
        const kafka = new Kafka({ brokers: [killed.bootstrap], clientId: `torture-compacted-${number}`, logLevel: logLevel.NOTHING, retry: { retries: 0 }, requestTimeout: 5000 });
        const producer = kafka.producer({ allowAutoTopicCreation: false });
        await producer.connect();
        let stop = false;
        const streaming = (async () => {
          for (let sequence = 0; !stop; sequence++) {
            const messages = Array.from({ length: 10 }, (_, n) => ({ key: `key-${(sequence * 10 + n) % keys}`, value: `c${number}-s${sequence}-r${n}`.padEnd(80, "x") }));
            try {
              const [result] = await producer.send({ topic: compactedTopic, acks: -1, messages });
              messages.forEach((message, n) => latest.set(message.key, [Number(result.baseOffset) + n, message.value]));
            } catch {
              return;
            }
          }
        })();
        await letRealTimePass(200 + random(state) * 600, "the producer streams until a seeded random moment, when the broker is killed");
        await killed.kill9();
        stop = true;
        await streaming;
        await producer.disconnect().catch(() => undefined);
        await killed.start();
      }
      // Once the cleaner has checkpointed a pass, stop cleanly.
      const dir = path.join(killed.dataDir, "topics", compactedTopic, "0");
      const cleanerOffset = path.join(dir, "cleaner-offset");
      const compactedBelow = () => (fs.existsSync(cleanerOffset) ? Number(fs.readFileSync(cleanerOffset, "utf8").split("\n")[1]) : 0);
      await eventually(() => compactedBelow() > 0, "a compaction pass checkpointed in cleaner-offset", { waitMs: 15_000 });
      expect(await killed.stop()).toBe(0);

      expect(verifyPartitionDir(dir)).toEqual([]);
      expect(compactedBelow()).toBeGreaterThan(0);
      const stored = await storedRecords(dir);
      // The last value stored for each key is the last one acknowledged (or one sent later whose answer the kill lost).
      const lastStored = new Map<string, [number, string]>();
      const log = await FileLog.open(dir, { fsync: "never" });
      try {
        for (let offset = log.logStartOffset; offset < log.highWatermark; ) {
          const batches = decodeRecordBatches((await log.read(offset, 1 << 20)).bytes);
          for (const batch of batches) {
            for (const record of batch.records) lastStored.set(new TextDecoder().decode(record.key!), [record.offset, new TextDecoder().decode(record.value!)]);
            offset = batch.header.baseOffset + batch.header.lastOffsetDelta + 1;
          }
        }
      } finally {
        await log.close();
      }
      expect(stored.size).toBeLessThan(Math.max(...[...latest.values()].map(([offset]) => offset)) + 1);
      for (const [key, [offset, value]] of latest) {
        const [storedOffset, storedValue] = lastStored.get(key) ?? [-1, "<missing>"];
        expect(storedOffset).toBeGreaterThanOrEqual(offset);
        if (storedOffset === offset) expect(storedValue).toBe(value);
      }
    } finally {
      await killed.cleanup();
    }
  }, 120_000);
});
