// Python clients against chronik: kafka-python 2.0.2 and confluent-kafka (librdkafka), each
// producing binary keys, values and headers with acks=all, reading them back with assign + seek
// (no consumer group), and looking offsets up by timestamp. The scripts in ./python report what
// they saw as hex; this file owns the expectations and compares bytes.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type Broker, pythonPath, runOk, startBroker } from "./harness.ts";

const recordCount = 600;
const seekOffset = 437;
const scriptTimeoutMs = 120_000;

type JobRecord = { key: string | null; value: string | null; headers: [string, string | null][]; timestamp: number };
type SeenRecord = JobRecord & { offset: number };
type ScriptOutput = {
  produced: { partition: number; offset: number }[];
  consumed: SeenRecord[];
  seeked: SeenRecord[];
  lookups: ({ offset: number } | null)[];
  beginningOffset: number;
  endOffset: number;
};

let broker: Broker;

beforeAll(async () => {
  broker = await startBroker();
}, 30_000);

afterAll(async () => {
  await broker?.cleanup();
}, 30_000);

/** Deterministic bytes (xorshift32), so a failure reproduces exactly. */
function randomBytes(state: { seed: number }, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let index = 0; index < length; index++) {
    let seed = state.seed;
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    state.seed = seed >>> 0;
    bytes[index] = state.seed & 0xff;
  }
  return bytes;
}

const baseTimestamp = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
const timestampStepMs = 10;

function makeRecords(): JobRecord[] {
  const state = { seed: 0x9e3779b9 };
  const records: JobRecord[] = [];
  for (let index = 0; index < recordCount; index++) {
    const key = index % 11 === 0 ? null : randomBytes(state, 1 + (index % 40)).toString("hex");
    let value: string | null = randomBytes(state, (index * 37) % 3000).toString("hex");
    if (index % 97 === 5) value = null;
    const headers: [string, string | null][] = [];
    for (let header = 0; header < index % 4; header++) {
      const headerValue = header === 2 && index % 2 === 0 ? null : randomBytes(state, header * 7).toString("hex");
      headers.push([header === 1 ? `trace-ñ-${header}` : `h${header}`, headerValue]);
    }
    records.push({ key, value, headers, timestamp: baseTimestamp + index * timestampStepMs });
  }
  return records;
}

/** Compares record by record so that a failure names the first differing record. */
function expectSameRecords(actual: SeenRecord[], expected: SeenRecord[], what: string): void {
  const mismatch = expected.findIndex((record, index) => !Bun.deepEquals(actual[index], record));
  if (mismatch !== -1) {
    throw new Error(
      `${what}: record ${mismatch} differs:\n got      ${JSON.stringify(actual[mismatch])?.slice(0, 600)}\n expected ${JSON.stringify(expected[mismatch]).slice(0, 600)}`,
    );
  }
  expect(actual.length).toBe(expected.length);
}

const lookupIndexes = [0, 1, 17, 250, recordCount - 1];

async function runScript(script: string, topic: string, compression: string): Promise<void> {
  const records = makeRecords();
  const lookupTimestamps = [
    ...lookupIndexes.map((index) => records[index].timestamp),
    ...lookupIndexes.map((index) => records[index].timestamp - timestampStepMs / 2),
    records[recordCount - 1].timestamp + 1,
  ];
  const job = { bootstrap: broker.bootstrap, topic, compression, records, seekOffset, lookupTimestamps };
  const result = await runOk([pythonPath, join(import.meta.dir, "python", script)], {
    stdin: JSON.stringify(job),
    timeoutMs: scriptTimeoutMs,
  });
  const output = JSON.parse(result.stdout.toString("utf8")) as ScriptOutput;

  expect(output.produced).toEqual(records.map((_, index) => ({ partition: 0, offset: index })));
  const expected = records.map((record, offset) => ({ ...record, offset }));
  expectSameRecords(output.consumed, expected, `${script} consume from 0`);
  expectSameRecords(output.seeked, expected.slice(seekOffset), `${script} consume after seek to ${seekOffset}`);
  expect(output.lookups).toEqual([
    ...lookupIndexes.map((offset) => ({ offset })),
    ...lookupIndexes.map((offset) => ({ offset })),
    null,
  ]);
  expect(output.beginningOffset).toBe(0);
  expect(output.endOffset).toBe(recordCount);
}

describe("python clients", () => {
  test("kafka-python 2.0.2: produce with keys and headers, assign + seek, offsets_for_times", async () => {
    await runScript("kafka_python_roundtrip.py", "py-kafka-python", "none");
  }, scriptTimeoutMs + 10_000);

  test("kafka-python 2.0.2 with gzip", async () => {
    await runScript("kafka_python_roundtrip.py", "py-kafka-python-gzip", "gzip");
  }, scriptTimeoutMs + 10_000);

  for (const compression of ["none", "gzip", "snappy", "lz4", "zstd"]) {
    test(`confluent-kafka with compression "${compression}": headers, assign + seek, offsets_for_times`, async () => {
      await runScript("confluent_kafka_roundtrip.py", `py-confluent-${compression}`, compression);
    }, scriptTimeoutMs + 10_000);
  }
});
