// The document model: what one record becomes in the search index.
//
// Metadata fields (prefixed with "_" so they never collide with a JSON value's own fields):
//   _topic, _partition, _offset, _timestamp (ms since the epoch), _key, _headers.<name>
// The value as text is the default search field ("_value"); for a JSON object that is the text
// of its values, not of its field names. A JSON object value is also
// flattened into typed fields by dotted path: {"http":{"status":500}} gives "http.status" = 500.
// Strings are indexed as text and as exact keywords, numbers and booleans as such, arrays of
// scalars as several values of one field.

import type { DecodedRecord } from "../records/decode-batches.ts";

export type FieldValue = string | number | boolean;

export interface SearchDocument {
  offset: number;
  timestamp: number;
  key: string | null;
  headers: Record<string, string>;
  /** The value decoded as UTF-8, or null when the record has no value or it is not valid UTF-8. */
  value: string | null;
  /** Whether the value was present but not UTF-8 (it is then not indexed as text). */
  valueIsBinary: boolean;
  /** Flattened JSON fields by dotted path; empty when the value is not a JSON object. */
  fields: FlatFields;
}

/** Field names of the record metadata. */
export const MetaField = {
  topic: "_topic",
  partition: "_partition",
  offset: "_offset",
  timestamp: "_timestamp",
  key: "_key",
  value: "_value",
  headersPrefix: "_headers.",
} as const;

/** Nesting deeper than this in a JSON value is not flattened (the text still is searchable). */
export const flattenDepthMax = 16;
/** Flattened fields kept per document. */
export const flattenFieldsMax = 1000;

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function decodeUtf8(bytes: Uint8Array | null): string | null {
  if (bytes === null) return null;
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

/** Counts what could not be indexed as text, for /metrics and logs. */
export interface DocumentCounters {
  binaryValues: number;
}

/** Turns a decoded record into a search document; a non-UTF-8 value or key is counted, never thrown. */
export function recordToDocument(record: DecodedRecord, counters: DocumentCounters): SearchDocument {
  const value = decodeUtf8(record.value);
  const valueIsBinary = record.value !== null && value === null;
  if (valueIsBinary) counters.binaryValues++;
  const headers: Record<string, string> = {};
  for (const header of record.headers) {
    const text = decodeUtf8(header.value);
    if (text !== null) headers[header.key] = text;
  }
  return {
    offset: record.offset,
    timestamp: record.timestamp,
    key: decodeUtf8(record.key),
    headers,
    value,
    valueIsBinary,
    fields: value === null ? FlatFields.none : flattenJsonText(value),
  };
}

/**
 * A JSON object's scalars by dotted path: the paths in the order first seen, each with its values
 * in order. Indexing reads every record through one, so most of it costs no object per field:
 * a path's first value sits in one array, the few values after it in a map by path number, and
 * paths are looked up only once one could come again (below an array or a nested object: a
 * flat object's keys are distinct).
 */
export class FlatFields {
  /** No fields: a value that is not a JSON object. */
  static readonly none: FlatFields = FlatFields.#empty();
  /** The distinct paths, in the order first seen. */
  readonly paths: string[] = [];
  /** Each path's first value. */
  readonly #firsts: FieldValue[] = [];
  /** The values after the first, by path number. */
  #more: Map<number, FieldValue[]> | null = null;
  /** Path → number, once a path could be seen again. */
  #numbers: Map<string, number> | null = null;

  /** Shared, so its paths are frozen: adding to it throws. */
  static #empty(): FlatFields {
    const fields = new FlatFields();
    Object.freeze(fields.paths);
    return fields;
  }

  get size(): number {
    return this.paths.length;
  }

  /** How many values path number `i` has. */
  count(i: number): number {
    const more = this.#more?.get(i);
    return more === undefined ? 1 : 1 + more.length;
  }

  /** Value `k` (< count(i)) of path number `i`. */
  value(i: number, k: number): FieldValue {
    return k === 0 ? this.#firsts[i] : this.#more!.get(i)![k - 1];
  }

  /** The values of `path` (a new array); undefined when it has none. */
  get(path: string): FieldValue[] | undefined {
    const i = this.paths.indexOf(path);
    return i < 0 ? undefined : this.#valuesOf(i);
  }

  /** Each path with its values (new arrays), in order. */
  *entries(): IterableIterator<[string, FieldValue[]]> {
    for (let i = 0; i < this.paths.length; i++) yield [this.paths[i], this.#valuesOf(i)];
  }

  [Symbol.iterator](): IterableIterator<[string, FieldValue[]]> {
    return this.entries();
  }

  /** Each path's values (new arrays), in order. */
  *values(): IterableIterator<FieldValue[]> {
    for (let i = 0; i < this.paths.length; i++) yield this.#valuesOf(i);
  }

  #valuesOf(i: number): FieldValue[] {
    const values: FieldValue[] = [];
    for (let k = 0; k < this.count(i); k++) values.push(this.value(i, k));
    return values;
  }

  /** Adds a value of `path`; a new path beyond flattenFieldsMax is dropped. */
  add(path: string, value: FieldValue): void {
    const i = this.#numbers === null ? -1 : (this.#numbers.get(path) ?? -1);
    if (i >= 0) {
      this.#more ??= new Map();
      const more = this.#more.get(i);
      if (more === undefined) this.#more.set(i, [value]);
      else more.push(value);
      return;
    }
    if (this.paths.length >= flattenFieldsMax) return;
    this.#numbers?.set(path, this.paths.length);
    this.paths.push(path);
    this.#firsts.push(value);
  }

  /** From now on a path may come again: paths are looked up. */
  mayRepeat(): void {
    if (this.#numbers !== null) return;
    this.#numbers = new Map();
    for (let i = 0; i < this.paths.length; i++) this.#numbers.set(this.paths[i], i);
  }
}

/** The flattened fields of `text` when it is a JSON object, else none. */
export function flattenJsonText(text: string): FlatFields {
  const trimmed = text.trimStart();
  if (!trimmed.startsWith("{")) return FlatFields.none;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return FlatFields.none;
  }
  const fields = new FlatFields();
  flattenInto(fields, parsed, "", 0);
  return fields;
}

function flattenInto(fields: FlatFields, value: unknown, path: string, depth: number): void {
  if (value === null || value === undefined || depth > flattenDepthMax) return;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    if (path === "" || (typeof value === "number" && !Number.isFinite(value))) return;
    fields.add(path, value);
    return;
  }
  if (Array.isArray(value)) {
    fields.mayRepeat();
    for (const element of value) flattenInto(fields, element, path, depth + 1);
    return;
  }
  if (typeof value === "object") {
    // A nested object's paths could equal a dotted key's ({"a.b": 1, "a": {"b": 2}}).
    if (depth > 0) fields.mayRepeat();
    // for…in over a parsed object (own, enumerable keys only) spares the entries arrays Object.entries would allocate.
    const object = value as Record<string, unknown>;
    for (const name in object) flattenInto(fields, object[name], path === "" ? name : `${path}.${name}`, depth + 1);
  }
}

/** The text a JSON object's values give the default field: each field's strings, then its other scalars, in order. */
export function jsonValueText(fields: FlatFields): string {
  const parts: string[] = [];
  for (const values of fields.values()) {
    for (const value of values) if (typeof value === "string") parts.push(value);
    for (const value of values) if (typeof value !== "string") parts.push(String(value));
  }
  return parts.join("\n");
}

/** The text `field` of a record was indexed with (phrase checks re-analyse it); null when it has none. */
export function indexedText(record: { key: string | null; value: string | null; headers: Record<string, string>; fields?: FlatFields }, field: string): string | null {
  if (field === MetaField.key) return record.key;
  if (field.startsWith(MetaField.headersPrefix)) return record.headers[field.slice(MetaField.headersPrefix.length)] ?? null;
  const value = record.value;
  if (value === null) return null;
  const fields = record.fields ?? flattenJsonText(value);
  if (field === MetaField.value) return fields.size === 0 ? value : jsonValueText(fields);
  const strings = (fields.get(field) ?? []).filter((item) => typeof item === "string");
  return strings.length === 0 ? null : strings.join("\n");
}

/** ISO 8601 dates and times as Elasticsearch's strict_date_optional_time reads them: 2024-05-01, 2024-05-01T10:00:00.123Z. */
const isoDate = /^\d{4}-\d{2}-\d{2}(?:T\d{2}(?::\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * The time (epoch ms) of a JSON string that is an ISO 8601 date, else null. Such strings are
 * indexed as dates, as Elasticsearch's dynamic mapping does (date_detection): as numbers, for
 * ranges, sorting and date histograms, and not as text or keywords.
 */
export function detectedDate(text: string): number | null {
  // Most strings are not dates: a look at two characters rejects them before the expression runs.
  if (text.length < 10 || text.length > 35 || text.charCodeAt(4) !== 45 || !isDigit(text.charCodeAt(0))) return null;
  const common = text.length === 24 ? commonUtcTime(text) : null;
  if (common !== null) return common;
  if (!isoDate.test(text)) return null;
  const time = Date.parse(text.replace(",", "."));
  return Number.isNaN(time) ? null : time;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** The digits of `text` from `start` to `end` as a number; -1 unless they are all digits. */
function digitsAt(text: string, start: number, end: number): number {
  let value = 0;
  for (let at = start; at < end; at++) {
    const code = text.charCodeAt(at);
    if (!isDigit(code)) return -1;
    value = value * 10 + code - 48;
  }
  return value;
}

/**
 * The time of the form log lines use most, 2024-05-01T10:00:00.123Z (what toISOString writes),
 * read without Date.parse; null for anything else, including fields out of the plain ranges
 * (day 29 and later, hour 24), which are left to Date.parse so the result is always its own.
 */
function commonUtcTime(text: string): number | null {
  if (text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58 || text.charCodeAt(19) !== 46 || text.charCodeAt(23) !== 90) return null;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 7);
  const day = digitsAt(text, 8, 10);
  const hour = digitsAt(text, 11, 13);
  const minute = digitsAt(text, 14, 16);
  const second = digitsAt(text, 17, 19);
  const millisecond = digitsAt(text, 20, 23);
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > 28 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || millisecond < 0) return null;
  return Date.UTC(year, month - 1, day, hour, minute, second, millisecond);
}
