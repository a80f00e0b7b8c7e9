// Seeds for the request fuzzer: one valid request frame per API and advertised version, built
// from the committed digest of Kafka's message definitions (every field the version has, filled
// with a plausible value, arrays with one element), plus the request frames captured from real
// clients in tests/protocol/captured. Frames here carry no size prefix, as dispatch() takes them.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { routes } from "../../src/engine/api-table.ts";
import { encodeSubscription } from "../../src/protocol/consumer-protocol.ts";
import { encodeRequestFrame, frameSizePrefixBytes } from "../../src/protocol/frames.ts";
import { decodeRequestHeader } from "../../src/protocol/headers.ts";
import { apiByKey } from "../../src/protocol/messages/index.ts";
import { Reader } from "../../src/protocol/reader.ts";
import { buildRecordBatch } from "../../src/records/record-batch.ts";
import { readDigest } from "../gen-protocol/digest.ts";
import type { FieldDefinition, MessageDefinition, StructDefinition } from "../gen-protocol/schema.ts";
import { camelCase } from "../gen-protocol/schema.ts";
import { parseVersions } from "../gen-protocol/versions.ts";

export const capturedDir = path.resolve(import.meta.dir, "../../tests/protocol/captured");
/** The topic and group the generated seeds name; the in-process fuzzer creates the topic first. */
export const fuzzTopic = "fuzz";
export const fuzzGroup = "fuzz-group";
export const fuzzClientId = "fuzz";

export interface Seed {
  /** `<Api>-v<N>` for generated seeds, the file name for captured ones. */
  name: string;
  /** Request header and body, without the size prefix. */
  frame: Uint8Array;
  /** Where the body starts (after the request header). */
  bodyStart: number;
  /** For generated seeds: the body value and its API, so value mutations can re-encode it. */
  request?: { apiKey: number; version: number; value: Record<string, unknown> };
}

function inVersions(text: string | undefined, version: number): boolean {
  const range = parseVersions(text);
  return range !== null && version >= range.min && version <= range.max;
}

const recordBatch = buildRecordBatch({
  records: [
    { key: "key-0", value: "value-0", headers: [{ key: "h", value: "v" }] },
    { key: null, value: "value-1" },
  ],
  timestamp: 1_700_000_000_000,
});

/** Integer fields whose zero would make the request trivially refused, by field name. */
const integerValues: Record<string, number> = {
  Acks: -1,
  TimeoutMs: 1000,
  MaxWaitMs: 10,
  MinBytes: 1,
  MaxBytes: 1 << 20,
  PartitionMaxBytes: 1 << 20,
  SessionTimeoutMs: 10_000,
  RebalanceTimeoutMs: 1000,
  NumPartitions: 1,
  ReplicationFactor: 1,
  Count: 2,
  ProducerId: -1,
  ProducerEpoch: -1,
  TransactionTimeoutMs: 60_000,
  Iterations: 4096,
  Mechanism: 1,
  ResourceType: 2,
  ResourceTypeFilter: 2,
  PatternType: 3,
  ResourcePatternType: 3,
  PatternTypeFilter: 1,
  Operation: 2,
  PermissionType: 3,
  ConfigOperation: 0,
  IsolationLevel: 0,
  KeyType: 0,
  CoordinatorType: 0,
  ReplicaId: -1,
  Timestamp: -1,
  GenerationId: -1,
  MemberEpoch: 0,
  CurrentLeaderEpoch: -1,
  LeaderEpoch: -1,
  LastFetchedEpoch: -1,
  ServerAssignor: 0,
};

const stringValues: Record<string, string> = {
  GroupId: fuzzGroup,
  ProtocolType: "consumer",
  Mechanism: "PLAIN",
  Principal: "User:fuzz",
  PrincipalFilter: "User:fuzz",
  Host: "*",
  HostFilter: "*",
  MemberId: "",
  TransactionalId: "fuzz-txn",
  ClientSoftwareName: "chronik-fuzz",
  ClientSoftwareVersion: "1.0",
  Value: "86400000",
  ServerAssignor: "uniform",
  RackId: "rack-0",
};

function primitiveValue(field: FieldDefinition, type: string, parent: string): unknown {
  switch (type) {
    case "int8":
    case "int16":
    case "int32":
    case "int64":
    case "uint16":
      if (field.name in integerValues) return integerValues[field.name];
      return typeof field.default === "string" && /^-?\d+$/.test(field.default) ? Number(field.default) : 0;
    case "float64":
      return 0;
    case "bool":
      return field.default === true || field.default === "true";
    case "string":
      if (field.name === "Name" && /Config/.test(parent)) return "retention.ms";
      if (field.name === "ProtocolName" || (field.name === "Name" && /Protocol/.test(parent))) return "range";
      return stringValues[field.name] ?? fuzzTopic;
    case "bytes":
      return encodeSubscription([fuzzTopic]);
    case "records":
      return recordBatch;
    case "uuid":
      return "00000000000000000000000000000000";
    default:
      throw new Error(`Unknown field type "${type}" of field "${field.name}"`);
  }
}

type StructLookup = (name: string) => StructDefinition | undefined;

function fieldValue(field: FieldDefinition, version: number, structs: StructLookup, parent: string): unknown {
  const isArray = field.type.startsWith("[]");
  const type = isArray ? field.type.slice(2) : field.type;
  const fields = field.fields ?? structs(type)?.fields;
  const one = fields ? structValue(fields, version, structs, type) : primitiveValue(field, type, parent);
  return isArray ? [one] : one;
}

function structValue(fields: FieldDefinition[], version: number, structs: StructLookup, parent: string): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  for (const field of fields) {
    if (!inVersions(field.versions, version)) continue;
    // A field that defaults to null stays null (Produce's TransactionalId: not transactional).
    if (field.default === "null" && inVersions(field.nullableVersions, version)) {
      value[camelCase(field.name)] = null;
      continue;
    }
    value[camelCase(field.name)] = fieldValue(field, version, structs, parent);
  }
  return value;
}

/** A request body value for `version` of `message`, every field filled. */
export function requestValue(message: MessageDefinition, version: number): Record<string, unknown> {
  const common = new Map((message.commonStructs ?? []).map((struct) => [struct.name, struct]));
  return structValue(message.fields, version, (name) => common.get(name), message.name);
}

/** A request frame (header and body, no size prefix) with client id "fuzz". */
export function frameOf(apiKey: number, version: number, correlationId: number, value: unknown): Uint8Array {
  const codec = apiByKey.get(apiKey)!;
  const framed = encodeRequestFrame({ apiKey, apiVersion: version, correlationId, clientId: fuzzClientId }, (writer) =>
    codec.encodeRequest(writer, version, value),
  );
  return framed.slice(frameSizePrefixBytes);
}

/** Where the body starts in a frame, or null when its header does not decode. */
export function bodyStartOf(frame: Uint8Array): number | null {
  const reader = new Reader(frame);
  try {
    decodeRequestHeader(reader);
  } catch {
    return null;
  }
  return reader.offset;
}

/** One seed per API and advertised version; a value the codec refuses falls back to an empty body value. */
export function generatedSeeds(): Seed[] {
  const digest = readDigest();
  const seeds: Seed[] = [];
  let correlationId = 1;
  for (const route of routes) {
    const message = digest.get(`${route.name}Request`);
    if (message === undefined) throw new Error(`The digest has no request "${route.name}Request"`);
    for (let version = route.minVersion; version <= route.maxVersion; version++) {
      let value = requestValue(message, version);
      let frame: Uint8Array;
      try {
        frame = frameOf(route.apiKey, version, correlationId++, value);
      } catch {
        value = {};
        frame = frameOf(route.apiKey, version, correlationId++, value);
      }
      seeds.push({ name: `${route.name}-v${version}`, frame, bodyStart: bodyStartOf(frame)!, request: { apiKey: route.apiKey, version, value } });
    }
  }
  return seeds;
}

/**
 * The captured request files (`<client>-<Api>-v<N>-request.bin`). A file may hold the frame with
 * or without its size prefix; a prefix equal to the rest's length is taken off.
 */
export function capturedSeeds(dir = capturedDir): Seed[] {
  if (!existsSync(dir)) return [];
  const seeds: Seed[] = [];
  for (const file of readdirSync(dir).filter((name) => name.endsWith("-request.bin")).sort()) {
    let frame = new Uint8Array(readFileSync(path.join(dir, file)));
    if (frame.length >= frameSizePrefixBytes && new DataView(frame.buffer).getInt32(0) === frame.length - frameSizePrefixBytes) {
      frame = frame.slice(frameSizePrefixBytes);
    }
    seeds.push({ name: file, frame, bodyStart: bodyStartOf(frame) ?? 0 });
  }
  return seeds;
}
