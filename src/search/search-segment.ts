// What a query reads of one index segment, whichever form it has: the live segment in memory
// (live-segment.ts), where new records are indexed, or a sealed segment read in place from its
// file (sealed-segment.ts). Queries (evaluate.ts), aggregations and hits see only this, so both
// forms answer every query the same way (tests/search/sealed-segment.test.ts compares them).
//
// Documents are numbered 0, 1, 2, … in offset order within a segment. Lists of documents are
// ascending. Terms and keyword values are ordered by their UTF-8 bytes (compareUtf8), the order
// of the sealed format's dictionaries.

import type { FlatFields } from "./document.ts";

/** A record as hits, highlights and phrase checks need it. */
export interface StoredRecord {
  key: string | null;
  /** The value as UTF-8 text; null when absent or not UTF-8 (then valueIsBinary). */
  value: string | null;
  headers: Record<string, string>;
  valueIsBinary: boolean;
  /** The value's flattened JSON fields, when the reader had to compute them anyway (spares a phrase check a second parse). */
  fields?: FlatFields;
}

/** A term's documents (ascending) and how often the term occurs in each. */
export interface Postings {
  docs: ArrayLike<number>;
  freqs: ArrayLike<number>;
}

/**
 * A term's postings with where it occurs in each document: `positions` holds, for each posting
 * in order, its freqs[i] token numbers (ascending) in the document's field.
 */
export interface PositionedPostings extends Postings {
  positions: ArrayLike<number>;
}

/** Per text field: documents having it and their summed length in tokens (for BM25's average). */
export interface TextTotals {
  docs: number;
  sum: number;
}

export interface TextField {
  readonly totals: TextTotals;
  /** Documents having `term`; null when none. */
  postings(term: string): Postings | null;
  /**
   * Whether positioned() answers: false for a field searched as the union of others (the default
   * field of JSON values, value-text.ts), whose phrases are checked on the records instead.
   */
  readonly keepsPositions: boolean;
  /** `term`'s postings with its positions; null when no document has it (or the field keeps no positions). */
  positioned(term: string): PositionedPostings | null;
  /** How many documents have `term`. */
  documentFrequency(term: string): number;
  /** The field's length in tokens in `doc`; 0 when the document does not have it. */
  length(doc: number): number;
  /** The terms starting with `prefix` ("" for all), in UTF-8 byte order. */
  terms(prefix: string): Iterable<string>;
}

export interface KeywordField {
  /** Distinct values, in UTF-8 byte order; ordinals index this order. */
  readonly cardinality: number;
  value(ordinal: number): string;
  /** The ordinal of `value`; -1 when no document has it. */
  ordinal(value: string): number;
  /** Documents holding the value with this ordinal. */
  docs(ordinal: number): ArrayLike<number>;
  /** Calls `visit` with the ordinal of each value `doc` holds (ascending). */
  forEachOrdinal(doc: number, visit: (ordinal: number) => void): void;
}

export interface NumberField {
  /** Calls `visit` with each number `doc` holds (ascending). */
  forEachValue(doc: number, visit: (value: number) => void): void;
  /** Calls `visit` with each (document, number), documents ascending. */
  forEach(visit: (doc: number, value: number) => void): void;
}

export interface SearchSegment {
  readonly topic: string;
  readonly partition: number;
  readonly baseOffset: number;
  /** The offset after the last record covered (baseOffset when empty). */
  readonly endOffset: number;
  readonly docCount: number;
  offset(doc: number): number;
  timestamp(doc: number): number;
  hasKey(doc: number): boolean;
  hasValue(doc: number): boolean;
  /** The record of `doc`: from memory (live) or read from the log by its offset (sealed). */
  record(doc: number): StoredRecord;
  /** Names of the fields with text, keywords or numbers, in UTF-8 byte order. */
  fieldNames(): string[];
  text(field: string): TextField | null;
  keywords(field: string): KeywordField | null;
  numbers(field: string): NumberField | null;
  /** The log segment holding the records (a segment index never spans two log segments). */
  readonly logSegmentBase: number;
  /**
   * Where the records' batches start in that log segment's file: each batch's base offset and
   * byte position (-1 when unknown: the record is then found by scanning the file), ascending.
   */
  batches(): { baseOffsets: ArrayLike<number>; positions: ArrayLike<number> };
  /** Heap bytes this segment holds (mapped file pages are not heap). */
  readonly heapBytes: number;
}

const utf8 = new TextEncoder();

/** Orders strings by their UTF-8 bytes (which is code point order, unlike `<` on UTF-16). */
export function compareUtf8(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (astral code points) sort after every other UTF-16 unit in code point order.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** UTF-16 units where UTF-16 order and code point order can disagree: surrogates and what sorts after them. */
const surrogateOrAbove = /[\ud800-\uffff]/;

/**
 * Sorts strings in UTF-8 byte order, in place. The engine's own sort (UTF-16 order, native and
 * several times faster than a comparator) agrees unless a string holds a surrogate or a unit
 * above them, so it is redone with compareUtf8 only then; the check is a native regular
 * expression per string, not a comparison of neighbours in JavaScript (sealing sorts every term).
 */
export function sortUtf8(strings: string[]): string[] {
  strings.sort();
  for (const text of strings) if (surrogateOrAbove.test(text)) return strings.sort(compareUtf8);
  return strings;
}

/** UTF-8 bytes of `text`. */
export function utf8Bytes(text: string): Uint8Array {
  return utf8.encode(text);
}

/**
 * The log or the index changed under a running search (compaction removed a hit's record, a
 * rebuild replaced a chunk): searching again, once the index has caught up, answers.
 */
export class SearchChangedError extends Error {
  override name = "SearchChangedError";
  /** The record a sealed segment could not find in the log: its chunk no longer matches the log. */
  readonly at?: { topic: string; partition: number; offset: number };

  constructor(message: string, at?: { topic: string; partition: number; offset: number }) {
    super(message);
    this.at = at;
  }
}
