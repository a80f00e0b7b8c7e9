// The fields of a sealed segment read in place (sealed-format.ts describes the file): text and
// keyword fields look their terms up in the mapped dictionaries and decode postings per call;
// keyword ordinals, norms and numbers are typed arrays over the mapped columns.

import { startsWithBytes } from "./byte-codec.ts";
import { SortedDictionary, termsPerBlock } from "./dictionary-codec.ts";
import { decodeDocs, decodePositionedPostings, decodePostings } from "./postings-codec.ts";
import { type DictionaryMeta, float64View, type KeywordMeta, missingValue, type NumberMeta, type TextMeta, uintView } from "./sealed-format.ts";
import { DictionaryTermStream, type TermStream } from "./term-streams.ts";
import { type KeywordField, type NumberField, type PositionedPostings, type Postings, type TextField, type TextTotals, utf8Bytes } from "./search-segment.ts";

function dictionaryOf(bytes: Uint8Array, meta: DictionaryMeta): SortedDictionary {
  const blocks = float64View(bytes, meta.blocksAt, 2 * Math.ceil(meta.count / termsPerBlock));
  return new SortedDictionary(bytes, meta.count, blocks, meta.dictAt, meta.postingsAt);
}

function* dictionaryTerms(dictionary: SortedDictionary, prefix: string): Generator<string> {
  const prefixBytes = utf8Bytes(prefix);
  const cursor = dictionary.cursor();
  for (let ordinal = dictionary.seek(prefixBytes, cursor); ordinal < dictionary.count; ordinal++) {
    if (!startsWithBytes(cursor.term, cursor.termLength, prefixBytes)) return;
    yield cursor.termString();
    if (ordinal + 1 < dictionary.count) dictionary.advance(cursor, ordinal);
  }
}

export class SealedTextField implements TextField {
  readonly totals: TextTotals;
  readonly keepsPositions: boolean;
  readonly #positions: boolean;
  readonly #dictionary: SortedDictionary;
  readonly #norms: Uint8Array | Uint16Array | Uint32Array | null;
  readonly #normLength: number;
  readonly #docCount: number;

  constructor(bytes: Uint8Array, meta: TextMeta, docCount: number) {
    this.totals = { docs: meta.docs, sum: meta.sum };
    this.#dictionary = dictionaryOf(bytes, meta);
    this.#norms = meta.normsAt === null ? null : uintView(bytes, meta.normsAt, meta.normWidth, docCount);
    this.#normLength = meta.normLength;
    this.#positions = meta.positions;
    this.keepsPositions = meta.positions || meta.normLength <= 1;
    this.#docCount = docCount;
  }

  postings(term: string): Postings | null {
    const dictionary = this.#dictionary;
    if (dictionary.find(utf8Bytes(term)) < 0) return null;
    return decodePostings(dictionary.bytes, dictionary.foundPointer, dictionary.foundDocFreq);
  }

  positioned(term: string): PositionedPostings | null {
    const dictionary = this.#dictionary;
    if (!this.keepsPositions || dictionary.find(utf8Bytes(term)) < 0) return null;
    return this.#positioned(dictionary.bytes, dictionary.foundPointer, dictionary.foundDocFreq);
  }

  /**
   * A field whose documents have at most one token keeps no positions in the file: each of its
   * postings occurs once, at position 0.
   */
  #positioned(bytes: Uint8Array, at: number, count: number): PositionedPostings {
    if (this.#positions) return decodePositionedPostings(bytes, at, count);
    // No positions written: every posting occurs once, at 0 (or, in the scalars field, they are not needed).
    return { ...decodePostings(bytes, at, count), positions: new Uint32Array(count) };
  }

  documentFrequency(term: string): number {
    return this.#dictionary.find(utf8Bytes(term)) < 0 ? 0 : this.#dictionary.foundDocFreq;
  }

  length(doc: number): number {
    if (this.#norms === null) return doc >= 0 && doc < this.#docCount ? this.#normLength : 0;
    return this.#norms[doc] ?? 0;
  }

  terms(prefix: string): Iterable<string> {
    return dictionaryTerms(this.#dictionary, prefix);
  }

  /** Its terms in order, read in place: what a merge walks (one cursor, no lookups). */
  termStream(): TermStream {
    return new DictionaryTermStream(this.#dictionary, true, this.#positions);
  }
}

export class SealedKeywordField implements KeywordField {
  readonly #dictionary: SortedDictionary;
  readonly #ordinals: Uint8Array | Uint16Array | Uint32Array;
  readonly #starts: Uint32Array | null;
  readonly #missing: number;

  constructor(bytes: Uint8Array, meta: KeywordMeta, docCount: number) {
    this.#dictionary = dictionaryOf(bytes, meta);
    this.#starts = meta.startsAt === null ? null : new Uint32Array(bytes.buffer, bytes.byteOffset + meta.startsAt, docCount + 1);
    this.#ordinals = uintView(bytes, meta.ordinalsAt, meta.ordinalWidth, meta.startsAt === null ? docCount : meta.valueCount);
    this.#missing = missingValue(meta.ordinalWidth);
  }

  get cardinality(): number {
    return this.#dictionary.count;
  }

  value(ordinal: number): string {
    if (!(ordinal >= 0 && ordinal < this.#dictionary.count)) throw new RangeError(`Keyword ordinal "${ordinal}" is not below "${this.#dictionary.count}"`);
    return this.#dictionary.entry(ordinal).termString();
  }

  ordinal(value: string): number {
    return this.#dictionary.find(utf8Bytes(value));
  }

  docs(ordinal: number): ArrayLike<number> {
    if (!(ordinal >= 0 && ordinal < this.#dictionary.count)) return new Uint32Array(0);
    const dictionary = this.#dictionary;
    dictionary.entry(ordinal);
    return decodeDocs(dictionary.bytes, dictionary.foundPointer, dictionary.foundDocFreq);
  }

  /** Its values in ordinal order, read in place (for merges). */
  termStream(): TermStream {
    return new DictionaryTermStream(this.#dictionary, false, false);
  }

  forEachOrdinal(doc: number, visit: (ordinal: number) => void): void {
    const ordinals = this.#ordinals;
    const starts = this.#starts;
    if (starts === null) {
      const ordinal = ordinals[doc];
      if (ordinal !== undefined && ordinal !== this.#missing) visit(ordinal);
      return;
    }
    const end = starts[doc + 1];
    for (let i = starts[doc]; i < end; i++) visit(ordinals[i]);
  }
}

export class SealedNumberField implements NumberField {
  readonly #meta: NumberMeta;
  readonly #docCount: number;
  readonly #integers: Uint8Array | Uint16Array | Uint32Array | null = null;
  readonly #floats: Float64Array | null = null;
  readonly #starts: Uint32Array | null = null;
  readonly #missing: number;

  constructor(bytes: Uint8Array, meta: NumberMeta, docCount: number) {
    this.#meta = meta;
    this.#docCount = docCount;
    this.#missing = missingValue(meta.width);
    if (meta.encoding === "integer") this.#integers = uintView(bytes, meta.valuesAt, meta.width, docCount);
    else if (meta.encoding === "float") this.#floats = float64View(bytes, meta.valuesAt, docCount);
    else {
      this.#starts = new Uint32Array(bytes.buffer, bytes.byteOffset + meta.startsAt!, docCount + 1);
      this.#floats = float64View(bytes, meta.valuesAt, meta.valueCount);
    }
  }

  forEachValue(doc: number, visit: (value: number) => void): void {
    if (!(doc >= 0 && doc < this.#docCount)) return;
    if (this.#integers !== null) {
      const delta = this.#integers[doc];
      if (delta !== this.#missing) visit(this.#meta.min + delta);
    } else if (this.#starts === null) {
      const value = this.#floats![doc];
      if (!Number.isNaN(value)) visit(value);
    } else {
      const end = this.#starts[doc + 1];
      for (let i = this.#starts[doc]; i < end; i++) visit(this.#floats![i]);
    }
  }

  forEach(visit: (doc: number, value: number) => void): void {
    const count = this.#docCount;
    const integers = this.#integers;
    const floats = this.#floats!;
    const starts = this.#starts;
    if (integers !== null) {
      const { min } = this.#meta;
      const missing = this.#missing;
      for (let doc = 0; doc < count; doc++) if (integers[doc] !== missing) visit(doc, min + integers[doc]);
    } else if (starts === null) {
      for (let doc = 0; doc < count; doc++) if (!Number.isNaN(floats[doc])) visit(doc, floats[doc]);
    } else {
      for (let doc = 0; doc < count; doc++) for (let i = starts[doc]; i < starts[doc + 1]; i++) visit(doc, floats[i]);
    }
  }
}
