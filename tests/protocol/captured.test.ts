// Bytes recorded from real clients (tests/protocol/captured/, see its README) decode with the
// generated codecs and re-encode to exactly the same bytes. The round-trip tests check the
// generator against itself; these check it against librdkafka, kafka-python, kafkajs and
// @platformatic/kafka, so a misreading shared by our encoder and decoder cannot pass.

import { describe, expect, test } from "bun:test";
import { frameOf, readCapturedPairs, reencodeRequest, reencodeResponse } from "./captured-fixture.ts";

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
  test("every client has captures, and every capture is named after a client", () => {
    const clients = new Set(pairs.map((pair) => pair.name.replace(/-[A-Za-z]+-v\d+(-\d+)?$/, "")));
    expect([...clients].sort()).toEqual([...knownClients].sort());
  });

  for (const pair of pairs) {
    test(pair.name, () => {
      const requestFrame = frameOf(pair.request);
      const request = reencodeRequest(requestFrame);
      expect(request.leftOver, `${pair.name} request: bytes left after decoding`).toBe(0);
      expectSameBytes(requestFrame, request.bytes, `${pair.name} request`);
      const responseFrame = frameOf(pair.response);
      const response = reencodeResponse(responseFrame, request.apiKey, request.version);
      expect(response.leftOver, `${pair.name} response: bytes left after decoding`).toBe(0);
      expectSameBytes(responseFrame, response.bytes, `${pair.name} response`);
    });
  }

  test("a flipped byte is caught", () => {
    const pair = pairs.find((candidate) => candidate.name.includes("-Metadata-"))!;
    const recorded = frameOf(pair.response);
    const flipped = recorded.slice();
    flipped[3]! ^= 0x01;
    const version = new DataView(pair.request.buffer, pair.request.byteOffset).getInt16(6);
    const response = reencodeResponse(flipped, 3, version);
    expect(() => expectSameBytes(recorded, response.bytes, "flipped")).toThrow(/first difference at byte 3/);
  });

  test("a boolean sent as 2, which decodes as true and re-encodes as 1, is caught", () => {
    // Metadata v12 requests end with allow_auto_topic_creation, include_topic_authorized_operations and an empty tag buffer.
    const pair = pairs.find((candidate) => candidate.name === "platformatic-Metadata-v12")!;
    const recorded = frameOf(pair.request).slice();
    recorded[recorded.length - 3] = 2;
    const request = reencodeRequest(recorded);
    expect(() => expectSameBytes(recorded, request.bytes, "boolean 2")).toThrow(/first difference at byte/);
  });
});
