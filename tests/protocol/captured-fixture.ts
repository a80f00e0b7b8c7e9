// Bytes recorded from real clients (tests/protocol/captured/, see its README): reading the
// recorded exchanges, and decoding a frame with the generated codecs and encoding it again.
// Used by captured.test.ts and captured-records.test.ts; a fuzzer may seed from them too.

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

/** Decodes a request frame and encodes the decoded header and body again. */
export function reencodeRequest(frame: Uint8Array): { apiKey: number; version: number; body: unknown; bytes: Uint8Array; leftOver: number } {
  const reader = new Reader(frame);
  const header = decodeRequestHeader(reader);
  const codec = apiByKey.get(header.apiKey);
  if (codec === undefined) throw new Error(`No codec for API key "${header.apiKey}"`);
  const body = codec.decodeRequest(reader, header.apiVersion);
  const writer = new Writer();
  encodeRequestHeader(writer, header);
  codec.encodeRequest(writer, header.apiVersion, body);
  return { apiKey: header.apiKey, version: header.apiVersion, body, bytes: writer.finish(), leftOver: reader.remaining };
}

/** Decodes a response frame of the request's API and version and encodes it again. */
export function reencodeResponse(frame: Uint8Array, apiKey: number, version: number): { body: unknown; bytes: Uint8Array; leftOver: number } {
  const codec = apiByKey.get(apiKey)!;
  const reader = new Reader(frame);
  const header = decodeResponseHeader(reader, apiKey, version);
  const body = codec.decodeResponse(reader, version);
  const writer = new Writer();
  encodeResponseHeader(writer, apiKey, version, header.correlationId);
  codec.encodeResponse(writer, version, body);
  return { body, bytes: writer.finish(), leftOver: reader.remaining };
}

/** The frame after its INT32 size prefix; throws when the prefix does not count exactly the bytes after it. */
export function frameOf(bytes: Uint8Array): Uint8Array {
  const size = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getInt32(0);
  if (size !== bytes.length - 4) throw new Error(`Size prefix "${size}" does not match the ${bytes.length - 4} bytes after it`);
  return bytes.subarray(4);
}
