// Disk full: the broker's data folder is a 3 MiB tmpfs made by the test (we run as root; without
// mount permission the test is skipped and says why). kafkajs produces with acks=all until the
// broker answers KAFKA_STORAGE_ERROR; then kcat must still read every acknowledged record; the
// tmpfs grows (remount) and produce must succeed again without a restart. After a clean stop,
// verifyPartitionDir finds no problem and every acknowledged record is in place.

import { afterAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Kafka, logLevel, type Producer } from "kafkajs";
import { verifyPartitionDir } from "../../src/storage/verify.ts";
import { type Broker, kcat, runOk, startBroker } from "./harness.ts";

const mountPoint = fs.mkdtempSync(path.join(os.tmpdir(), "chronik-disk-full-"));
const mount = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", mountPoint], { stderr: "pipe" });
const mounted = mount.exitCode === 0;
if (!mounted) {
  console.warn(`Skipping the disk-full test: cannot mount a tmpfs at "${mountPoint}": ${mount.stderr.toString().trim()}`);
}

const topic = "full";
const valueBytes = 8 * 1024;
const sendsMax = 2000;

let broker: Broker | undefined;

afterAll(async () => {
  await broker?.cleanup();
  if (mounted) Bun.spawnSync(["umount", mountPoint]);
  fs.rmSync(mountPoint, { recursive: true, force: true });
}, 30_000);

/** Sends one record at a time until the broker refuses one; returns what was acknowledged and the refusal. */
async function produceUntilRefused(producer: Producer, acknowledged: Map<number, string>, prefix: string): Promise<string> {
  for (let n = 0; n < sendsMax; n++) {
    const value = `${prefix}-${n}-` + "d".repeat(valueBytes);
    try {
      const [result] = await producer.send({ topic, acks: -1, messages: [{ partition: 0, value }] });
      acknowledged.set(Number(result.baseOffset), value);
    } catch (error) {
      // kafkajs wraps the broker's error once its (zero) retries are spent.
      const failure = error as { type?: string; cause?: { type?: string }; message: string };
      return failure.type ?? failure.cause?.type ?? failure.message;
    }
  }
  return "never refused";
}

async function readAll(running: Broker): Promise<Map<number, string>> {
  const result = await runOk(kcat(running, ["-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-f", "%o|%s\n"]), { timeoutMs: 30_000 });
  const stored = new Map<number, string>();
  for (const line of result.stdout.toString("utf8").split("\n")) {
    if (line === "") continue;
    const separator = line.indexOf("|");
    stored.set(Number(line.slice(0, separator)), line.slice(separator + 1));
  }
  return stored;
}

function expectAllPresent(stored: Map<number, string>, acknowledged: Map<number, string>): void {
  const missing = [...acknowledged].filter(([offset, value]) => stored.get(offset) !== value);
  expect(missing.map(([offset]) => offset)).toEqual([]);
}

describe("disk full", () => {
  test.skipIf(!mounted)("produce gets KAFKA_STORAGE_ERROR, reads go on, writes resume when space returns, nothing acknowledged is lost", async () => {
    broker = await startBroker({ dataDir: path.join(mountPoint, "data"), args: ["--segment-bytes", "256KiB"] });
    const running = broker;
    const kafka = new Kafka({ brokers: [running.bootstrap], clientId: "e2e-disk-full", logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();

    const acknowledged = new Map<number, string>();
    expect(await produceUntilRefused(producer, acknowledged, "before")).toBe("KAFKA_STORAGE_ERROR");
    expect(acknowledged.size).toBeGreaterThan(100);
    // A second refusal: the log is not failed for good, it just has no room.
    expect(await produceUntilRefused(producer, acknowledged, "still-full")).toBe("KAFKA_STORAGE_ERROR");
    expectAllPresent(await readAll(running), acknowledged);

    const grown = Bun.spawnSync(["mount", "-o", "remount,size=16m", mountPoint]);
    expect(grown.exitCode).toBe(0);
    const before = acknowledged.size;
    for (let n = 0; n < 50; n++) {
      const value = `after-${n}`;
      const [result] = await producer.send({ topic, acks: -1, messages: [{ partition: 0, value }] });
      acknowledged.set(Number(result.baseOffset), value);
    }
    expect(acknowledged.size).toBe(before + 50);
    await producer.disconnect();
    expectAllPresent(await readAll(running), acknowledged);

    expect(await running.stop()).toBe(0);
    expect(verifyPartitionDir(path.join(running.dataDir, "topics", topic, "0"))).toEqual([]);
    await running.start();
    expectAllPresent(await readAll(running), acknowledged);
  }, 120_000);
});
