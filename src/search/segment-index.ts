// The search index of one log segment (or of one chunk of a large segment): an Orama index
// (orama-store.ts) over the segment's documents, plus the records' own columns (offset,
// timestamp, key, value, headers) from which hits are built. Sealed segments' indexes are
// saved beside the segment (see index-file.ts) and loaded back with fromSnapshot.
//
// Fields map to Orama properties: a field's text to a string property ("t<n>"), its exact
// values to an enum[] property ("k<n>"), its numbers to a number[] property ("n<n>"). Orama
// fixes its schema when it is created, while the fields of flattened JSON values appear as
// records arrive, so properties are added as fields are first seen (at most typedFieldsMax per
// segment; later fields are still searchable in the value's text).

import { type FieldValue, flattenJsonText, MetaField, type SearchDocument } from "./document.ts";
import { OramaStore, type OramaStoreSnapshot, type TextReader } from "./orama-store.ts";
import { terms } from "./tokenizer.ts";

/** Longer strings are not indexed as exact keywords (Elasticsearch's ignore_above: 256). */
export const keywordCharsMax = 256;
/** Distinct fields with their own Orama properties per segment index. */
export const typedFieldsMax = 1000;

/**
 * Heap cost of Orama's structures, for the memory budget, fitted to the heap measured after a
 * full GC (tests/search/segment-index.test.ts keeps the estimate above the measurement): per
 * document, per text value (a frequency object per document and property), per token, per
 * distinct term (a radix node), per keyword and per number; the stored record is counted at two
 * bytes per character.
 */
const bytesPerDocument = 1900;
const bytesPerTextValue = 100;
const bytesPerToken = 140;
const bytesPerDistinctTerm = 600;
const bytesPerKeyword = 250;
const bytesPerNumber = 100;

type FieldKind = "text" | "keyword" | "number";
const propertyPrefix: Record<FieldKind, string> = { text: "t", keyword: "k", number: "n" };

/** The text a JSON object's values give the default field: each field's values in order, not its names. */
export function jsonValueText(fields: Map<string, FieldValue[]>): string {
  const parts: string[] = [];
  for (const values of fields.values()) {
    const strings = values.filter((value) => typeof value === "string");
    const scalars = values.filter((value) => typeof value !== "string").map(String);
    parts.push(...strings, ...scalars);
  }
  return parts.join("\n");
}

/** The strings of one flattened field, as its text is indexed. */
function fieldStrings(values: FieldValue[]): string[] {
  return values.filter((value): value is string => typeof value === "string");
}

export class SegmentIndex {
  readonly topic: string;
  readonly partition: number;
  readonly baseOffset: number;
  /** The offset after the last record indexed (baseOffset when empty). */
  endOffset: number;
  readonly offsets: number[] = [];
  readonly timestamps: number[] = [];
  readonly keys: (string | null)[] = [];
  readonly values: (string | null)[] = [];
  readonly headers: Record<string, string>[] = [];
  /** Documents whose value was not UTF-8 (kept as records, not indexed as text). */
  readonly binaryDocs = new Set<number>();
  estimatedBytes = 0;
  /** Field name → its number in Orama property names. */
  readonly #fieldIds: Map<string, number>;
  readonly #orama: OramaStore;

  constructor(topic: string, partition: number, baseOffset: number, restored?: { fieldIds: Map<string, number>; orama: OramaStore }) {
    this.topic = topic;
    this.partition = partition;
    this.baseOffset = baseOffset;
    this.endOffset = baseOffset;
    this.#fieldIds = restored?.fieldIds ?? new Map();
    this.#orama = restored?.orama ?? OramaStore.empty();
  }

  get docCount(): number {
    return this.offsets.length;
  }

  /** Adds a document; its offset must be past every offset already indexed. */
  add(document: SearchDocument): void {
    if (document.offset < this.endOffset) {
      throw new Error(`Cannot index offset ${document.offset} in segment ${this.baseOffset}: already indexed up to ${this.endOffset}`);
    }
    const doc = this.offsets.length;
    this.offsets.push(document.offset);
    this.timestamps.push(document.timestamp);
    this.keys.push(document.key);
    this.values.push(document.value);
    this.headers.push(document.headers);
    if (document.valueIsBinary) this.binaryDocs.add(doc);
    this.endOffset = document.offset + 1;
    const before = { ...this.#orama.indexedCounts };

    const properties: Record<string, string | string[] | number[]> = {};
    if (document.key !== null) this.#addExact(properties, MetaField.key, document.key);
    for (const [name, value] of Object.entries(document.headers)) this.#addExact(properties, MetaField.headersPrefix + name, value);
    if (document.value !== null) {
      // A JSON object's default text is its values (not its field names, which would make every
      // document match "level" or "message").
      this.#addText(properties, MetaField.value, document.fields.size === 0 ? document.value : jsonValueText(document.fields));
      for (const [path, fieldValues] of document.fields) this.#addField(properties, path, fieldValues);
    }
    const inserted = this.#orama.insert(properties);
    if (inserted !== doc) throw new Error(`Search index of segment ${this.baseOffset} is out of step: document ${inserted} is not ${doc}`);
    const after = this.#orama.indexedCounts;
    this.estimatedBytes +=
      bytesPerDocument +
      2 * ((document.value?.length ?? 0) + (document.key?.length ?? 0)) +
      bytesPerTextValue * (after.textValues - before.textValues) +
      bytesPerToken * (after.tokens - before.tokens) +
      bytesPerDistinctTerm * (after.distinctTerms - before.distinctTerms);
  }

  /** Moves the end past offsets that held no indexable record (control batches, compacted gaps). */
  advanceEndOffset(offset: number): void {
    if (offset > this.endOffset) this.endOffset = offset;
  }

  #addField(properties: Record<string, string | string[] | number[]>, path: string, fieldValues: FieldValue[]): void {
    const strings = fieldStrings(fieldValues);
    if (strings.length > 0) this.#addText(properties, path, strings.join("\n"));
    const keywords = fieldValues.filter((value) => typeof value !== "number" && String(value).length <= keywordCharsMax).map(String);
    if (keywords.length > 0) this.#set(properties, path, "keyword", keywords, bytesPerKeyword * keywords.length);
    const numbers = fieldValues.filter((value): value is number => typeof value === "number");
    if (numbers.length > 0) this.#set(properties, path, "number", numbers, bytesPerNumber * numbers.length);
  }

  /** A string that is both searched as text and matched exactly (key, headers). */
  #addExact(properties: Record<string, string | string[] | number[]>, field: string, value: string): void {
    this.#addText(properties, field, value);
    // Long texts (descriptions, messages) are searched as text; exact matching them is not worth the memory.
    if (value.length <= keywordCharsMax) this.#set(properties, field, "keyword", [value], bytesPerKeyword + 2 * value.length);
  }

  #addText(properties: Record<string, string | string[] | number[]>, field: string, text: string): void {
    // Its cost is counted after the insert, from what Orama took in.
    this.#set(properties, field, "text", text, 0);
  }

  #set(properties: Record<string, string | string[] | number[]>, field: string, kind: FieldKind, value: string | string[] | number[], bytes: number): void {
    let id = this.#fieldIds.get(field);
    if (id === undefined) {
      if (this.#fieldIds.size >= typedFieldsMax) return;
      id = this.#fieldIds.size;
      this.#fieldIds.set(field, id);
    }
    const prop = propertyPrefix[kind] + id;
    if (!this.#orama.hasProperty(prop)) this.#orama.addProperty(prop, kind === "text" ? "string" : kind === "keyword" ? "enum[]" : "number[]");
    properties[prop] = value;
    this.estimatedBytes += bytes;
  }

  /** The Orama property of `field`'s `kind`, or null when the segment has none. */
  #property(field: string, kind: FieldKind): string | null {
    const id = this.#fieldIds.get(field);
    if (id === undefined) return null;
    const prop = propertyPrefix[kind] + id;
    return this.#orama.hasProperty(prop) ? prop : null;
  }

  /** Documents having text in `field`, and their summed length in tokens. */
  textTotals(field: string): { docs: number; sum: number } {
    const prop = this.#property(field, "text");
    return prop === null ? { docs: 0, sum: 0 } : this.#orama.textTotals(prop);
  }

  /** How many documents have `term` in `field`. */
  documentFrequency(field: string, term: string): number {
    const prop = this.#property(field, "text");
    return prop === null ? 0 : this.#orama.documentFrequency(prop, term);
  }

  /** Reads `field`'s text (terms' documents, term counts, lengths); null when no document has it. */
  text(field: string): TextReader | null {
    const prop = this.#property(field, "text");
    return prop === null ? null : this.#orama.textReader(prop);
  }

  /** The terms of `field` starting with `prefix`, with their documents. */
  prefixTerms(field: string, prefix: string): Map<string, number[]> {
    const prop = this.#property(field, "text");
    return prop === null ? new Map() : this.#orama.prefixTerms(prop, prefix);
  }

  /** Documents with text in `field`. */
  textDocs(field: string): number[] {
    const prop = this.#property(field, "text");
    return prop === null ? [] : this.#orama.textDocs(prop);
  }

  /** Documents whose `field` holds exactly `value` (keywords: strings and booleans). */
  keywordDocs(field: string, value: string): number[] {
    const prop = this.#property(field, "keyword");
    return prop === null ? [] : this.#orama.keywordDocs(prop, value);
  }

  /** Each exact value of `field` with its documents. */
  *keywordEntries(field: string): Generator<[string, number[]]> {
    const prop = this.#property(field, "keyword");
    if (prop !== null) yield* this.#orama.keywordEntries(prop);
  }

  /** Each number of `field`, ascending, with its documents. */
  *numberEntries(field: string): Generator<[number, number[]]> {
    const prop = this.#property(field, "number");
    if (prop !== null) yield* this.#orama.numberEntries(prop);
  }

  /** The tokens `field` was indexed with in `doc` (Orama keeps no positions; phrases check these). */
  indexedTerms(doc: number, field: string): string[] {
    let text: string | null;
    if (field === MetaField.key) text = this.keys[doc];
    else if (field.startsWith(MetaField.headersPrefix)) text = this.headers[doc][field.slice(MetaField.headersPrefix.length)] ?? null;
    else {
      const value = this.values[doc];
      if (value === null) return [];
      const fields = flattenJsonText(value);
      if (field === MetaField.value) text = fields.size === 0 ? value : jsonValueText(fields);
      else text = fieldStrings(fields.get(field) ?? []).join("\n");
    }
    return text === null ? [] : terms(text);
  }

  /** A plain, JSON-able copy of the index, for index-file.ts. */
  toSnapshot(): SegmentIndexSnapshot {
    return {
      topic: this.topic,
      partition: this.partition,
      baseOffset: this.baseOffset,
      endOffset: this.endOffset,
      offsets: this.offsets,
      timestamps: this.timestamps,
      keys: this.keys,
      values: this.values,
      headers: this.headers,
      binaryDocs: [...this.binaryDocs],
      fields: [...this.#fieldIds],
      orama: this.#orama.toSnapshot(),
      estimatedBytes: this.estimatedBytes,
    };
  }

  static fromSnapshot(snapshot: SegmentIndexSnapshot): SegmentIndex {
    const orama = OramaStore.fromSnapshot(snapshot.orama);
    if (orama.count !== snapshot.offsets.length) throw new Error(`Orama holds ${orama.count} documents, the columns ${snapshot.offsets.length}`);
    const index = new SegmentIndex(snapshot.topic, snapshot.partition, snapshot.baseOffset, { fieldIds: new Map(snapshot.fields), orama });
    index.endOffset = snapshot.endOffset;
    index.offsets.push(...snapshot.offsets);
    index.timestamps.push(...snapshot.timestamps);
    index.keys.push(...snapshot.keys);
    index.values.push(...snapshot.values);
    index.headers.push(...snapshot.headers);
    for (const doc of snapshot.binaryDocs) index.binaryDocs.add(doc);
    index.estimatedBytes = snapshot.estimatedBytes;
    return index;
  }
}

export interface SegmentIndexSnapshot {
  topic: string;
  partition: number;
  baseOffset: number;
  endOffset: number;
  offsets: number[];
  timestamps: number[];
  keys: (string | null)[];
  values: (string | null)[];
  headers: Record<string, string>[];
  binaryDocs: number[];
  /** [field name, its number in Orama property names]. */
  fields: [string, number][];
  orama: OramaStoreSnapshot;
  estimatedBytes: number;
}
