// Hostile bytes on the Kafka port: random bytes, a 2 GiB length prefix, a negative length, a
// truncated frame, a well-framed request with a nonsense header. After each, the broker process
// is alive and answers a hand-encoded ApiVersions v0 on a new connection. Oversized and negative
// lengths must make the broker close the connection (it cannot read such a frame, and must not
// try to buffer it).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect, type Socket } from "node:net";
import { type Broker, eventually, startBroker } from "./harness.ts";
import { settlesWithin } from "../support/wait.ts";

const apiVersionsKey = 18;
const unsupportedVersionError = 35;
const socketWaitMs = 5_000;

let broker: Broker;

beforeAll(async () => {
  broker = await startBroker();
}, 30_000);

afterAll(async () => {
  await broker?.cleanup();
}, 30_000);

/** A connected socket that collects what the broker sends and notes when the broker closes it. */
async function open(): Promise<{ socket: Socket; received: () => Buffer; closed: Promise<void> }> {
  const socket = connect({ host: broker.host, port: broker.port });
  const chunks: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  socket.on("error", () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return { socket, received: () => Buffer.concat(chunks), closed };
}

/** Writes `bytes` and resolves once they are handed to the kernel, so closing after cannot drop them. */
function flushed(socket: Socket, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve) => socket.write(bytes, () => resolve()));
}

function frame(body: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

/**
 * ApiVersions request. Up to v2: header v1 (api key, version, correlation id, client id) and no
 * body. From v3 (flexible): header v2 (adds empty tagged fields) and a body of compact strings
 * client_software_name, client_software_version, then empty tagged fields, as librdkafka sends it.
 */
function apiVersionsRequest(version: number, correlationId: number): Buffer {
  const clientId = Buffer.from("e2e-garbage");
  const header = Buffer.alloc(10);
  header.writeInt16BE(apiVersionsKey, 0);
  header.writeInt16BE(version, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(clientId.length, 8);
  const flexibleTail = Buffer.from([0, 4, ...Buffer.from("e2e"), 2, ...Buffer.from("1"), 0]);
  return frame(Buffer.concat([header, clientId, ...(version >= 3 ? [flexibleTail] : [])]));
}

type ApiRange = { min: number; max: number };

/** Sends ApiVersions (v0 layout) on a fresh connection; returns the error code and the ranges. */
async function apiVersions(version = 0): Promise<{ errorCode: number; ranges: Map<number, ApiRange> }> {
  const connection = await open();
  const correlationId = 0x5eed0000 + version;
  connection.socket.write(apiVersionsRequest(version, correlationId));
  let closed = false;
  void connection.closed.then(() => (closed = true));
  const complete = (bytes: Buffer) => bytes.length >= 4 && bytes.length >= 4 + bytes.readInt32BE(0);
  try {
    await eventually(() => complete(connection.received()) || closed, `ApiVersions v${version} answered or the connection closed`, { waitMs: socketWaitMs, pollMs: 10 });
  } finally {
    connection.socket.destroy();
  }
  const response = connection.received();
  if (!complete(response)) throw new Error(`ApiVersions v${version} got no response: the broker closed the connection (${response.length} bytes)`);
  // Response header v0 (correlation id) then error_code INT16, api_keys ARRAY[api_key, min, max].
  expect(response.readInt32BE(4)).toBe(correlationId);
  const errorCode = response.readInt16BE(8);
  const count = response.readInt32BE(10);
  const ranges = new Map<number, ApiRange>();
  for (let index = 0, at = 14; index < count; index++, at += 6) {
    ranges.set(response.readInt16BE(at), { min: response.readInt16BE(at + 2), max: response.readInt16BE(at + 4) });
  }
  return { errorCode, ranges };
}

async function expectStillServing(): Promise<void> {
  expect(broker.alive).toBe(true);
  const { errorCode, ranges } = await apiVersions();
  expect(errorCode).toBe(0);
  expect(ranges.get(apiVersionsKey)?.min).toBe(0);
}

/** Pseudo-random but reproducible bytes. */
function noise(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed;
  for (let index = 0; index < length; index++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    bytes[index] = state >>> 24;
  }
  return bytes;
}

describe("garbage on the Kafka port", () => {
  test("ApiVersions v0 advertises the promised API ranges", async () => {
    const { errorCode, ranges } = await apiVersions();
    expect(errorCode).toBe(0);
    const promised: [name: string, key: number, min: number, max: number][] = [
      ["Produce", 0, 0, 9],
      ["Fetch", 1, 4, 13],
      ["ListOffsets", 2, 1, 7],
      ["Metadata", 3, 0, 12],
      ["ApiVersions", 18, 0, 3],
      ["CreateTopics", 19, 0, 7],
      ["DeleteTopics", 20, 0, 6],
    ];
    const uncovered = promised
      .filter(([, key, min, max]) => !(ranges.has(key) && ranges.get(key)!.min <= min && ranges.get(key)!.max >= max))
      .map(([name, key, min, max]) => `${name} (key ${key}) promised ${min}-${max}, advertised ${JSON.stringify(ranges.get(key))}`);
    expect(uncovered).toEqual([]);
  }, 30_000);

  test("an unsupported ApiVersions version gets UNSUPPORTED_VERSION with the supported ranges", async () => {
    const { errorCode, ranges } = await apiVersions(127);
    expect(errorCode).toBe(unsupportedVersionError);
    expect(ranges.get(apiVersionsKey)).toBeDefined();
    await expectStillServing();
  }, 30_000);

  test("random bytes, then close", async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const connection = await open();
      await flushed(connection.socket, noise(64 + seed * 97, seed));
      connection.socket.destroy();
    }
    await expectStillServing();
  }, 30_000);

  test("a 0x7fffffff length prefix makes the broker close the connection", async () => {
    const connection = await open();
    connection.socket.write(Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 18, 0, 0, 0, 0, 0, 1]));
    expect(await settlesWithin(connection.closed, socketWaitMs)).toBe(true);
    connection.socket.destroy();
    await expectStillServing();
  }, 30_000);

  test("a negative length prefix makes the broker close the connection", async () => {
    const connection = await open();
    connection.socket.write(Buffer.from([0xff, 0xff, 0xff, 0xfe, 0, 18, 0, 0]));
    expect(await settlesWithin(connection.closed, socketWaitMs)).toBe(true);
    connection.socket.destroy();
    await expectStillServing();
  }, 30_000);

  test("a truncated frame, then close", async () => {
    const connection = await open();
    await flushed(connection.socket, apiVersionsRequest(0, 7).subarray(0, 9));
    connection.socket.destroy();
    await expectStillServing();
  }, 30_000);

  test("a connection stalled mid-frame does not hold up other connections", async () => {
    const stalled = await open();
    stalled.socket.write(apiVersionsRequest(0, 8).subarray(0, 12));
    await expectStillServing();
    stalled.socket.destroy();
  }, 30_000);

  test("well-framed nonsense: unknown API key, bad client id length, empty frame", async () => {
    const unknownKey = Buffer.from(apiVersionsRequest(0, 1));
    unknownKey.writeInt16BE(999, 4);
    const badClientId = Buffer.from(apiVersionsRequest(0, 2));
    badClientId.writeInt16BE(30_000, 12);
    for (const bytes of [unknownKey, badClientId, frame(Buffer.alloc(0)), frame(noise(300, 99))]) {
      const connection = await open();
      connection.socket.write(bytes);
      await settlesWithin(connection.closed, 500);
      connection.socket.destroy();
      await expectStillServing();
    }
  }, 30_000);

  test("one address sending 300 different bad requests fills at most its share of the log, with a count of the rest", async () => {
    const mark = broker.logEnd;
    for (let i = 0; i < 300; i++) {
      // Each request names a different unknown API key and client id: 300 distinct warnings.
      const bytes = Buffer.from(apiVersionsRequest(0, i));
      bytes.writeInt16BE(1000 + i, 4);
      const connection = await open();
      connection.socket.write(bytes);
      await settlesWithin(connection.closed, 2_000);
      connection.socket.destroy();
    }
    await expectStillServing();
    const warnings = broker.logSince(mark).split("\n").filter((line) => line.includes("Closing connection"));
    expect(warnings.length).toBeLessThanOrEqual(20);
  }, 60_000);

  test("many connections opened and dropped at once", async () => {
    const connections = await Promise.all(Array.from({ length: 200 }, () => open()));
    connections.forEach((connection, index) => connection.socket.write(noise(index + 1, index + 1000)));
    for (const connection of connections) connection.socket.destroy();
    await expectStillServing();
  }, 30_000);
});
