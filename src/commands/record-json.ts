// `--format json` for consume and produce: one JSON object per line, per record:
//
//   {"topic":"t","partition":0,"offset":7,"timestamp":1700000000000,"key":"k","value":"v",
//    "headers":[{"key":"h","value":"1"}]}
//
// Binary safe: a key, value or header value that is not valid UTF-8 is written in base64 and
// marked with "keyEncoding"/"valueEncoding":"base64" beside it. With --json-value, a value that
// is itself JSON is embedded as JSON (compacted) and marked "valueEncoding":"json". produce
// --format json reads exactly these lines back: key, value, headers, timestamp and partition are
// used (so a copy keeps every record in its partition); topic and offset are ignored (the
// target topic decides, and the broker assigns offsets). Every other field is an error, and so
// is an object with none of these fields: plain JSON such as {"level":"error"} would otherwise
// be sent as a record with a null value (a tombstone).

import { isUtf8 } from "node:buffer";
import type { DecodedRecord } from "../records/decode-batches.ts";
import type { RecordHeader } from "../records/record.ts";

export class JsonRecordError extends Error {
  override name = "JsonRecordError";
}

export interface JsonRenderOptions {
  /** Embed values that parse as JSON as JSON rather than as a string. */
  jsonValue: boolean;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** `"name":<string or null>` plus the base64 marker when the bytes are not UTF-8. */
function bytesField(name: string, bytes: Uint8Array | null): string {
  if (bytes === null) return `"${name}":null`;
  const buffer = asBuffer(bytes);
  if (isUtf8(buffer)) return `"${name}":${JSON.stringify(buffer.toString("utf8"))}`;
  return `"${name}":${JSON.stringify(buffer.toString("base64"))},"${name}Encoding":"base64"`;
}

function valueField(value: Uint8Array | null, options: JsonRenderOptions): string {
  if (options.jsonValue && value !== null && value.length > 0 && isUtf8(asBuffer(value))) {
    try {
      return `"value":${JSON.stringify(JSON.parse(asBuffer(value).toString("utf8")))},"valueEncoding":"json"`;
    } catch {
      // Not JSON: written as a string like any other value.
    }
  }
  return bytesField("value", value);
}

/** One record as a JSON line (newline included). */
export function recordToJson(topic: string, partition: number, record: DecodedRecord, options: JsonRenderOptions): string {
  const headers = record.headers.map((header) => `{"key":${JSON.stringify(header.key)},${bytesField("value", header.value)}}`);
  return (
    `{"topic":${JSON.stringify(topic)},"partition":${partition},"offset":${record.offset},"timestamp":${record.timestamp},` +
    `${bytesField("key", record.key)},${valueField(record.value, options)},"headers":[${headers.join(",")}]}\n`
  );
}

export interface JsonRecord {
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeader[];
  timestamp: number | undefined;
  partition: number | undefined;
}

/** The fields `consume --format json` writes: the only ones a line may have. */
const envelopeFields = new Set(["topic", "partition", "offset", "timestamp", "key", "keyEncoding", "value", "valueEncoding", "headers"]);
const envelopeList = "key, value, headers, timestamp, partition, topic, offset, keyEncoding, valueEncoding";
const valuesHint = "to send each JSON line as a record's value, leave out -f json (one value per line is the default)";

/** Refuses objects that are not records as consume -f json writes them, before any of their fields is read. */
function checkEnvelope(object: Record<string, unknown>, line: number): void {
  const fields = Object.keys(object);
  const unknown = fields.find((field) => !envelopeFields.has(field));
  if (unknown !== undefined) {
    throw new JsonRecordError(`Line ${line}: "${unknown}" is not a field of a record (${envelopeList}): ${valuesHint}`);
  }
  if (fields.length === 0) throw new JsonRecordError(`Line ${line} has none of a record's fields (${envelopeList}): ${valuesHint}`);
}

function decodePartition(raw: unknown, line: number): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Number.isSafeInteger(raw) || (raw as number) < 0) throw new JsonRecordError(`Line ${line}: "partition" is not a whole number of 0 or more`);
  return raw as number;
}

function decodeBytes(object: Record<string, unknown>, name: string, line: number): Uint8Array | null {
  const value = object[name];
  const encoding = object[`${name}Encoding`];
  if (value === null || value === undefined) return null;
  if (encoding === "json") return Buffer.from(JSON.stringify(value));
  if (typeof value !== "string") throw new JsonRecordError(`Line ${line}: "${name}" is not a string or null`);
  if (encoding === undefined) return Buffer.from(value, "utf8");
  if (encoding === "base64") return Buffer.from(value, "base64");
  throw new JsonRecordError(`Line ${line}: "${name}Encoding" is "${String(encoding)}", not "base64" or "json"`);
}

function decodeHeaders(raw: unknown, line: number): RecordHeader[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new JsonRecordError(`Line ${line}: "headers" is not a list`);
  return raw.map((entry) => {
    if (typeof entry !== "object" || entry === null || typeof (entry as { key?: unknown }).key !== "string") {
      throw new JsonRecordError(`Line ${line}: a header is not an object with a string "key"`);
    }
    const header = entry as Record<string, unknown>;
    return { key: header.key as string, value: decodeBytes(header, "value", line) };
  });
}

/** Parses one line of `consume --format json` output back into a record; `line` numbers errors. */
export function recordFromJson(text: string, line: number): JsonRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new JsonRecordError(`Line ${line} is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new JsonRecordError(`Line ${line} is not a JSON object`);
  }
  const object = parsed as Record<string, unknown>;
  checkEnvelope(object, line);
  const timestamp = object.timestamp;
  if (timestamp !== undefined && timestamp !== null && !Number.isSafeInteger(timestamp)) {
    throw new JsonRecordError(`Line ${line}: "timestamp" is not a whole number of milliseconds`);
  }
  return {
    key: decodeBytes(object, "key", line),
    value: decodeBytes(object, "value", line),
    headers: decodeHeaders(object.headers, line),
    timestamp: typeof timestamp === "number" ? timestamp : undefined,
    partition: decodePartition(object.partition, line),
  };
}
