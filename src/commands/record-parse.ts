// Reads records from a byte stream with a compiled format (record-format.ts): the inverse of
// record-render.ts, so `consume -f X | produce -f X` round-trips. A field ends where the
// literal after it starts, or after exactly N bytes when a %K / %V before it gave its length
// (which makes binary keys and values safe); {hex} and {base64} fields are decoded. %t and %p
// pick a record's topic and partition, %d / %T its timestamp; %o, %e and %a are read and ignored.
// %h{…} needs a %H before it to know how many headers follow.

import type { RecordHeader } from "../records/record.ts";
import { type BytesEncoding, FormatError, type FormatPart, type TimestampStyle } from "./record-format.ts";

export interface ParsedRecord {
  topic?: string;
  partition?: number;
  timestamp?: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeader[];
}

export class InputFormatError extends Error {
  override name = "InputFormatError";
}

/** Thrown inside the parser when the buffer ends before the record does. */
const needMore = Symbol("needMore");

type Part = FormatPart;

/** Fields whose end is not given by a length must be followed by a literal or end the format. */
export function checkInputFormat(parts: Part[], text: string): void {
  const check = (list: Part[], inHeader: boolean) => {
    const lengths = new Set<string>();
    list.forEach((part, index) => {
      if (part.kind === "keyLength" || part.kind === "valueLength") lengths.add(part.kind);
      if (part.kind === "headers" && part.inner !== null) {
        if (!list.slice(0, index).some((earlier) => earlier.kind === "headerCount")) {
          throw new FormatError(`Input format "${text}" has "%h{…}" without a "%H" before it to say how many headers follow`);
        }
        check(part.inner, true);
      }
      if (part.kind === "literal") return;
      // A %h{…} counted by %H ends by itself, like a key or value with a length.
      const sized =
        (part.kind === "key" && lengths.has("keyLength")) ||
        (part.kind === "value" && lengths.has("valueLength")) ||
        (part.kind === "headers" && part.inner !== null);
      const next = list[index + 1];
      if (!sized && next !== undefined && next.kind !== "literal") {
        throw new FormatError(`Input format "${text}" has two fields with nothing between them: put a delimiter between them or a %K/%V length before the key/value`);
      }
      if (inHeader && next === undefined && !sized) {
        throw new FormatError(`Input format "${text}" must end each header in "%h{…}" with a delimiter`);
      }
    });
  };
  check(parts, false);
}

class Cursor {
  constructor(
    readonly bytes: Buffer,
    public at: number,
    readonly final: boolean,
  ) {}
}

/** Splits an input stream into records; feed chunks with push(), then call end(). */
export class RecordParser {
  readonly #parts: Part[];
  readonly #tombstones: boolean;
  #buffer: Buffer = Buffer.alloc(0);
  /** Records parsed so far, for error messages. */
  #count = 0;

  constructor(parts: Part[], options: { emptyValueIsNull?: boolean } = {}) {
    this.#parts = parts;
    this.#tombstones = options.emptyValueIsNull ?? false;
  }

  /** The records `chunk` completes. */
  push(chunk: Uint8Array): ParsedRecord[] {
    this.#buffer = this.#buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#buffer, chunk]);
    return this.#drain(false);
  }

  /** The rest of the input, which must be whole records. */
  end(): ParsedRecord[] {
    return this.#drain(true);
  }

  #drain(final: boolean): ParsedRecord[] {
    const records: ParsedRecord[] = [];
    let at = 0;
    while (at < this.#buffer.length) {
      const cursor = new Cursor(this.#buffer, at, final);
      try {
        records.push(this.#record(cursor));
      } catch (error) {
        if (error === needMore) break;
        throw error;
      }
      if (cursor.at === at) throw new InputFormatError("The input format reads nothing: it needs at least one field or literal");
      this.#count++;
      at = cursor.at;
    }
    this.#buffer = this.#buffer.subarray(at);
    if (final && this.#buffer.length > 0) throw new InputFormatError(`Record ${this.#count + 1}: the input ends in the middle of a record`);
    return records;
  }

  #record(cursor: Cursor): ParsedRecord {
    const record: ParsedRecord = { key: null, value: new Uint8Array(0), headers: [] };
    const lengths = { keyLength: -2, valueLength: -2, headerCount: -1 };
    const parts = this.#parts;
    for (let index = 0; index < parts.length; index++) {
      const part = parts[index];
      if (part.kind === "literal") {
        expectLiteral(cursor, part.bytes, this.#count);
        continue;
      }
      if (part.kind === "key" || part.kind === "value") {
        const length = part.kind === "key" ? lengths.keyLength : lengths.valueLength;
        const bytes = readBytes(cursor, parts, index, length, part.encoding, this.#count);
        // Without a length, an empty key is no key (a line " v" for "%k %v"); %K 0 gives an empty one.
        if (part.kind === "key") record.key = bytes === null || (length === -2 && bytes.length === 0) ? null : bytes;
        else record.value = bytes;
        continue;
      }
      if (part.kind === "headers") {
        record.headers = part.inner === null ? kcatHeaders(readField(cursor, parts, index)) : this.#headers(cursor, part.inner, lengths.headerCount);
        continue;
      }
      const text = readField(cursor, parts, index).toString("utf8");
      this.#scalar(record, lengths, part, text);
    }
    if (this.#tombstones && record.value !== null && record.value.length === 0) record.value = null;
    return record;
  }

  #scalar(record: ParsedRecord, lengths: { keyLength: number; valueLength: number; headerCount: number }, part: Part, text: string): void {
    const number = (min: number) => {
      if (!/^-?\d+$/.test(text) || Number(text) < min) throw new InputFormatError(`Record ${this.#count + 1}: "${text}" is not a number for "%${tokenOf(part)}"`);
      return Number(text);
    };
    switch (part.kind) {
      case "topic":
        record.topic = text;
        break;
      case "partition":
        record.partition = number(0);
        break;
      case "timestamp":
        record.timestamp = parseTime(text, part.style, this.#count);
        break;
      case "keyLength":
        lengths.keyLength = number(-1);
        break;
      case "valueLength":
        lengths.valueLength = number(-1);
        break;
      case "headerCount":
        lengths.headerCount = number(0);
        break;
      default:
        // %o, %e and %a describe where a record was; a new record gets its own.
        break;
    }
  }

  #headers(cursor: Cursor, inner: Part[], count: number): RecordHeader[] {
    const headers: RecordHeader[] = [];
    for (let n = 0; n < count; n++) {
      const lengths = { keyLength: -2, valueLength: -2 };
      let key = "";
      let value: Uint8Array | null = null;
      for (let index = 0; index < inner.length; index++) {
        const part = inner[index];
        if (part.kind === "literal") expectLiteral(cursor, part.bytes, this.#count);
        else if (part.kind === "key") key = Buffer.from(readBytes(cursor, inner, index, lengths.keyLength, part.encoding, this.#count) ?? []).toString("utf8");
        else if (part.kind === "value") value = readBytes(cursor, inner, index, lengths.valueLength, part.encoding, this.#count);
        else if (part.kind === "keyLength" || part.kind === "valueLength") {
          const text = readField(cursor, inner, index).toString("utf8");
          if (!/^-?\d+$/.test(text)) throw new InputFormatError(`Record ${this.#count + 1}: "${text}" is not a header length`);
          lengths[part.kind] = Number(text);
        }
      }
      headers.push({ key, value });
    }
    return headers;
  }
}

function tokenOf(part: Part): string {
  return { topic: "t", partition: "p", offset: "o", leaderEpoch: "e", keyLength: "K", valueLength: "V", headerCount: "H" }[part.kind as string] ?? part.kind;
}

function expectLiteral(cursor: Cursor, literal: Uint8Array, count: number): void {
  const end = cursor.at + literal.length;
  if (end > cursor.bytes.length) {
    if (!cursor.final) throw needMore;
    // The input may end without the format's final delimiter (a last line without its newline).
    if (cursor.at === cursor.bytes.length) return;
  }
  if (cursor.bytes.compare(literal, 0, literal.length, cursor.at, Math.min(end, cursor.bytes.length)) !== 0) {
    const found = cursor.bytes.subarray(cursor.at, Math.min(end, cursor.bytes.length)).toString("latin1");
    throw new InputFormatError(`Record ${count + 1}: expected ${JSON.stringify(Buffer.from(literal).toString("latin1"))} at byte ${cursor.at}, found ${JSON.stringify(found)}`);
  }
  cursor.at = end;
}

/** The bytes of a field that ends at the next literal (or the end of the input). */
function readField(cursor: Cursor, parts: Part[], index: number): Buffer {
  const next = parts[index + 1];
  const bytes = cursor.bytes;
  if (next === undefined || next.kind !== "literal") {
    if (!cursor.final) throw needMore;
    const field = bytes.subarray(cursor.at);
    cursor.at = bytes.length;
    return field;
  }
  const end = bytes.indexOf(next.bytes, cursor.at);
  if (end === -1) {
    // At the end of input the final delimiter may be missing: the field runs to the end.
    if (!cursor.final || index + 2 !== parts.length) throw needMore;
    const field = bytes.subarray(cursor.at);
    cursor.at = bytes.length;
    return field;
  }
  const field = bytes.subarray(cursor.at, end);
  cursor.at = end;
  return field;
}

/** A key or value: exactly `length` bytes when a %K / %V gave one (-1: null), else up to the next literal. */
function readBytes(cursor: Cursor, parts: Part[], index: number, length: number, encoding: BytesEncoding, count: number): Uint8Array | null {
  if (length === -1) return null;
  let field: Buffer;
  if (length >= 0 && encoding === "raw") {
    if (cursor.at + length > cursor.bytes.length) {
      if (!cursor.final) throw needMore;
      throw new InputFormatError(`Record ${count + 1}: the input ends inside a ${length}-byte field`);
    }
    field = cursor.bytes.subarray(cursor.at, cursor.at + length);
    cursor.at += length;
  } else {
    field = readField(cursor, parts, index);
  }
  if (encoding === "raw") return field;
  const text = field.toString("latin1");
  const valid = encoding === "hex" ? /^([0-9a-fA-F]{2})*$/.test(text) : /^[A-Za-z0-9+/]*={0,2}$/.test(text);
  if (!valid) throw new InputFormatError(`Record ${count + 1}: "${text.slice(0, 40)}" is not ${encoding}`);
  return Buffer.from(text, encoding);
}

function parseTime(text: string, style: TimestampStyle, count: number): number {
  const ms = style === "rfc3339" ? Date.parse(text) : /^\d+$/.test(text) ? Number(text) * (style === "unix" ? 1000 : 1) : Number.NaN;
  if (Number.isNaN(ms)) throw new InputFormatError(`Record ${count + 1}: "${text}" is not a timestamp`);
  return ms;
}

/** kcat's header list `k=v,k2=v2` (a header without '=' has a null value). */
function kcatHeaders(field: Buffer): RecordHeader[] {
  if (field.length === 0) return [];
  return field
    .toString("utf8")
    .split(",")
    .map((pair) => {
      const at = pair.indexOf("=");
      return at === -1 ? { key: pair, value: null } : { key: pair.slice(0, at), value: Buffer.from(pair.slice(at + 1)) };
    });
}
