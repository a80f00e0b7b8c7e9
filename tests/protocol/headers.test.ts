import { describe, expect, test } from "bun:test";
import { encodeResponseFrame } from "../../src/protocol/frames.ts";
import {
  decodeRequestHeader,
  decodeResponseHeader,
  encodeRequestHeader,
  encodeResponseHeader,
  requestHeaderVersion,
  responseHeaderVersion,
} from "../../src/protocol/headers.ts";
import { ApiKey } from "../../src/protocol/messages/index.ts";
import { Reader } from "../../src/protocol/reader.ts";
import { Writer } from "../../src/protocol/writer.ts";

describe("header versions", () => {
  test("request header is v2 for flexible API versions, else v1", () => {
    expect(requestHeaderVersion(ApiKey.Produce, 8)).toBe(1);
    expect(requestHeaderVersion(ApiKey.Produce, 9)).toBe(2);
    expect(requestHeaderVersion(ApiKey.ApiVersions, 3)).toBe(2);
    expect(requestHeaderVersion(ApiKey.SaslHandshake, 1)).toBe(1);
    expect(requestHeaderVersion(ApiKey.DescribeCluster, 0)).toBe(2);
    expect(requestHeaderVersion(9999, 5)).toBe(1);
  });

  test("response header is v1 for flexible versions, but always v0 for ApiVersions", () => {
    expect(responseHeaderVersion(ApiKey.Metadata, 8)).toBe(0);
    expect(responseHeaderVersion(ApiKey.Metadata, 9)).toBe(1);
    expect(responseHeaderVersion(ApiKey.ApiVersions, 3)).toBe(0);
    expect(responseHeaderVersion(ApiKey.ApiVersions, 4)).toBe(0);
  });
});

describe("request header", () => {
  test("v2 keeps the INT16 client id length, then an empty tag buffer", () => {
    const writer = new Writer();
    encodeRequestHeader(writer, { apiKey: ApiKey.Fetch, apiVersion: 12, correlationId: 5, clientId: "ab" });
    expect(Array.from(writer.finish())).toEqual([0, 1, 0, 12, 0, 0, 0, 5, 0, 2, 97, 98, 0]);
  });

  test("v1 has no tag buffer, and a null client id is -1", () => {
    const writer = new Writer();
    encodeRequestHeader(writer, { apiKey: ApiKey.Fetch, apiVersion: 11, correlationId: 5, clientId: null });
    expect(Array.from(writer.finish())).toEqual([0, 1, 0, 11, 0, 0, 0, 5, 255, 255]);
    expect(decodeRequestHeader(new Reader(writer.finish()))).toEqual({
      apiKey: 1,
      apiVersion: 11,
      correlationId: 5,
      clientId: null,
    });
  });

  test("v2 skips tagged fields it does not know", () => {
    const bytes = new Uint8Array([0, 18, 0, 3, 0, 0, 0, 9, 0, 1, 120, 1, 7, 2, 1, 1, 42]);
    const reader = new Reader(bytes);
    expect(decodeRequestHeader(reader)).toEqual({ apiKey: 18, apiVersion: 3, correlationId: 9, clientId: "x" });
    expect(reader.readInt8()).toBe(42);
  });

  test("an unknown API key still yields key, version, correlation id and client id", () => {
    const bytes = new Uint8Array([0x27, 0x0f, 0, 99, 0, 0, 0, 3, 0, 1, 99, 0xee]);
    const reader = new Reader(bytes);
    expect(decodeRequestHeader(reader)).toEqual({ apiKey: 9999, apiVersion: 99, correlationId: 3, clientId: "c" });
    expect(reader.remaining).toBe(1);
  });
});

describe("response header", () => {
  test("ApiVersions v3 response frame has no tag buffer after the correlation id", () => {
    const frame = encodeResponseFrame(ApiKey.ApiVersions, 3, 77, (writer) => writer.writeInt16(0));
    expect(Array.from(frame)).toEqual([0, 0, 0, 6, 0, 0, 0, 77, 0, 0]);
  });

  test("flexible responses carry an empty tag buffer", () => {
    const writer = new Writer();
    encodeResponseHeader(writer, ApiKey.Metadata, 9, 77);
    expect(Array.from(writer.finish())).toEqual([0, 0, 0, 77, 0]);
    const reader = new Reader(writer.finish());
    expect(decodeResponseHeader(reader, ApiKey.Metadata, 9)).toEqual({ correlationId: 77 });
    expect(reader.remaining).toBe(0);
  });
});
