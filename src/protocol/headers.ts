// Request and response headers (RequestHeader.json v1/v2, ResponseHeader.json v0/v1).
//
// RequestHeader => api_key:INT16 api_version:INT16 correlation_id:INT32 client_id:NULLABLE_STRING [v2: TAG_BUFFER]
// ResponseHeader => correlation_id:INT32 [v1: TAG_BUFFER]
//
// The header version follows the API version: flexible API versions use request header v2 and
// response header v1. client_id keeps its INT16 length even in v2, so a broker can read the
// header of an ApiVersions request of any version; and ApiVersions responses always use
// response header v0, so a client can read them before it knows what the broker supports.

import { ApiKey, apiByKey } from "./messages/index.ts";
import type { Reader } from "./reader.ts";
import type { Writer } from "./writer.ts";

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

export interface ResponseHeader {
  correlationId: number;
}

function isFlexible(apiKey: number, apiVersion: number): boolean {
  const flexibleMinVersion = apiByKey.get(apiKey)?.flexibleMinVersion ?? null;
  return flexibleMinVersion !== null && apiVersion >= flexibleMinVersion;
}

/** 2 for flexible API versions, else 1; an unknown API key gets 1 so its header can still be read. */
export function requestHeaderVersion(apiKey: number, apiVersion: number): number {
  return isFlexible(apiKey, apiVersion) ? 2 : 1;
}

/** 1 for flexible API versions, else 0; ApiVersions responses are always 0. */
export function responseHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === ApiKey.ApiVersions) return 0;
  return isFlexible(apiKey, apiVersion) ? 1 : 0;
}

/** Reads the key and version first, since they decide the header version of the rest. */
export function decodeRequestHeader(reader: Reader): RequestHeader {
  const apiKey = reader.readInt16();
  const apiVersion = reader.readInt16();
  const correlationId = reader.readInt32();
  const clientId = reader.readNullableString();
  if (requestHeaderVersion(apiKey, apiVersion) >= 2) reader.readTaggedFields();
  return { apiKey, apiVersion, correlationId, clientId };
}

export function encodeRequestHeader(writer: Writer, header: RequestHeader): void {
  writer.writeInt16(header.apiKey);
  writer.writeInt16(header.apiVersion);
  writer.writeInt32(header.correlationId);
  writer.writeNullableString(header.clientId);
  if (requestHeaderVersion(header.apiKey, header.apiVersion) >= 2) writer.writeTaggedFields();
}

export function encodeResponseHeader(writer: Writer, apiKey: number, apiVersion: number, correlationId: number): void {
  writer.writeInt32(correlationId);
  if (responseHeaderVersion(apiKey, apiVersion) >= 1) writer.writeTaggedFields();
}

export function decodeResponseHeader(reader: Reader, apiKey: number, apiVersion: number): ResponseHeader {
  const correlationId = reader.readInt32();
  if (responseHeaderVersion(apiKey, apiVersion) >= 1) reader.readTaggedFields();
  return { correlationId };
}
