// Bytes recorded from real clients (tests/protocol/captured/, see its README) decode with the
// generated codecs and re-encode to exactly the same bytes. The round-trip tests check the
// generator against itself; these check it against librdkafka, kafka-python, kafkajs and
// @platformatic/kafka, so a misreading shared by our encoder and decoder cannot pass.

import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeRequestHeader, decodeResponseHeader, encodeRequestHeader, encodeResponseHeader } from "../../src/protocol/headers.ts";
import { apiByKey } from "../../src/protocol/messages/index.ts";
import { Reader } from "../../src/protocol/reader.ts";
import { Writer } from "../../src/protocol/writer.ts";

export const capturedDir = join(import.meta.dir, "captured");

/** A recorded request frame and its response frame, both with their INT32 size prefix. */
export type CapturedPair = { name: string; request: Uint8Array; response: Uint8Array };

export function readCapturedPairs(dir = capturedDir): CapturedPair[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith("-request.bin"))
    .sort()
    .map((file) => {
      const name = file.slice(0, -"-request.bin".length);
      const read = (path: string) => new Uint8Array(readFileSync(join(dir, path)));
      return { name, request: read(file), response: read(`${name}-response.bin`) };
    });
}

/** The frame without its size prefix, after checking the prefix counts exactly the bytes after it. */
function frameOf(bytes: Uint8Array, what: string): Uint8Array {
  const size = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getInt32(0);
  expect(size, `${what}: size prefix`).toBe(bytes.length - 4);
  return bytes.subarray(4);
}

/** Decodes a request frame and encodes the decoded header and body again. */
export function reencodeRequest(frame: Uint8Array): { apiKey: number; version: number; bytes: Uint8Array; leftOver: number } {
  const reader = new Reader(frame);
  const header = decodeRequestHeader(reader);
  const codec = apiByKey.get(header.apiKey);
  if (codec === undefined) throw new Error(`No codec for API key "${header.apiKey}"`);
  const body = codec.decodeRequest(reader, header.apiVersion);
  const writer = new Writer();
  encodeRequestHeader(writer, header);
  codec.encodeRequest(writer, header.apiVersion, body);
  return { apiKey: header.apiKey, version: header.apiVersion, bytes: writer.finish(), leftOver: reader.remaining };
}

/** Decodes a response frame of the request's API and version and encodes it again. */
export function reencodeResponse(frame: Uint8Array, apiKey: number, version: number): { bytes: Uint8Array; leftOver: number } {
  const codec = apiByKey.get(apiKey)!;
  const reader = new Reader(frame);
  const header = decodeResponseHeader(reader, apiKey, version);
  const body = codec.decodeResponse(reader, version);
  const writer = new Writer();
  encodeResponseHeader(writer, apiKey, version, header.correlationId);
  codec.encodeResponse(writer, version, body);
  return { bytes: writer.finish(), leftOver: reader.remaining };
}

/** Where two byte strings first differ, for a message that points at the field. */
function firstDifference(expected: Uint8Array, actual: Uint8Array): string {
  const length = Math.min(expected.length, actual.length);
  let at = 0;
  while (at < length && expected[at] === actual[at]) at++;
  const around = (bytes: Uint8Array) => Buffer.from(bytes.subarray(Math.max(0, at - 8), at + 8)).toString("hex");
  return `lengths ${expected.length} and ${actual.length}, first difference at byte ${at}: recorded ${around(expected)}, re-encoded ${around(actual)}`;
}

function expectSameBytes(recorded: Uint8Array, reencoded: Uint8Array, what: string): void {
  const same = recorded.length === reencoded.length && recorded.every((byte, i) => byte === reencoded[i]);
  expect(same ? "identical" : firstDifference(recorded, reencoded), what).toBe("identical");
}

const pairs = readCapturedPairs();
const knownClients = ["kcat", "confluent", "kafka-python", "kafkajs", "platformatic"];

describe("captured client bytes decode and re-encode byte for byte", () => {
  test("every capture is named after a known client", () => {
    const clients = new Set(pairs.map((pair) => pair.name.replace(/-[A-Za-z]+-v\d+(-\d+)?$/, "")));
    expect([...clients].filter((client) => !knownClients.includes(client))).toEqual([]);
    expect(clients.has("kcat")).toBe(true);
  });

  for (const pair of pairs) {
    test(pair.name, () => {
      const requestFrame = frameOf(pair.request, `${pair.name} request`);
      const request = reencodeRequest(requestFrame);
      expect(request.leftOver, `${pair.name} request: bytes left after decoding`).toBe(0);
      expectSameBytes(requestFrame, request.bytes, `${pair.name} request`);
      const responseFrame = frameOf(pair.response, `${pair.name} response`);
      const response = reencodeResponse(responseFrame, request.apiKey, request.version);
      expect(response.leftOver, `${pair.name} response: bytes left after decoding`).toBe(0);
      expectSameBytes(responseFrame, response.bytes, `${pair.name} response`);
    });
  }

  test("a flipped byte is caught", () => {
    const pair = pairs.find((candidate) => candidate.name.includes("-Metadata-"))!;
    const recorded = frameOf(pair.response, `${pair.name} response`);
    const flipped = recorded.slice();
    flipped[3]! ^= 0x01;
    const version = new DataView(pair.request.buffer, pair.request.byteOffset).getInt16(6);
    const response = reencodeResponse(flipped, 3, version);
    expect(() => expectSameBytes(recorded, response.bytes, "flipped")).toThrow(/first difference at byte 3/);
  });
});
