import { describe, expect, test } from "bun:test";
import { encodeRequestFrame } from "../../../src/protocol/frames.ts";
import { decodeRequestHeader } from "../../../src/protocol/headers.ts";
import {
  ApiVersions,
  decodeApiVersionsRequest,
  decodeApiVersionsResponse,
  encodeApiVersionsRequest,
  encodeApiVersionsResponse,
} from "../../../src/protocol/messages/api-versions.ts";
import { Reader } from "../../../src/protocol/reader.ts";
import { Writer } from "../../../src/protocol/writer.ts";

const ascii = (text: string) => Array.from(new TextEncoder().encode(text));

// ApiVersions v3 as librdkafka sends it: request header v2 (client id with an INT16 length,
// then an empty tag buffer) and a flexible body with compact strings.
const librdkafkaApiVersionsV3 = [
  0, 0, 0, 36,
  0, 18, 0, 3, 0, 0, 0, 1, 0, 7, ...ascii("rdkafka"), 0,
  11, ...ascii("librdkafka"), 6, ...ascii("2.3.0"), 0,
];

describe("ApiVersions", () => {
  test("v3 request encodes to librdkafka's bytes", () => {
    const frame = encodeRequestFrame({ apiKey: 18, apiVersion: 3, correlationId: 1, clientId: "rdkafka" }, (writer) =>
      encodeApiVersionsRequest(writer, 3, { clientSoftwareName: "librdkafka", clientSoftwareVersion: "2.3.0" }),
    );
    expect(Array.from(frame)).toEqual(librdkafkaApiVersionsV3);
  });

  test("v3 request decodes from librdkafka's bytes", () => {
    const reader = new Reader(new Uint8Array(librdkafkaApiVersionsV3), 4);
    expect(decodeRequestHeader(reader)).toEqual({ apiKey: 18, apiVersion: 3, correlationId: 1, clientId: "rdkafka" });
    expect(decodeApiVersionsRequest(reader, 3)).toEqual({ clientSoftwareName: "librdkafka", clientSoftwareVersion: "2.3.0" });
    expect(reader.remaining).toBe(0);
  });

  test("v0 request has an empty body and fills the v3 fields with defaults", () => {
    const writer = new Writer();
    encodeApiVersionsRequest(writer, 0, {});
    expect(writer.offset).toBe(0);
    expect(decodeApiVersionsRequest(new Reader(new Uint8Array(0)), 0)).toEqual({
      clientSoftwareName: "",
      clientSoftwareVersion: "",
    });
  });

  test("v3 response: tagged fields are written only when they differ from their default", () => {
    const response = { errorCode: 0, apiKeys: [{ apiKey: 0, minVersion: 0, maxVersion: 11 }], throttleTimeMs: 0 };
    const plain = new Writer();
    encodeApiVersionsResponse(plain, 3, response);
    expect(Array.from(plain.finish())).toEqual([0, 0, 2, 0, 0, 0, 0, 0, 11, 0, 0, 0, 0, 0, 0]);
    const tagged = new Writer();
    encodeApiVersionsResponse(tagged, 3, { ...response, finalizedFeaturesEpoch: 5 });
    // One tagged field: tag 1, 8 bytes, INT64 5.
    expect(Array.from(tagged.finish().subarray(14))).toEqual([1, 1, 8, 0, 0, 0, 0, 0, 0, 0, 5]);
    const decoded = decodeApiVersionsResponse(new Reader(tagged.finish()), 3);
    expect(decoded.finalizedFeaturesEpoch).toBe(5);
    expect(decoded.supportedFeatures).toEqual([]);
    expect(decoded.zkMigrationReady).toBe(false);
  });

  test("v3 response skips unknown tags", () => {
    const bytes = [0, 0, 1, 0, 0, 0, 0, 1, 42, 3, 9, 9, 9];
    const decoded = decodeApiVersionsResponse(new Reader(new Uint8Array(bytes)), 3);
    expect(decoded.errorCode).toBe(0);
    expect(decoded.finalizedFeaturesEpoch).toBe(-1);
  });

  test("versions outside 0-4 are refused with UNSUPPORTED_VERSION", () => {
    expect(ApiVersions.maxVersion).toBe(4);
    expect(() => encodeApiVersionsRequest(new Writer(), 5, {})).toThrow(/UNSUPPORTED_VERSION.*"5"/);
  });
});
