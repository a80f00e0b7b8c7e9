// Idempotent producers against chronik, with real clients. kcat and confluent-kafka (librdkafka)
// stream records with enable.idempotence=true while the broker is SIGKILLed and restarted three
// times: librdkafka retries what was in flight, the restarted broker recognises the retries of
// batches it had written (its producer state rebuilt from snapshots and the log), and every
// record must then be in the log exactly once, in order per partition. kafkajs and
// @platformatic/kafka produce with idempotence on, and the stored batches must carry the
// producer id InitProducerId gave them.

import { afterEach, describe, expect, test } from "bun:test";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { Kafka, logLevel } from "kafkajs";
import { ProduceAcks, Producer, stringSerializers } from "@platformatic/kafka";
import { type Broker, chronikCommand, eventually, kcat, pythonPath, repoRoot, run, runOk, startBroker } from "./harness.ts";

const kills = 3;
const testTimeoutMs = 180_000;

let broker: Broker | undefined;

afterEach(async () => {
  await broker?.cleanup();
  broker = undefined;
}, 30_000);

/** Bytes in the .log files of a topic's partitions: grows as the broker writes. */
function topicLogBytes(dataDir: string, topic: string): number {
  const topicDir = join(dataDir, "topics", topic);
  let total = 0;
  for (const partition of readdirSync(topicDir)) {
    if (!/^\d+$/.test(partition)) continue;
    for (const name of readdirSync(join(topicDir, partition))) {
      if (name.endsWith(".log")) total += statSync(join(topicDir, partition, name)).size;
    }
  }
  return total;
}

/**
 * Feeds `chunks` writes to a producer's stdin and SIGKILLs the broker `kills` times on the way:
 * each time just after the log has grown past what it held before the last chunk (so batches
 * are in flight), restarting it on the same data and ports.
 */
async function feedWithKills(options: { broker: Broker; topic: string; chunks: number; write: (chunk: number) => Promise<void> }): Promise<void> {
  const killAt = new Set(Array.from({ length: kills }, (_, n) => Math.floor(((n + 1) * options.chunks) / (kills + 1))));
  for (let chunk = 0; chunk < options.chunks; chunk++) {
    const before = chunk === 0 ? 0 : topicLogBytes(options.broker.dataDir, options.topic);
    await options.write(chunk);
    if (!killAt.has(chunk)) continue;
    await eventually(async () => topicLogBytes(options.broker.dataDir, options.topic) > before, "the producer's next batches reach the log", { waitMs: 30_000, pollMs: 5 });
    await options.broker.kill9();
    await options.broker.start();
  }
}

/** Every value of a partition, in offset order, read with kcat. */
async function partitionValues(topic: string, partition: number): Promise<string[]> {
  const { stdout } = await runOk(kcat(broker!, ["-C", "-t", topic, "-p", String(partition), "-o", "beginning", "-e", "-q", "-f", "%s\\n"]), { timeoutMs: 60_000 });
  return stdout.toString().split("\n").filter((line) => line !== "");
}

/** `chronik inspect --verify` on the topic's folder: no batch written twice, no sequence missing, on disk. */
async function verifySequences(target: Broker, topic: string): Promise<void> {
  const result = await run([...chronikCommand(), "inspect", "--verify", "--format", "json", join(target.dataDir, "topics", topic)], { timeoutMs: 60_000 });
  expect(result.stderr).toBe("");
  expect(result.exitCode).toBe(0);
}

function expectExactlyOnceInOrder(values: string[], expected: string[], what: string): void {
  if (values.length !== expected.length || values.some((value, n) => value !== expected[n])) {
    const seen = new Set<string>();
    const duplicates = values.filter((value) => (seen.has(value) ? true : (seen.add(value), false)));
    const missing = expected.filter((value) => !seen.has(value));
    throw new Error(`${what}: ${values.length} records, expected ${expected.length}; duplicates ${duplicates.slice(0, 5).join(",")}; missing ${missing.slice(0, 5).join(",")}`);
  }
}

async function streamToStdin(child: Subprocess<"pipe", "pipe", "pipe">, text: string): Promise<void> {
  child.stdin.write(text);
  await child.stdin.flush();
}

describe("idempotent producers", () => {
  test("kcat -P with enable.idempotence=true across three broker SIGKILLs: every record exactly once, in order", async () => {
    broker = await startBroker({ args: ["--segment-bytes", "256KiB"] });
    const topic = "idem-kcat";
    const chunks = 24;
    const perChunk = 5000;
    await runOk([...chronikCommand(), "topic", "create", topic, "-p", "1", "-b", broker.bootstrap], { timeoutMs: 30_000 });
    const child = Bun.spawn(
      // -E: kcat otherwise gives up when its only broker is down.
      ["kcat", "-E", "-b", broker.bootstrap, "-X", "broker.address.family=v4", "-P", "-t", topic, "-p", "0",
        "-X", "enable.idempotence=true", "-X", "message.timeout.ms=120000", "-X", "linger.ms=5",
        "-X", "batch.num.messages=500", "-X", "retry.backoff.ms=50", "-X", "reconnect.backoff.max.ms=250"],
      { stdin: "pipe", stdout: "pipe", stderr: "pipe" },
    );
    // Read as it comes, so a full pipe never stalls the producer.
    const stderr = new Response(child.stderr).text();
    const lines = (chunk: number) => Array.from({ length: perChunk }, (_, n) => `r${chunk * perChunk + n}\n`).join("");
    await feedWithKills({ broker, topic, chunks, write: (chunk) => streamToStdin(child, lines(chunk)) });
    child.stdin.end();
    const exitCode = await child.exited;
    expect(exitCode, await stderr).toBe(0);
    const expected = Array.from({ length: chunks * perChunk }, (_, n) => `r${n}`);
    expectExactlyOnceInOrder(await partitionValues(topic, 0), expected, "kcat partition 0");
    await verifySequences(broker, topic);
  }, testTimeoutMs);

  test("confluent-kafka with enable.idempotence=true across three broker SIGKILLs: every acknowledged record exactly once, in order per partition", async () => {
    broker = await startBroker({ args: ["--segment-bytes", "256KiB"] });
    const topic = "idem-confluent";
    const partitions = 3;
    await runOk([...chronikCommand(), "topic", "create", topic, "-p", String(partitions), "-b", broker.bootstrap], { timeoutMs: 30_000 });
    const child = Bun.spawn([pythonPath, join(repoRoot, "tests/e2e/python/confluent_kafka_idempotent.py"), broker.bootstrap, topic, String(partitions)], {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    });
    const output = Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text()]);
    const chunks = 16;
    const perChunk = 2000;
    await feedWithKills({ broker, topic, chunks, write: () => streamToStdin(child, `${perChunk}\n`) });
    child.stdin.end();
    const exitCode = await child.exited;
    const [stdout, stderr] = await output;
    expect(exitCode, stderr).toBe(0);
    const outcome = JSON.parse(stdout.trim().split("\n").at(-1)!) as { sent: number[]; delivered: number; errors: string[]; remaining: number };
    expect(outcome).toEqual({ sent: [32000, 32000, 32000], delivered: 96000, errors: [], remaining: 0 });
    for (let partition = 0; partition < partitions; partition++) {
      const expected = Array.from({ length: chunks * perChunk }, (_, n) => `p${partition}-${n}`);
      expectExactlyOnceInOrder(await partitionValues(topic, partition), expected, `confluent-kafka partition ${partition}`);
    }
    await verifySequences(broker, topic);
  }, testTimeoutMs);

  test("kafkajs and @platformatic/kafka with idempotence on: batches stored with the producer id InitProducerId gave", async () => {
    broker = await startBroker();
    // @platformatic/kafka's producer does not ask for topics to be created.
    await runOk([...chronikCommand(), "topic", "create", "idem-kafkajs", "idem-platformatic", "-p", "1", "-b", broker.bootstrap], { timeoutMs: 30_000 });
    const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: "e2e-idempotent", logLevel: logLevel.NOTHING });
    const kafkajsProducer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await kafkajsProducer.connect();
    for (let n = 0; n < 3; n++) {
      await kafkajsProducer.send({ topic: "idem-kafkajs", acks: -1, messages: [{ value: `kjs-${2 * n}` }, { value: `kjs-${2 * n + 1}` }] });
    }
    await kafkajsProducer.disconnect();

    const platformatic = new Producer({ clientId: "e2e-idempotent", bootstrapBrokers: [broker.bootstrap], idempotent: true, serializers: stringSerializers });
    try {
      for (let n = 0; n < 3; n++) {
        await platformatic.send({ acks: ProduceAcks.ALL, messages: [{ topic: "idem-platformatic", value: `plt-${2 * n}` }, { topic: "idem-platformatic", value: `plt-${2 * n + 1}` }] });
      }
    } finally {
      await platformatic.close();
    }

    for (const [topic, prefix] of [["idem-kafkajs", "kjs"], ["idem-platformatic", "plt"]] as const) {
      expect(await partitionValues(topic, 0)).toEqual(Array.from({ length: 6 }, (_, n) => `${prefix}-${n}`));
      const { stdout } = await runOk([...chronikCommand(), "inspect", "--format", "json", join(broker.dataDir, "topics", topic, "0")], { timeoutMs: 60_000 });
      const batches = stdout.toString().trim().split("\n").map((line) => JSON.parse(line) as { producerId: number; producerEpoch: number; baseSequence: number });
      expect(batches.length).toBe(3);
      expect(batches.every((batch) => batch.producerId >= 0 && batch.producerId === batches[0].producerId && batch.producerEpoch === 0)).toBe(true);
      expect(batches.map((batch) => batch.baseSequence)).toEqual([0, 2, 4]);
    }
  }, testTimeoutMs);
});
