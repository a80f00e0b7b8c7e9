// kcat-style output formats for `chronik consume -f`: the format is compiled once into a list
// of literal bytes and fields, then each record is rendered straight into an output buffer
// (raw key and value bytes, no decoding), so binary data passes through unchanged.
//
// Tokens: %s value, %k key, %t topic, %p partition, %o offset, %T timestamp (ms),
// %h headers (key=value,...), %S value length, %K key length (-1 for null), %% a percent sign.
// Escapes: \n \r \t \0 \\.

import type { DecodedRecord } from "../records/decode-batches.ts";
import { unescapeArgument } from "./client-command.ts";

const fields = {
  s: "value",
  k: "key",
  t: "topic",
  p: "partition",
  o: "offset",
  T: "timestamp",
  h: "headers",
  S: "valueLength",
  K: "keyLength",
} as const;

type Field = (typeof fields)[keyof typeof fields];

export type FormatPart = { literal: Uint8Array } | { field: Field };

export class FormatError extends Error {
  override name = "FormatError";
}

/** Compiles a format string; unknown %-tokens are an error rather than silently printed. */
export function compileFormat(format: string): FormatPart[] {
  const parts: FormatPart[] = [];
  let literal = "";
  const text = unescapeArgument(format);
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char !== "%") {
      literal += char;
      continue;
    }
    const token = text[++i];
    if (token === "%") {
      literal += "%";
      continue;
    }
    const field = token === undefined ? undefined : fields[token as keyof typeof fields];
    if (field === undefined) {
      throw new FormatError(`Format "${format}" has an unknown token "%${token ?? ""}": use one of ${Object.keys(fields).map((key) => `%${key}`).join(" ")} or %%`);
    }
    if (literal !== "") parts.push({ literal: Buffer.from(literal) });
    literal = "";
    parts.push({ field });
  }
  if (literal !== "") parts.push({ literal: Buffer.from(literal) });
  return parts;
}

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

/** Appends one record rendered with `format` to `output`. */
export function renderRecord(output: OutputBuffer, format: FormatPart[], topic: string, partition: number, record: DecodedRecord): void {
  for (const part of format) {
    if ("literal" in part) {
      output.bytes(part.literal);
      continue;
    }
    switch (part.field) {
      case "value":
        if (record.value !== null) output.bytes(record.value);
        break;
      case "key":
        if (record.key !== null) output.bytes(record.key);
        break;
      case "topic":
        output.text(topic);
        break;
      case "partition":
        output.ascii(String(partition));
        break;
      case "offset":
        output.ascii(String(record.offset));
        break;
      case "timestamp":
        output.ascii(String(record.timestamp));
        break;
      case "headers":
        renderHeaders(output, record);
        break;
      case "valueLength":
        output.ascii(String(record.value === null ? -1 : record.value.length));
        break;
      case "keyLength":
        output.ascii(String(record.key === null ? -1 : record.key.length));
        break;
    }
  }
}

function renderHeaders(output: OutputBuffer, record: DecodedRecord): void {
  record.headers.forEach((header, index) => {
    if (index > 0) output.ascii(",");
    output.text(header.key);
    output.ascii("=");
    if (header.value !== null) output.bytes(header.value);
  });
}
