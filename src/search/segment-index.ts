// The search index of one log segment: stored documents in columns, an inverted index with
// positions per text field, exact keywords and numbers per field. Sealed segments' indexes
// are saved beside the segment (see index-file.ts) and loaded back with fromSnapshot.
//
// Why not an Orama instance per segment: Orama's schema is fixed when it is created, while the
// fields of flattened JSON values appear as records arrive; it keeps no token positions (no
// phrase queries); it counts a term once per document (tf is always 1); and its BM25 uses the
// instance's own statistics with no way to pass global ones. This index keeps exactly the
// statistics BM25 needs (document frequency, term frequency, field length) so that scores can
// be computed over all segments at once.

import { type FieldValue, MetaField, type SearchDocument } from "./document.ts";
import { fieldTokensMax, type Token, tokenize } from "./tokenizer.ts";

/**
 * One term's postings in one field: parallel arrays, doc ids ascending. The positions of entry
 * i are positions[starts[i]] … positions[starts[i] + freqs[i] - 1]: one flat array instead of
 * one small array per entry, which kept the garbage collector busy while indexing.
 */
export interface Postings {
  docs: number[];
  freqs: number[];
  starts: number[];
  positions: number[];
}

/** The positions of entry `at` of `postings`. */
export function entryPositions(postings: Postings, at: number): number[] {
  return postings.positions.slice(postings.starts[at], postings.starts[at] + postings.freqs[at]);
}

export interface TextField {
  /** Tokens per document that has this field. */
  lengths: Map<number, number>;
  lengthSum: number;
  terms: Map<string, Postings>;
}

export interface NumberField {
  docs: number[];
  values: number[];
}

/** Longer strings are not indexed as exact keywords (Elasticsearch's ignore_above: 256). */
export const keywordCharsMax = 256;

/** Rough heap cost of index structures, for the memory budget: bytes per element kind. */
const bytesPerDocument = 160;
const bytesPerPosting = 48;
const bytesPerKeyword = 40;
const bytesPerNumber = 24;

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
  readonly text = new Map<string, TextField>();
  readonly keywords = new Map<string, Map<string, number[]>>();
  readonly numbers = new Map<string, NumberField>();
  estimatedBytes = 0;

  constructor(topic: string, partition: number, baseOffset: number) {
    this.topic = topic;
    this.partition = partition;
    this.baseOffset = baseOffset;
    this.endOffset = baseOffset;
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
    this.estimatedBytes += bytesPerDocument + 2 * ((document.value?.length ?? 0) + (document.key?.length ?? 0));

    if (document.key !== null) this.#addExact(MetaField.key, doc, document.key);
    for (const [name, value] of Object.entries(document.headers)) this.#addExact(MetaField.headersPrefix + name, doc, value);
    if (document.value === null) return;
    if (document.fields.size === 0) {
      this.#addTokens(MetaField.value, doc, tokenize(document.value));
      return;
    }
    // A JSON object's default text is its values (not its field names, which would make every
    // document match "level" or "message"), each field tokenized once and reused here.
    const valueTokens: Token[] = [];
    for (const [path, fieldValues] of document.fields) {
      for (const token of this.#addField(path, doc, fieldValues)) {
        if (valueTokens.length >= fieldTokensMax) break;
        valueTokens.push({ ...token, position: valueTokens.length });
      }
    }
    this.#addTokens(MetaField.value, doc, valueTokens);
  }

  /** Moves the end past offsets that held no indexable record (control batches, compacted gaps). */
  advanceEndOffset(offset: number): void {
    if (offset > this.endOffset) this.endOffset = offset;
  }

  /** Indexes one flattened field; returns the tokens of all its values, for the default field. */
  #addField(path: string, doc: number, fieldValues: FieldValue[]): Token[] {
    const strings: string[] = [];
    const scalarTokens: Token[] = [];
    for (const value of fieldValues) {
      if (typeof value === "string") {
        strings.push(value);
        this.#addKeyword(path, doc, value);
        continue;
      }
      if (typeof value === "number") this.#addNumber(path, doc, value);
      else this.#addKeyword(path, doc, String(value));
      scalarTokens.push(...tokenize(String(value)));
    }
    if (strings.length === 0) return scalarTokens;
    const tokens = tokenize(strings.join("\n"));
    this.#addTokens(path, doc, tokens);
    return scalarTokens.length === 0 ? tokens : [...tokens, ...scalarTokens];
  }

  /** A string that is both searched as text and matched exactly (key, headers). */
  #addExact(field: string, doc: number, value: string): void {
    this.#addKeyword(field, doc, value);
    this.#addTokens(field, doc, tokenize(value));
  }

  #addTokens(field: string, doc: number, tokens: Token[]): void {
    if (tokens.length === 0) return;
    let textField = this.text.get(field);
    if (!textField) {
      textField = { lengths: new Map(), lengthSum: 0, terms: new Map() };
      this.text.set(field, textField);
    }
    textField.lengths.set(doc, tokens.length);
    textField.lengthSum += tokens.length;
    for (const token of tokens) {
      let postings = textField.terms.get(token.term);
      if (!postings) {
        postings = { docs: [], freqs: [], starts: [], positions: [] };
        textField.terms.set(token.term, postings);
      }
      const last = postings.docs.length - 1;
      if (last >= 0 && postings.docs[last] === doc) {
        postings.freqs[last]++;
      } else {
        postings.docs.push(doc);
        postings.freqs.push(1);
        postings.starts.push(postings.positions.length);
      }
      // A document's tokens arrive in order, so its positions for one term stay contiguous.
      postings.positions.push(token.position);
    }
    this.estimatedBytes += tokens.length * bytesPerPosting;
  }

  #addKeyword(field: string, doc: number, value: string): void {
    // Long texts (descriptions, messages) are searched as text; exact matching them is not worth the memory.
    if (value.length > keywordCharsMax) return;
    let byValue = this.keywords.get(field);
    if (!byValue) {
      byValue = new Map();
      this.keywords.set(field, byValue);
    }
    const docs = byValue.get(value);
    if (!docs) byValue.set(value, [doc]);
    else if (docs.at(-1) !== doc) docs.push(doc);
    this.estimatedBytes += bytesPerKeyword + 2 * value.length;
  }

  #addNumber(field: string, doc: number, value: number): void {
    let numberField = this.numbers.get(field);
    if (!numberField) {
      numberField = { docs: [], values: [] };
      this.numbers.set(field, numberField);
    }
    numberField.docs.push(doc);
    numberField.values.push(value);
    this.estimatedBytes += bytesPerNumber;
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
      text: [...this.text].map(([field, textField]) => ({
        field,
        lengths: [...textField.lengths].flat(),
        terms: [...textField.terms].map(([term, postings]) => [term, postings.docs, postings.freqs, postings.positions] as const),
      })),
      keywords: [...this.keywords].map(([field, byValue]) => [field, [...byValue]] as const),
      numbers: [...this.numbers].map(([field, numberField]) => [field, numberField.docs, numberField.values] as const),
      estimatedBytes: this.estimatedBytes,
    };
  }

  static fromSnapshot(snapshot: SegmentIndexSnapshot): SegmentIndex {
    const index = new SegmentIndex(snapshot.topic, snapshot.partition, snapshot.baseOffset);
    index.endOffset = snapshot.endOffset;
    index.offsets.push(...snapshot.offsets);
    index.timestamps.push(...snapshot.timestamps);
    index.keys.push(...snapshot.keys);
    index.values.push(...snapshot.values);
    index.headers.push(...snapshot.headers);
    for (const doc of snapshot.binaryDocs) index.binaryDocs.add(doc);
    for (const { field, lengths, terms } of snapshot.text) {
      const lengthMap = new Map<number, number>();
      let lengthSum = 0;
      for (let i = 0; i < lengths.length; i += 2) {
        lengthMap.set(lengths[i], lengths[i + 1]);
        lengthSum += lengths[i + 1];
      }
      const termMap = new Map<string, Postings>();
      for (const [term, docs, freqs, positions] of terms) {
        const starts: number[] = [];
        let start = 0;
        for (const frequency of freqs) {
          starts.push(start);
          start += frequency;
        }
        termMap.set(term, { docs, freqs, starts, positions });
      }
      index.text.set(field, { lengths: lengthMap, lengthSum, terms: termMap });
    }
    for (const [field, entries] of snapshot.keywords) index.keywords.set(field, new Map(entries));
    for (const [field, docs, values] of snapshot.numbers) index.numbers.set(field, { docs, values });
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
  /** lengths: [doc, length, doc, length, …]. */
  /** terms: [term, docs, freqs, positions] (starts are rebuilt from freqs). */
  text: { field: string; lengths: number[]; terms: (readonly [string, number[], number[], number[]])[] }[];
  keywords: (readonly [string, [string, number[]][]])[];
  numbers: (readonly [string, number[], number[]])[];
  estimatedBytes: number;
}
