// The live part of a partition's index: the newest documents, in memory, searchable as soon as
// they are added. It is small by design (the indexer seals it into a compact file at a size
// limit, sealed-segment-writer.ts), so its structures favour adding fast: per text field a term
// table and occurrence chains in typed arrays (occurrence-chains.ts), per keyword field a Map of
// values and chains, numbers in a Float64Array column, and the records themselves (a hit on a
// live document needs no read from the log).
//
// Orama, which held every segment before, is not on this path: on the same 100k log lines it
// indexed 18,900 documents/s with 4.3 KB of heap per document, where these maps index several
// times faster (docs/search.md has the figures).

import { detectedDate, type FlatFields, MetaField, type SearchDocument } from "./document.ts";
import {
  type KeywordField,
  type NumberField,
  type PositionedPostings,
  type Postings,
  type SearchSegment,
  type StoredRecord,
  type TextField,
  type TextTotals,
  sortUtf8,
} from "./search-segment.ts";
import { OccurrenceChains } from "./occurrence-chains.ts";
import type { PostingsBuffer } from "./postings-buffer.ts";
import { TermTable } from "./term-table.ts";
import { asciiTermSpans, fieldTokensMax, terms } from "./tokenizer.ts";
import { valueScalarsField } from "./value-text.ts";

/** Longer strings are not indexed as exact keywords (Elasticsearch's ignore_above: 256). */
export const keywordCharsMax = 256;
/** Distinct fields indexed per segment; later fields are still searchable in the value's text. */
export const fieldsMax = 1000;

/**
 * Heap cost estimates for sealing by size (tests/search/live-segment.test.ts holds them between
 * one and two times the heap really taken): an occurrence of a term is three numbers in typed
 * arrays with room to grow (occurrence-chains.ts), a term or value its table slots, string and
 * chain heads, a document its columns and record (strings at two bytes per character), a keyword
 * value of a document its occurrence and column slot.
 */
const bytesPerPosition = 12;
const bytesPerTerm = 120;
/** A text term's extra: its hash. */
const bytesPerTextTerm = 20;
const bytesPerDocument = 400;
const bytesPerValue = 24;

/**
 * Sets `array[index]`, filling the slots before it with `filler`: an array with holes falls
 * into the engine's slow sparse mode, which made indexing several times slower.
 */
function setDense<T>(array: T[], index: number, value: T, filler: T): void {
  while (array.length < index) array.push(filler);
  array[index] = value;
}

/** Whether `text` is all lowercase ASCII letters and digits (a whole number, true, false): its only term is itself. */
function isOneTerm(text: string): boolean {
  if (text.length === 0) return false;
  for (let at = 0; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (!((code >= 48 && code <= 57) || (code >= 97 && code <= 122))) return false;
  }
  return true;
}

/** Term spans of one value (asciiTermSpans), reused: indexing is synchronous. */
const spanScratch = new Int32Array(2 * fieldTokensMax);

export class LiveTextField implements TextField {
  readonly totals: TextTotals = { docs: 0, sum: 0 };
  readonly keepsPositions = true;
  /** The terms, numbered as first seen. */
  readonly #table = new TermTable();
  /** By term number: its occurrences (documents and token numbers). */
  readonly #chains = new OccurrenceChains(true);
  /** Length in tokens per document; 0 for documents without the field. */
  readonly #lengths: number[] = [];
  /** The term numbers of whole numbers added by addScalar, by value. */
  readonly #numberIds = new Map<number, number>();
  #sorted: string[] | null = null;
  /** Heap bytes the last addTerms call added. */
  addedBytes = 0;

  /** Adds `doc`'s tokens; returns the heap bytes added. */
  add(doc: number, tokens: readonly string[]): number {
    let bytes = 0;
    for (let position = 0; position < tokens.length; position++) bytes += this.#addTerm(doc, this.#table.intern(tokens[position]), position);
    this.addLength(doc, tokens.length);
    return bytes + 8;
  }

  /**
   * Adds the terms of `text` to `doc` at token numbers from `at` (the field's tokens already
   * added for it), up to fieldTokensMax in all (its length is counted by addLength, once all its
   * values are in); returns how many, and leaves the heap bytes added in addedBytes. ASCII text
   * is looked up span by span, without a string per token.
   */
  addTerms(doc: number, text: string, at: number): number {
    const room = fieldTokensMax - at;
    let bytes = 0;
    let count = room <= 0 ? 0 : asciiTermSpans(text, room, spanScratch);
    if (count >= 0) {
      for (let i = 0; i < count; i++) bytes += this.#addTerm(doc, this.#table.internSpan(text, spanScratch[2 * i], spanScratch[2 * i + 1]), at + i);
    } else {
      const tokens = terms(text);
      count = Math.min(tokens.length, room);
      for (let i = 0; i < count; i++) bytes += this.#addTerm(doc, this.#table.intern(tokens[i]), at + i);
    }
    this.addedBytes = bytes;
    return count;
  }

  /** Counts an occurrence of term `id` at token number `position` in `doc`; returns the heap bytes added. */
  #addTerm(doc: number, id: number, position: number): number {
    const isNew = id === this.#chains.keyCount;
    this.#chains.add(id, doc, position);
    if (!isNew) return bytesPerPosition;
    this.#sorted = null;
    return bytesPerTerm + bytesPerTextTerm + bytesPerPosition + 2 * this.#table.terms[id].length;
  }

  /**
   * Adds the terms of a JSON number or boolean to `doc` at token numbers from `at`; returns how
   * many, leaving the heap bytes added in addedBytes. A whole number's one term is itself: its
   * number is kept by value, so the number of a repeated one is found without its string.
   */
  addScalar(doc: number, scalar: number | boolean, at: number): number {
    let bytes = 0;
    let count = 1;
    if (typeof scalar === "number" && Number.isSafeInteger(scalar) && scalar >= 0) {
      let id = this.#numberIds.get(scalar);
      if (id === undefined) this.#numberIds.set(scalar, (id = this.#table.intern(String(scalar))));
      bytes += this.#addTerm(doc, id, at);
    } else {
      const text = String(scalar);
      const tokens = isOneTerm(text) ? [text] : terms(text);
      for (let i = 0; i < tokens.length; i++) bytes += this.#addTerm(doc, this.#table.intern(tokens[i]), at + i);
      count = tokens.length;
    }
    this.addedBytes = bytes;
    return count;
  }

  /** Counts `doc` as having the field with `length` tokens that are indexed elsewhere (the default field of a JSON value). */
  addLength(doc: number, length: number): void {
    setDense(this.#lengths, doc, length, 0);
    this.totals.docs++;
    this.totals.sum += length;
  }

  postings(term: string): Postings | null {
    const id = this.#table.find(term);
    return id < 0 ? null : this.#chains.postings(id);
  }

  positioned(term: string): PositionedPostings | null {
    const id = this.#table.find(term);
    return id < 0 ? null : this.#chains.positioned(id);
  }

  /** Appends the term's postings (and positions, when asked) to `buffer`, as a seal writes them; false when no document has it. */
  addPostingsTo(buffer: PostingsBuffer, term: string, withPositions: boolean): boolean {
    const id = this.#table.find(term);
    if (id < 0) return false;
    this.#chains.addTo(buffer, id, withPositions);
    return true;
  }

  documentFrequency(term: string): number {
    const id = this.#table.find(term);
    return id < 0 ? 0 : this.#chains.docFreq(id);
  }

  length(doc: number): number {
    return this.#lengths[doc] ?? 0;
  }

  terms(prefix: string): Iterable<string> {
    this.#sorted ??= sortUtf8([...this.#table.terms]);
    return prefix === "" ? this.#sorted : this.#sorted.filter((term) => term.startsWith(prefix));
  }
}

export class LiveKeywordField implements KeywordField {
  /** Value → its number in the order values were first seen. */
  readonly #ids = new Map<string, number>();
  /** By value number: the value, and its documents. */
  readonly #values: string[] = [];
  readonly #docs = new OccurrenceChains(false);
  /** Each document's value numbers (one number, or several); -1 for documents without any. */
  readonly #perDoc: (number | number[])[] = [];
  /** The values in UTF-8 order, each value number's ordinal there and back; rebuilt after new values. */
  #sorted: { values: string[]; ordinalOf: Int32Array; idOf: Int32Array } | null = null;

  add(doc: number, values: readonly string[]): number {
    if (values.length === 1) return this.addOne(doc, values[0]);
    let bytes = 0;
    const ids: number[] = [];
    for (const value of values) {
      let id = this.#ids.get(value);
      if (id === undefined) {
        id = this.#newValue(doc, value);
        bytes += bytesPerTerm + 2 * value.length;
      } else if (ids.includes(id)) continue;
      else this.#docs.add(id, doc, 0);
      ids.push(id);
    }
    setDense(this.#perDoc, doc, ids.length === 1 ? ids[0] : ids, -1);
    return bytes + bytesPerValue * ids.length;
  }

  /** add() of one value, the common case, without the array of ids. */
  addOne(doc: number, value: string): number {
    let bytes = bytesPerValue;
    let id = this.#ids.get(value);
    if (id === undefined) {
      id = this.#newValue(doc, value);
      bytes += bytesPerTerm + 2 * value.length;
    } else this.#docs.add(id, doc, 0);
    setDense(this.#perDoc, doc, id, -1);
    return bytes;
  }

  /** Numbers `value`, first seen in `doc`; returns its number. */
  #newValue(doc: number, value: string): number {
    const id = this.#values.length;
    this.#ids.set(value, id);
    this.#values.push(value);
    this.#docs.add(id, doc, 0);
    this.#sorted = null;
    return id;
  }

  /**
   * Each of the first `docCount` documents' ordinals, for sealing without a call per document: a
   * number, ascending numbers when it has several, or -1 when it has none.
   */
  ordinalsByDoc(docCount: number): (number | number[])[] {
    const { ordinalOf } = this.#order();
    const column: (number | number[])[] = new Array(docCount);
    for (let doc = 0; doc < docCount; doc++) {
      const ids = doc < this.#perDoc.length ? this.#perDoc[doc] : -1;
      if (typeof ids === "number") column[doc] = ids === -1 ? -1 : ordinalOf[ids];
      else column[doc] = ids.map((id) => ordinalOf[id]).sort((a, b) => a - b);
    }
    return column;
  }

  #order(): { values: string[]; ordinalOf: Int32Array; idOf: Int32Array } {
    if (this.#sorted === null) {
      const values = sortUtf8([...this.#values]);
      const ordinalOf = new Int32Array(values.length);
      const idOf = new Int32Array(values.length);
      for (let ordinal = 0; ordinal < values.length; ordinal++) {
        const id = this.#ids.get(values[ordinal])!;
        ordinalOf[id] = ordinal;
        idOf[ordinal] = id;
      }
      this.#sorted = { values, ordinalOf, idOf };
    }
    return this.#sorted;
  }

  get cardinality(): number {
    return this.#values.length;
  }

  value(ordinal: number): string {
    return this.#order().values[ordinal];
  }

  ordinal(value: string): number {
    const id = this.#ids.get(value);
    return id === undefined ? -1 : this.#order().ordinalOf[id];
  }

  docs(ordinal: number): ArrayLike<number> {
    return this.#docs.docs(this.#order().idOf[ordinal]);
  }

  /** Appends the documents of the value with this ordinal to `buffer` (with count 1 each), as a seal writes them. */
  addDocsTo(buffer: PostingsBuffer, ordinal: number): void {
    this.#docs.addTo(buffer, this.#order().idOf[ordinal], false);
  }

  forEachOrdinal(doc: number, visit: (ordinal: number) => void): void {
    const ids = this.#perDoc[doc];
    if (ids === undefined || ids === -1) return;
    const { ordinalOf } = this.#order();
    if (typeof ids === "number") {
      visit(ordinalOf[ids]);
      return;
    }
    const found = ids.map((id) => ordinalOf[id]);
    found.sort((a, b) => a - b);
    for (const ordinal of found) visit(ordinal);
  }
}

export class LiveNumberField implements NumberField {
  /** Each document's number when it has exactly one; NaN when it has none or several (JSON numbers are finite). */
  #single = new Float64Array(256).fill(NaN);
  /** The documents with several numbers: their numbers ascending. */
  readonly #several = new Map<number, number[]>();
  /** One past the last document with numbers. */
  #docEnd = 0;

  /** Adds `doc`'s only number; returns the heap bytes added. */
  addOne(doc: number, value: number): number {
    if (doc >= this.#single.length) {
      const grown = new Float64Array(Math.max(doc + 1, 2 * this.#single.length)).fill(NaN);
      grown.set(this.#single);
      this.#single = grown;
    }
    this.#single[doc] = value;
    this.#docEnd = doc + 1;
    return bytesPerValue;
  }

  /** Adds `doc`'s numbers; returns the heap bytes added. */
  add(doc: number, numbers: number[]): number {
    if (numbers.length === 1) return this.addOne(doc, numbers[0]);
    numbers.sort((a, b) => a - b);
    this.#several.set(doc, numbers);
    this.#docEnd = doc + 1;
    return bytesPerValue * (numbers.length + 1);
  }

  /**
   * Document `doc`'s numbers ascending, as held or in `scratch` (sealing reads them without a
   * call per value): empty when it has none.
   */
  valuesAt(doc: number, scratch: number[]): readonly number[] {
    const single = doc < this.#single.length ? this.#single[doc] : NaN;
    if (!Number.isNaN(single)) {
      scratch.length = 1;
      scratch[0] = single;
      return scratch;
    }
    scratch.length = 0;
    return this.#several.get(doc) ?? scratch;
  }

  forEachValue(doc: number, visit: (value: number) => void): void {
    for (const value of this.valuesAt(doc, [])) visit(value);
  }

  forEach(visit: (doc: number, value: number) => void): void {
    const scratch: number[] = [];
    for (let doc = 0; doc < this.#docEnd; doc++) for (const value of this.valuesAt(doc, scratch)) visit(doc, value);
  }
}

export class LiveSegment implements SearchSegment {
  readonly topic: string;
  readonly partition: number;
  readonly baseOffset: number;
  readonly logSegmentBase: number;
  endOffset: number;
  heapBytes = 0;
  readonly #offsets: number[] = [];
  readonly #timestamps: number[] = [];
  readonly #records: StoredRecord[] = [];
  readonly #batchOffsets: number[] = [];
  readonly #batchPositions: number[] = [];
  readonly #texts = new Map<string, LiveTextField>();
  readonly #keywords = new Map<string, LiveKeywordField>();
  readonly #numbers = new Map<string, LiveNumberField>();
  /** Every field name seen, to bound them at fieldsMax. */
  readonly #fields = new Set<string>();

  constructor(topic: string, partition: number, baseOffset: number, logSegmentBase: number) {
    this.topic = topic;
    this.partition = partition;
    this.baseOffset = baseOffset;
    this.endOffset = baseOffset;
    this.logSegmentBase = logSegmentBase;
  }

  get docCount(): number {
    return this.#offsets.length;
  }

  /** Notes where a batch whose records are added next starts in the log segment's file (-1: unknown). */
  addBatch(baseOffset: number, position: number): void {
    const last = this.#batchOffsets.length - 1;
    if (last >= 0 && this.#batchOffsets[last] >= baseOffset) return;
    this.#batchOffsets.push(baseOffset);
    this.#batchPositions.push(position);
    this.heapBytes += 16;
  }

  /** Adds a document; its offset must be past every offset already indexed. */
  add(document: SearchDocument): void {
    if (document.offset < this.endOffset) {
      throw new Error(`Cannot index offset ${document.offset} in segment ${this.baseOffset}: already indexed up to ${this.endOffset}`);
    }
    const doc = this.#offsets.length;
    this.#offsets.push(document.offset);
    this.#timestamps.push(document.timestamp);
    this.#records.push({ key: document.key, value: document.value, headers: document.headers, valueIsBinary: document.valueIsBinary });
    this.endOffset = document.offset + 1;
    let bytes = bytesPerDocument + 2 * ((document.value?.length ?? 0) + (document.key?.length ?? 0));

    if (document.key !== null) bytes += this.#addExact(doc, MetaField.key, document.key);
    for (const name in document.headers) {
      const value = document.headers[name];
      bytes += 2 * (name.length + value.length) + this.#addExact(doc, MetaField.headersPrefix + name, value);
    }
    if (document.value !== null) {
      if (document.fields.size === 0) bytes += this.#text(MetaField.value)!.add(doc, terms(document.value));
      else bytes += this.#addJson(doc, document.fields);
    }
    this.heapBytes += bytes;
  }

  /** Moves the end past offsets that held no indexable record (control batches, compacted gaps). */
  advanceEndOffset(offset: number): void {
    if (offset > this.endOffset) this.endOffset = offset;
  }

  /**
   * A JSON object: each field's strings as its text, its strings and booleans as keywords, its
   * numbers and dates (detectedDate) as numbers, and the terms of its numbers and booleans as the text of the scalars
   * field. The default field's terms are not indexed again: it is searched as the union of
   * those fields (value-text.ts); only its length (all of them together) is kept.
   */
  #addJson(doc: number, fields: FlatFields): number {
    let bytes = 0;
    let valueLength = 0;
    let scalars: LiveTextField | null = null;
    let scalarTokens = 0;
    for (let field = 0; field < fields.size; field++) {
      const path = fields.paths[field];
      const count = fields.count(field);
      // Most fields hold one value: it goes to its structures without the arrays of several.
      const one = count === 1;
      // The field's strings' tokens, at most fieldTokensMax in all; -1 until it has a string.
      let tokenCount = -1;
      let text: LiveTextField | null = null;
      let keywords: string[] | null = null;
      let numbers: number[] | null = null;
      for (let k = 0; k < count; k++) {
        const value = fields.value(field, k);
        if (typeof value === "string") {
          const date = detectedDate(value);
          if (date !== null) {
            if (one) bytes += this.#number(path)?.addOne(doc, date) ?? 0;
            else (numbers ??= []).push(date);
            continue;
          }
          if (tokenCount < 0) {
            tokenCount = 0;
            text = this.#text(path);
          }
          if (text === null) tokenCount += Math.min(fieldTokensMax - tokenCount, terms(value).length);
          else {
            tokenCount += text.addTerms(doc, value, tokenCount);
            bytes += text.addedBytes;
          }
          if (value.length > keywordCharsMax) continue;
          if (one) bytes += this.#keyword(path)?.addOne(doc, value) ?? 0;
          else (keywords ??= []).push(value);
          continue;
        }
        if (typeof value === "number") {
          if (one) bytes += this.#number(path)?.addOne(doc, value) ?? 0;
          else (numbers ??= []).push(value);
        } else if (one) bytes += this.#keyword(path)?.addOne(doc, String(value)) ?? 0;
        else (keywords ??= []).push(String(value));
        scalars ??= this.#text(valueScalarsField)!;
        scalarTokens += scalars.addScalar(doc, value, scalarTokens);
        bytes += scalars.addedBytes;
      }
      if (tokenCount >= 0) {
        valueLength += tokenCount;
        if (text !== null) {
          text.addLength(doc, tokenCount);
          bytes += 8;
        }
      }
      if (keywords !== null) bytes += this.#keyword(path)?.add(doc, keywords) ?? 0;
      if (numbers !== null) bytes += this.#number(path)?.add(doc, numbers) ?? 0;
    }
    if (scalars !== null) {
      valueLength += scalarTokens;
      scalars.addLength(doc, scalarTokens);
      bytes += 8;
    }
    this.#text(MetaField.value)!.addLength(doc, Math.min(valueLength, fieldTokensMax));
    return bytes + 8;
  }

  /** A string that is both searched as text and matched exactly (key, headers). */
  #addExact(doc: number, field: string, value: string): number {
    let bytes = this.#text(field)?.add(doc, terms(value)) ?? 0;
    // Long texts are searched as text; exact matching them is not worth the memory.
    if (value.length <= keywordCharsMax) bytes += this.#keyword(field)?.add(doc, [value]) ?? 0;
    return bytes;
  }

  /** Whether `field` may have structures: a new name counts against fieldsMax. */
  #admit(field: string): boolean {
    if (this.#fields.has(field)) return true;
    if (this.#fields.size >= fieldsMax && field !== MetaField.value && field !== valueScalarsField) return false;
    this.#fields.add(field);
    return true;
  }

  #text(field: string): LiveTextField | null {
    return this.#structure(this.#texts, field, () => new LiveTextField());
  }

  #keyword(field: string): LiveKeywordField | null {
    return this.#structure(this.#keywords, field, () => new LiveKeywordField());
  }

  #number(field: string): LiveNumberField | null {
    return this.#structure(this.#numbers, field, () => new LiveNumberField());
  }

  /** `field`'s structure in `map`, made on first use; null when the field is not admitted. */
  #structure<T>(map: Map<string, T>, field: string, create: () => T): T | null {
    let found = map.get(field);
    if (found === undefined) {
      if (!this.#admit(field)) return null;
      found = create();
      map.set(field, found);
    }
    return found;
  }

  offset(doc: number): number {
    return this.#offsets[doc];
  }

  timestamp(doc: number): number {
    return this.#timestamps[doc];
  }

  hasKey(doc: number): boolean {
    return this.#records[doc].key !== null;
  }

  hasValue(doc: number): boolean {
    const record = this.#records[doc];
    return record.value !== null || record.valueIsBinary;
  }

  record(doc: number): StoredRecord {
    return this.#records[doc];
  }

  fieldNames(): string[] {
    return sortUtf8([...this.#fields]);
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
    return { baseOffsets: this.#batchOffsets, positions: this.#batchPositions };
  }
}
