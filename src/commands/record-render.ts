// Renders records with a compiled format (record-format.ts) straight into an output buffer:
// raw key and value bytes are copied, never decoded, so binary data passes through unchanged.

import type { BatchSummary } from "../client/index.ts";
import { Attributes } from "../records/batch-header.ts";
import { compressionCodecName, isCompressionCodec } from "../records/compression/index.ts";
import type { DecodedRecord } from "../records/decode-batches.ts";
import type { RecordHeader } from "../records/record.ts";
import type { AttributeName, BytesEncoding, FormatPart, TimestampStyle } from "./record-format.ts";

/** A growable byte buffer that the renderer appends to and the caller drains to stdout. */
export class OutputBuffer {
  #bytes: Uint8Array;
  length = 0;

  constructor(initialBytes = 1024 * 1024) {
    this.#bytes = new Uint8Array(initialBytes);
  }

  /** The bytes written since the last `take()`, as a fresh buffer the caller may keep. */
  take(): Uint8Array {
    const taken = this.#bytes.slice(0, this.length);
    this.length = 0;
    return taken;
  }

  #reserve(count: number): number {
    const at = this.length;
    if (at + count > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(this.#bytes.length * 2, at + count));
      grown.set(this.#bytes.subarray(0, at));
      this.#bytes = grown;
    }
    this.length = at + count;
    return at;
  }

  bytes(value: Uint8Array): void {
    const at = this.#reserve(value.length);
    this.#bytes.set(value, at);
  }

  /** ASCII text (numbers, names): written char by char, which beats a TextEncoder call for short strings. */
  ascii(text: string): void {
    const at = this.#reserve(text.length);
    for (let i = 0; i < text.length; i++) this.#bytes[at + i] = text.charCodeAt(i);
  }

  text(text: string): void {
    this.bytes(Buffer.from(text));
  }
}

/** Where a record came from: what the format's %t, %p, %a and %e print. */
export interface RecordSource {
  topic: string;
  partition: number;
  /** The record's batch; null when the format needs none of its fields. */
  batch: BatchSummary | null;
}

/** Appends one record rendered with `format` to `output`. */
export function renderRecord(output: OutputBuffer, format: FormatPart[], source: RecordSource, record: DecodedRecord): void {
  for (const part of format) {
    switch (part.kind) {
      case "literal":
        output.bytes(part.bytes);
        break;
      case "key":
        renderBytes(output, record.key, part.encoding);
        break;
      case "value":
        renderBytes(output, record.value, part.encoding);
        break;
      case "topic":
        output.text(source.topic);
        break;
      case "partition":
        output.ascii(String(source.partition));
        break;
      case "offset":
        output.ascii(String(record.offset));
        break;
      case "timestamp":
        output.ascii(formatTimestamp(record.timestamp, part.style));
        break;
      case "keyLength":
        output.ascii(String(record.key === null ? -1 : record.key.length));
        break;
      case "valueLength":
        output.ascii(String(record.value === null ? -1 : record.value.length));
        break;
      case "headerCount":
        output.ascii(String(record.headers.length));
        break;
      case "headers":
        renderHeaders(output, record.headers, part.inner);
        break;
      case "leaderEpoch":
        output.ascii(String(source.batch?.partitionLeaderEpoch ?? -1));
        break;
      case "attribute":
        output.ascii(attributeText(source.batch?.attributes ?? 0, part.name));
        break;
    }
  }
}

function renderBytes(output: OutputBuffer, bytes: Uint8Array | null, encoding: BytesEncoding): void {
  if (bytes === null) return;
  if (encoding === "raw") output.bytes(bytes);
  else output.ascii(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(encoding));
}

export function formatTimestamp(timestamp: number, style: TimestampStyle): string {
  if (style === "ms") return String(timestamp);
  if (style === "unix") return String(Math.floor(timestamp / 1000));
  return new Date(timestamp).toISOString();
}

function renderHeaders(output: OutputBuffer, headers: RecordHeader[], inner: FormatPart[] | null): void {
  if (inner === null) {
    headers.forEach((header, index) => {
      if (index > 0) output.ascii(",");
      output.text(header.key);
      output.ascii("=");
      if (header.value !== null) output.bytes(header.value);
    });
    return;
  }
  for (const header of headers) {
    const key = Buffer.from(header.key);
    for (const part of inner) {
      if (part.kind === "literal") output.bytes(part.bytes);
      else if (part.kind === "key") renderBytes(output, key, part.encoding);
      else if (part.kind === "value") renderBytes(output, header.value, part.encoding);
      else if (part.kind === "keyLength") output.ascii(String(key.length));
      else if (part.kind === "valueLength") output.ascii(String(header.value === null ? -1 : header.value.length));
    }
  }
}

function attributeText(attributes: number, name: AttributeName): string {
  switch (name) {
    case "compression": {
      const codec = attributes & Attributes.compressionMask;
      return isCompressionCodec(codec) ? compressionCodecName(codec) : String(codec);
    }
    case "timestamp-type":
      return attributes & Attributes.timestampTypeLogAppend ? "LogAppendTime" : "CreateTime";
    case "transactional-bit":
      return attributes & Attributes.transactional ? "1" : "0";
    case "control-bit":
      return attributes & Attributes.control ? "1" : "0";
  }
}
