// A test-only SearchSegment built from plain arrays: the reference the sealed format is compared
// with. It is deliberately naive (maps and sorts, no compression) so it is obviously right.

import type { SearchDocument } from "../../src/search/document.ts";
import {
  compareUtf8,
  type KeywordField,
  type NumberField,
  type PositionedPostings,
  type Postings,
  type SearchSegment,
  type StoredRecord,
  type TextField,
} from "../../src/search/search-segment.ts";
import { terms as tokenTerms } from "../../src/search/tokenizer.ts";

/** One document as plain data: its columns, its record and its analysed fields. */
export interface ArrayDoc {
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  valueIsBinary?: boolean;
  headers?: Record<string, string>;
  /** Field → its tokens, in order (repeats count as term frequency). */
  text?: Record<string, string[]>;
  /** Field → its exact values (duplicates allowed; a document holds each value once). */
  keywords?: Record<string, string[]>;
  /** Field → its numbers (any order; a document's values are reported ascending). */
  numbers?: Record<string, number[]>;
}

export interface ArraySegmentOptions {
  topic?: string;
  partition?: number;
  baseOffset?: number;
  endOffset?: number;
  logSegmentBase?: number;
  /** Batch table; by default one unknown-position batch per document. */
  batches?: { baseOffsets: number[]; positions: number[] };
}

class ArrayTextField implements TextField {
  readonly totals = { docs: 0, sum: 0 };
  readonly keepsPositions = true;
  readonly #postings = new Map<string, { docs: number[]; freqs: number[]; positions: number[] }>();
  readonly #lengths: number[];
  readonly #sorted: string[];

  constructor(docs: readonly ArrayDoc[], field: string) {
    this.#lengths = docs.map(() => 0);
    docs.forEach((doc, number) => {
      const tokens = doc.text?.[field];
      if (tokens === undefined) return;
      this.#lengths[number] = tokens.length;
      if (tokens.length > 0) this.totals.docs++;
      this.totals.sum += tokens.length;
      const where = new Map<string, number[]>();
      tokens.forEach((token, position) => where.set(token, [...(where.get(token) ?? []), position]));
      for (const [term, positions] of where) {
        let postings = this.#postings.get(term);
        if (!postings) this.#postings.set(term, (postings = { docs: [], freqs: [], positions: [] }));
        postings.docs.push(number);
        postings.freqs.push(positions.length);
        postings.positions.push(...positions);
      }
    });
    this.#sorted = [...this.#postings.keys()].sort(compareUtf8);
  }

  postings(term: string): Postings | null {
    return this.#postings.get(term) ?? null;
  }

  positioned(term: string): PositionedPostings | null {
    return this.#postings.get(term) ?? null;
  }

  documentFrequency(term: string): number {
    return this.#postings.get(term)?.docs.length ?? 0;
  }

  length(doc: number): number {
    return this.#lengths[doc] ?? 0;
  }

  *terms(prefix: string): Iterable<string> {
    for (const term of this.#sorted) if (term.startsWith(prefix)) yield term;
  }
}

class ArrayKeywordField implements KeywordField {
  readonly #values: string[];
  readonly #ordinals = new Map<string, number>();
  readonly #docs: number[][];
  readonly #docOrdinals: number[][];

  constructor(docs: readonly ArrayDoc[], field: string) {
    const distinct = new Set<string>();
    for (const doc of docs) for (const value of doc.keywords?.[field] ?? []) distinct.add(value);
    this.#values = [...distinct].sort(compareUtf8);
    this.#values.forEach((value, ordinal) => this.#ordinals.set(value, ordinal));
    this.#docs = this.#values.map(() => []);
    this.#docOrdinals = docs.map((doc, number) => {
      const ordinals = [...new Set((doc.keywords?.[field] ?? []).map((value) => this.#ordinals.get(value)!))].sort((a, b) => a - b);
      for (const ordinal of ordinals) this.#docs[ordinal].push(number);
      return ordinals;
    });
  }

  get cardinality(): number {
    return this.#values.length;
  }

  value(ordinal: number): string {
    return this.#values[ordinal];
  }

  ordinal(value: string): number {
    return this.#ordinals.get(value) ?? -1;
  }

  docs(ordinal: number): ArrayLike<number> {
    return this.#docs[ordinal] ?? [];
  }

  forEachOrdinal(doc: number, visit: (ordinal: number) => void): void {
    for (const ordinal of this.#docOrdinals[doc] ?? []) visit(ordinal);
  }
}

class ArrayNumberField implements NumberField {
  readonly #values: number[][];

  constructor(docs: readonly ArrayDoc[], field: string) {
    this.#values = docs.map((doc) => [...(doc.numbers?.[field] ?? [])].sort((a, b) => a - b));
  }

  forEachValue(doc: number, visit: (value: number) => void): void {
    for (const value of this.#values[doc] ?? []) visit(value);
  }

  forEach(visit: (doc: number, value: number) => void): void {
    this.#values.forEach((values, doc) => {
      for (const value of values) visit(doc, value);
    });
  }
}

export class ArraySegment implements SearchSegment {
  readonly topic: string;
  readonly partition: number;
  readonly baseOffset: number;
  readonly endOffset: number;
  readonly logSegmentBase: number;
  readonly heapBytes = 0;
  readonly docs: readonly ArrayDoc[];
  readonly #texts = new Map<string, ArrayTextField>();
  readonly #keywords = new Map<string, ArrayKeywordField>();
  readonly #numbers = new Map<string, ArrayNumberField>();
  readonly #batches: { baseOffsets: number[]; positions: number[] };

  constructor(docs: readonly ArrayDoc[], options: ArraySegmentOptions = {}) {
    this.docs = docs;
    this.topic = options.topic ?? "topic";
    this.partition = options.partition ?? 0;
    this.baseOffset = options.baseOffset ?? docs[0]?.offset ?? 0;
    this.endOffset = options.endOffset ?? (docs.length > 0 ? docs[docs.length - 1].offset + 1 : this.baseOffset);
    this.logSegmentBase = options.logSegmentBase ?? 0;
    this.#batches = options.batches ?? { baseOffsets: docs.map((doc) => doc.offset), positions: docs.map(() => -1) };
    for (const doc of docs) {
      for (const field of Object.keys(doc.text ?? {})) if (!this.#texts.has(field)) this.#texts.set(field, new ArrayTextField(docs, field));
      for (const field of Object.keys(doc.keywords ?? {})) if (!this.#keywords.has(field)) this.#keywords.set(field, new ArrayKeywordField(docs, field));
      for (const field of Object.keys(doc.numbers ?? {})) if (!this.#numbers.has(field)) this.#numbers.set(field, new ArrayNumberField(docs, field));
    }
  }

  get docCount(): number {
    return this.docs.length;
  }

  offset(doc: number): number {
    return this.docs[doc].offset;
  }

  timestamp(doc: number): number {
    return this.docs[doc].timestamp;
  }

  hasKey(doc: number): boolean {
    return this.docs[doc].key !== null;
  }

  hasValue(doc: number): boolean {
    return this.docs[doc].value !== null || this.docs[doc].valueIsBinary === true;
  }

  record(doc: number): StoredRecord {
    const { key, value, headers, valueIsBinary } = this.docs[doc];
    return { key, value, headers: headers ?? {}, valueIsBinary: valueIsBinary ?? false };
  }

  fieldNames(): string[] {
    return [...new Set([...this.#texts.keys(), ...this.#keywords.keys(), ...this.#numbers.keys()])].sort(compareUtf8);
  }

  text(field: string): TextField | null {
    return this.#texts.get(field) ?? null;
  }

  keywords(field: string): KeywordField | null {
    return this.#keywords.get(field) ?? null;
  }

  numbers(field: string): NumberField | null {
    return this.#numbers.get(field) ?? null;
  }

  batches(): { baseOffsets: ArrayLike<number>; positions: ArrayLike<number> } {
    return this.#batches;
  }
}

/** Longer strings are not exact keywords (segment-index.ts's keywordCharsMax). */
const keywordCharsMax = 256;

/**
 * The fields a search document gives, as segment-index.ts add() indexes them: _key and each
 * _headers.<name> as text and keyword; _value as text (a JSON object's values, not its names);
 * each flattened JSON field's strings as text, strings and booleans as keywords, numbers as numbers.
 */
export function arrayDocOf(document: SearchDocument): ArrayDoc {
  const text: Record<string, string[]> = {};
  const keywords: Record<string, string[]> = {};
  const numbers: Record<string, number[]> = {};
  const exact = (field: string, value: string) => {
    text[field] = tokenTerms(value);
    if (value.length <= keywordCharsMax) keywords[field] = [value];
  };
  if (document.key !== null) exact("_key", document.key);
  for (const [name, value] of Object.entries(document.headers)) exact(`_headers.${name}`, value);
  if (document.value !== null) {
    const parts: string[] = [];
    for (const values of document.fields.values()) {
      parts.push(...values.filter((value) => typeof value === "string"), ...values.filter((value) => typeof value !== "string").map(String));
    }
    text._value = tokenTerms(document.fields.size === 0 ? document.value : parts.join("\n"));
    for (const [path, values] of document.fields) {
      const strings = values.filter((value): value is string => typeof value === "string");
      if (strings.length > 0) text[path] = tokenTerms(strings.join("\n"));
      const exactValues = values.filter((value) => typeof value !== "number" && String(value).length <= keywordCharsMax).map(String);
      if (exactValues.length > 0) keywords[path] = exactValues;
      const numeric = values.filter((value): value is number => typeof value === "number");
      if (numeric.length > 0) numbers[path] = numeric;
    }
  }
  return {
    offset: document.offset,
    timestamp: document.timestamp,
    key: document.key,
    value: document.value,
    valueIsBinary: document.valueIsBinary,
    headers: document.headers,
    text,
    keywords,
    numbers,
  };
}
