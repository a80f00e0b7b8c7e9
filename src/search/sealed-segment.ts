// A sealed segment read in place: the file written by sealed-segment-writer.ts (which describes
// the format) is mapped read-only with Bun.mmap, and every answer is read from the mapped bytes:
// columns through typed arrays over the mapping, postings decoded per call. The heap holds only
// the metadata, one small object per field used, and a few decoded record batches. Opening reads
// the footer and metadata, never the whole file, so the first query after a restart is quick;
// verifySealedSegment checks the whole body's CRC (before merges, in tests).
//
// Records are not in the file: the log is the document store, so record() reads the batch that
// holds the document's offset from the log segment, at the position the batch table remembers,
// or by scanning the log's batch headers when that position is unknown or stale (compaction).

import fs from "node:fs";
import path from "node:path";
import { batchHeaderSize, batchLogOverhead, readBatchHeader } from "../records/batch-header.ts";
import { crc32c } from "../records/crc32c.ts";
import { decodeRecordBatches, type DecodedRecord } from "../records/decode-batches.ts";
import { recordToDocument } from "./document.ts";
import { startsWithBytes } from "./byte-codec.ts";
import { SortedDictionary, termsPerBlock } from "./dictionary-codec.ts";
import { decodeDocs, decodePostings } from "./postings-codec.ts";
import {
  compareUtf8,
  type KeywordField,
  type NumberField,
  type Postings,
  type SearchSegment,
  type StoredRecord,
  type TextField,
  type TextTotals,
  utf8Bytes,
} from "./search-segment.ts";

export const sealedFormatVersion = 2;
/** "CHRSEG", the version, a zero byte: the first and the last 8 bytes of a file. */
export const sealedMagic = Uint8Array.from([0x43, 0x48, 0x52, 0x53, 0x45, 0x47, sealedFormatVersion, 0]);
/** Before the closing magic: metadata length, metadata CRC32C, body CRC32C, zero (4 × Uint32). */
export const trailerBytes = 24;
/** Documents per timestamp block: their timestamps are Uint16 deltas from the block's base when they fit. */
export const timestampBlockDocs = 128;
/** Flags byte per document. */
export const DocFlag = { hasKey: 1, hasValue: 2, valueIsBinary: 4 } as const;
/** A batch position the writer did not know (-1 in SearchSegment.batches()). */
export const unknownPosition = 0xffff_ffff;

/** Decoded batches kept for record(): hits of one query often share a batch. */
const cachedBatchesMax = 4;
/** A batch larger than this (decompressed records) is decoded for its record but not cached. */
const cachedBatchBytesMax = 1024 * 1024;
/** Rough heap cost of one field's reader objects (typed array views, dictionary, closures). */
const fieldHeapBytes = 512;
const versionOneStart = "chronik-search 1";

/** A sorted dictionary's sections (absolute file positions). */
export interface DictionaryMeta {
  count: number;
  dictAt: number;
  dictBytes: number;
  blocksAt: number;
  postingsAt: number;
  postingsBytes: number;
}

export interface TextMeta extends DictionaryMeta {
  docs: number;
  sum: number;
  normWidth: 1 | 2 | 4;
  /** null when every document has the field with the same length, normLength (no column then). */
  normsAt: number | null;
  normLength: number;
}

/** Single-valued: ordinals per document (startsAt null; the width's maximum is "missing"); multi-valued: starts + ordinals. */
export interface KeywordMeta extends DictionaryMeta {
  ordinalWidth: 1 | 2 | 4;
  ordinalsAt: number;
  startsAt: number | null;
  valueCount: number;
}

/** "integer": min + deltas of `width` bytes (the width's maximum is "missing"); "float": Float64 (NaN missing); "multi": starts + Float64 values. */
export interface NumberMeta {
  encoding: "integer" | "float" | "multi";
  width: 1 | 2 | 4 | 8;
  min: number;
  valuesAt: number;
  startsAt: number | null;
  valueCount: number;
}

export interface FieldMeta {
  name: string;
  text?: TextMeta;
  keyword?: KeywordMeta;
  number?: NumberMeta;
}

/** The footer's metadata: what the file holds and where each section starts. */
export interface SealedMeta {
  topic: string;
  partition: number;
  baseOffset: number;
  endOffset: number;
  docCount: number;
  logSegmentBase: number;
  /** null: document d has offset baseOffset + d (no gaps, the usual case); else Uint32 deltas. */
  offsetsAt: number | null;
  timestampsAt: number;
  /**
   * null: timestamps are Float64. Else, with timestampBasesAt null, Uint32 deltas from this; with
   * timestampBasesAt, Uint16 deltas from the Float64 base of each block of timestampBlockDocs.
   */
  timestampsMin: number | null;
  timestampBasesAt: number | null;
  flagsAt: number;
  batchesAt: number;
  batchCount: number;
  /** In UTF-8 order of their names. */
  fields: FieldMeta[];
}

/** Each section of `meta` as [name, position, bytes] (for checks, tools and size reports). */
export function sealedSections(meta: SealedMeta): [string, number, number][] {
  const docs = meta.docCount;
  const sections: [string, number, number][] = [
    ["offsets", meta.offsetsAt ?? 8, meta.offsetsAt === null ? 0 : 4 * docs],
    ["timestamps", meta.timestampsAt, (meta.timestampsMin === null ? 8 : meta.timestampBasesAt === null ? 4 : 2) * docs],
    ["timestamp bases", meta.timestampBasesAt ?? 8, meta.timestampBasesAt === null ? 0 : 8 * Math.ceil(docs / timestampBlockDocs)],
    ["flags", meta.flagsAt, docs],
    ["batches", meta.batchesAt, 8 * meta.batchCount],
  ];
  const dictionary = (name: string, d: DictionaryMeta) => {
    sections.push([`${name} dictionary`, d.dictAt, d.dictBytes], [`${name} blocks`, d.blocksAt, 16 * Math.ceil(d.count / termsPerBlock)]);
    sections.push([`${name} postings`, d.postingsAt, d.postingsBytes]);
  };
  for (const { name, text, keyword, number } of meta.fields) {
    if (text) {
      dictionary(`text "${name}"`, text);
      sections.push([`text "${name}" norms`, text.normsAt ?? 8, text.normsAt === null ? 0 : text.normWidth * docs]);
    }
    if (keyword) {
      dictionary(`keyword "${name}"`, keyword);
      if (keyword.startsAt !== null) sections.push([`keyword "${name}" starts`, keyword.startsAt, 4 * (docs + 1)]);
      sections.push([`keyword "${name}" ordinals`, keyword.ordinalsAt, keyword.ordinalWidth * (keyword.startsAt === null ? docs : keyword.valueCount)]);
    }
    if (number) {
      if (number.startsAt !== null) sections.push([`number "${name}" starts`, number.startsAt, 4 * (docs + 1)]);
      sections.push([`number "${name}" values`, number.valuesAt, number.encoding === "multi" ? 8 * number.valueCount : number.width * docs]);
    }
  }
  return sections;
}

/** What is wrong with the sections of `meta` in a body of `bodyBytes`, or null. */
function checkSections(meta: SealedMeta, bodyBytes: number): string | null {
  if (!Number.isSafeInteger(meta.docCount) || meta.docCount < 0 || !Array.isArray(meta.fields)) return "metadata is incomplete";
  let sections: [string, number, number][];
  try {
    sections = sealedSections(meta);
  } catch {
    return "metadata is incomplete";
  }
  for (const [name, at, bytes] of sections) {
    const valid = Number.isSafeInteger(at) && Number.isSafeInteger(bytes) && at % 8 === 0 && at >= sealedMagic.length && bytes >= 0;
    if (!valid || at + bytes > bodyBytes) return `section "${name}" at ${at} (${bytes} bytes) is out of bounds`;
  }
  for (const { name, text, keyword, number } of meta.fields) {
    const widths = [text?.normWidth, keyword?.ordinalWidth, number?.encoding === "integer" ? number.width : undefined];
    if (widths.some((width) => width !== undefined && width !== 1 && width !== 2 && width !== 4)) return `field "${name}" has an unknown width`;
  }
  return null;
}

export class CorruptIndexFileError extends Error {
  override name = "CorruptIndexFileError";
  /** The file found damaged, when the reporter knows it (a merge reports which input). */
  file?: string;
}


function logFileName(baseOffset: number): string {
  return String(baseOffset).padStart(20, "0") + ".log";
}

/** A typed array of `width` bytes per value over `bytes[at, …)`; `at` is 8-byte aligned by the format. */
function uintView(bytes: Uint8Array, at: number, width: number, count: number): Uint8Array | Uint16Array | Uint32Array {
  if (width === 1) return bytes.subarray(at, at + count);
  if (width === 2) return new Uint16Array(bytes.buffer, bytes.byteOffset + at, count);
  return new Uint32Array(bytes.buffer, bytes.byteOffset + at, count);
}

function float64View(bytes: Uint8Array, at: number, count: number): Float64Array {
  return new Float64Array(bytes.buffer, bytes.byteOffset + at, count);
}

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

function* dictionaryEntries<T>(dictionary: SortedDictionary, decode: (bytes: Uint8Array, at: number, count: number) => T): Generator<[string, () => T]> {
  const cursor = dictionary.cursor();
  let pointer = 0;
  for (let ordinal = 0; ordinal < dictionary.count; ordinal++) {
    if (ordinal % termsPerBlock === 0) pointer = dictionary.loadBlock(cursor, ordinal / termsPerBlock);
    cursor.next();
    pointer += cursor.pointerDelta;
    const at = pointer;
    const count = cursor.docFreq;
    yield [cursor.termString(), () => decode(dictionary.bytes, at, count)];
  }
}

export class SealedTextField implements TextField {
  readonly totals: TextTotals;
  readonly #dictionary: SortedDictionary;
  readonly #norms: Uint8Array | Uint16Array | Uint32Array | null;
  readonly #normLength: number;
  readonly #docCount: number;

  constructor(bytes: Uint8Array, meta: TextMeta, docCount: number) {
    this.totals = { docs: meta.docs, sum: meta.sum };
    this.#dictionary = dictionaryOf(bytes, meta);
    this.#norms = meta.normsAt === null ? null : uintView(bytes, meta.normsAt, meta.normWidth, docCount);
    this.#normLength = meta.normLength;
    this.#docCount = docCount;
  }

  postings(term: string): Postings | null {
    const dictionary = this.#dictionary;
    if (dictionary.find(utf8Bytes(term)) < 0) return null;
    return decodePostings(dictionary.bytes, dictionary.foundPointer, dictionary.foundDocFreq);
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

  /** Each term, in order, with a reader of its postings: what a merge walks (one cursor, no lookups). */
  entries(): Generator<[string, () => Postings]> {
    return dictionaryEntries(this.#dictionary, (bytes, at, count) => decodePostings(bytes, at, count));
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
    this.#missing = 2 ** (8 * meta.ordinalWidth) - 1;
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

  /** Each value, in ordinal order, with a reader of its documents (for merges). */
  entries(): Generator<[string, () => ArrayLike<number>]> {
    return dictionaryEntries(this.#dictionary, decodeDocs);
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

class SealedNumberField implements NumberField {
  readonly #meta: NumberMeta;
  readonly #docCount: number;
  readonly #integers: Uint8Array | Uint16Array | Uint32Array | null = null;
  readonly #floats: Float64Array | null = null;
  readonly #starts: Uint32Array | null = null;
  readonly #missing: number;

  constructor(bytes: Uint8Array, meta: NumberMeta, docCount: number) {
    this.#meta = meta;
    this.#docCount = docCount;
    this.#missing = 2 ** (8 * meta.width) - 1;
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

interface CachedBatch {
  baseOffset: number;
  lastOffset: number;
  bytes: number;
  records: DecodedRecord[];
}

export class SealedSegment implements SearchSegment {
  readonly topic: string;
  readonly partition: number;
  readonly baseOffset: number;
  readonly endOffset: number;
  readonly docCount: number;
  readonly logSegmentBase: number;
  readonly file: string;
  readonly #dir: string;
  readonly #meta: SealedMeta;
  readonly #metaBytes: number;
  readonly #offsets: Uint32Array | null;
  readonly #timestamps: Uint16Array | Uint32Array | Float64Array;
  readonly #timestampBases: Float64Array | null;
  readonly #flags: Uint8Array;
  readonly #batchTable: Uint32Array;
  readonly #fields = new Map<string, SealedMeta["fields"][number]>();
  readonly #texts = new Map<string, SealedTextField>();
  readonly #keywords = new Map<string, SealedKeywordField>();
  readonly #numbers = new Map<string, SealedNumberField>();
  readonly #batchCache: CachedBatch[] = [];
  readonly #bytes: Uint8Array;

  constructor(file: string, bytes: Uint8Array, meta: SealedMeta, metaBytes: number) {
    this.file = file;
    this.#dir = path.dirname(file);
    this.#bytes = bytes;
    this.#meta = meta;
    this.#metaBytes = metaBytes;
    ({ topic: this.topic, partition: this.partition, baseOffset: this.baseOffset, endOffset: this.endOffset } = meta);
    this.docCount = meta.docCount;
    this.logSegmentBase = meta.logSegmentBase;
    this.#offsets = meta.offsetsAt === null ? null : new Uint32Array(bytes.buffer, bytes.byteOffset + meta.offsetsAt, meta.docCount);
    this.#timestampBases = meta.timestampBasesAt === null ? null : float64View(bytes, meta.timestampBasesAt, Math.ceil(meta.docCount / timestampBlockDocs));
    this.#timestamps =
      meta.timestampsMin === null
        ? float64View(bytes, meta.timestampsAt, meta.docCount)
        : uintView(bytes, meta.timestampsAt, this.#timestampBases === null ? 4 : 2, meta.docCount) as Uint16Array | Uint32Array;
    this.#flags = bytes.subarray(meta.flagsAt, meta.flagsAt + meta.docCount);
    this.#batchTable = new Uint32Array(bytes.buffer, bytes.byteOffset + meta.batchesAt, 2 * meta.batchCount);
    for (const field of meta.fields) this.#fields.set(field.name, field);
  }

  get heapBytes(): number {
    const fieldsUsed = this.#texts.size + this.#keywords.size + this.#numbers.size;
    let cached = 0;
    for (const batch of this.#batchCache) cached += batch.bytes;
    return 2 * this.#metaBytes + fieldHeapBytes * (fieldsUsed + 4) + cached;
  }

  offset(doc: number): number {
    return this.baseOffset + (this.#offsets === null ? doc : this.#offsets[doc]);
  }

  timestamp(doc: number): number {
    const min = this.#meta.timestampsMin;
    if (min === null) return this.#timestamps[doc];
    if (this.#timestampBases !== null) return this.#timestampBases[Math.floor(doc / timestampBlockDocs)] + this.#timestamps[doc];
    return min + this.#timestamps[doc];
  }

  hasKey(doc: number): boolean {
    return (this.#flags[doc] & DocFlag.hasKey) !== 0;
  }

  hasValue(doc: number): boolean {
    return (this.#flags[doc] & DocFlag.hasValue) !== 0;
  }

  /** Whether the document's value was not UTF-8 (kept for merges, which copy the flags). */
  valueIsBinary(doc: number): boolean {
    return (this.#flags[doc] & DocFlag.valueIsBinary) !== 0;
  }

  fieldNames(): string[] {
    return this.#meta.fields.map((field) => field.name);
  }

  text(field: string): TextField | null {
    let text = this.#texts.get(field);
    const meta = this.#fields.get(field)?.text;
    if (text === undefined && meta) this.#texts.set(field, (text = new SealedTextField(this.#bytes, meta, this.docCount)));
    return text ?? null;
  }

  keywords(field: string): KeywordField | null {
    let keywords = this.#keywords.get(field);
    const meta = this.#fields.get(field)?.keyword;
    if (keywords === undefined && meta) this.#keywords.set(field, (keywords = new SealedKeywordField(this.#bytes, meta, this.docCount)));
    return keywords ?? null;
  }

  numbers(field: string): NumberField | null {
    let numbers = this.#numbers.get(field);
    const meta = this.#fields.get(field)?.number;
    if (numbers === undefined && meta) this.#numbers.set(field, (numbers = new SealedNumberField(this.#bytes, meta, this.docCount)));
    return numbers ?? null;
  }

  batches(): { baseOffsets: ArrayLike<number>; positions: ArrayLike<number> } {
    const count = this.#meta.batchCount;
    const baseOffsets = new Float64Array(count);
    const positions = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      baseOffsets[i] = this.baseOffset + this.#batchTable[2 * i];
      const position = this.#batchTable[2 * i + 1];
      positions[i] = position === unknownPosition ? -1 : position;
    }
    return { baseOffsets, positions };
  }

  record(doc: number): StoredRecord {
    const record = this.#findRecord(this.offset(doc));
    const document = recordToDocument(record, { binaryValues: 0 });
    return { key: document.key, value: document.value, headers: document.headers, valueIsBinary: document.valueIsBinary, fields: document.fields };
  }

  #findRecord(offset: number): DecodedRecord {
    const gone = () => new Error(`Cannot read record "${this.topic}-${this.partition}@${offset}": the record is no longer in the log`);
    for (const batch of this.#batchCache) {
      if (offset < batch.baseOffset || offset > batch.lastOffset) continue;
      // Records sit at their offset delta unless compaction left gaps.
      const direct = batch.records[offset - batch.baseOffset];
      if (direct?.offset === offset) return direct;
      return batch.records.find((record) => record.offset === offset) ?? throwError(gone());
    }
    let fd: number;
    try {
      fd = fs.openSync(path.join(this.#dir, logFileName(this.logSegmentBase)), "r");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") throw gone();
      throw error;
    }
    try {
      const records = this.#readBatchHolding(fd, offset);
      return records?.find((record) => record.offset === offset) ?? throwError(gone());
    } finally {
      fs.closeSync(fd);
    }
  }

  /** The records of the batch holding `offset`: at its remembered position, else by scanning. */
  #readBatchHolding(fd: number, offset: number): DecodedRecord[] | null {
    const table = this.#batchTable;
    let low = 0;
    let high = this.#meta.batchCount - 1;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if (this.baseOffset + table[2 * middle] <= offset) low = middle;
      else high = middle - 1;
    }
    if (this.#meta.batchCount > 0 && table[2 * low + 1] !== unknownPosition && this.baseOffset + table[2 * low] <= offset) {
      const position = table[2 * low + 1];
      const header = readHeaderAt(fd, position);
      if (header !== null && header.baseOffset === this.baseOffset + table[2 * low] && offset <= header.baseOffset + header.lastOffsetDelta) {
        return this.#decodeAt(fd, position, header.batchLength + batchLogOverhead);
      }
    }
    // The position is unknown or stale (compaction rewrote the file): walk the batch headers.
    for (let position = 0; ; ) {
      const header = readHeaderAt(fd, position);
      if (header === null || header.batchLength + batchLogOverhead < batchHeaderSize) return null;
      if (offset <= header.baseOffset + header.lastOffsetDelta) {
        return header.baseOffset <= offset ? this.#decodeAt(fd, position, header.batchLength + batchLogOverhead) : null;
      }
      position += header.batchLength + batchLogOverhead;
    }
  }

  #decodeAt(fd: number, position: number, size: number): DecodedRecord[] {
    const bytes = new Uint8Array(size);
    if (fs.readSync(fd, bytes, 0, size, position) < size) return [];
    const [batch] = decodeRecordBatches(bytes);
    if (batch === undefined) return [];
    if (size <= cachedBatchBytesMax) {
      if (this.#batchCache.length >= cachedBatchesMax) this.#batchCache.shift();
      this.#batchCache.push({ baseOffset: batch.header.baseOffset, lastOffset: batch.header.baseOffset + batch.header.lastOffsetDelta, bytes: size, records: batch.records });
    }
    return batch.records;
  }
}

function throwError(error: Error): never {
  throw error;
}

function readHeaderAt(fd: number, position: number): ReturnType<typeof readBatchHeader> | null {
  const bytes = new Uint8Array(batchHeaderSize);
  if (fs.readSync(fd, bytes, 0, batchHeaderSize, position) < batchHeaderSize) return null;
  const header = readBatchHeader(bytes);
  return header.magic === 2 ? header : null;
}

/**
 * Reads and checks the footer and metadata of a file of `size` bytes through `read`; throws
 * CorruptIndexFileError naming `file` and what is wrong.
 */
function readFooter(file: string, size: number, read: (position: number, length: number) => Uint8Array): { meta: SealedMeta; metaStart: number; bodyCrc: number } {
  const corrupt = (why: string) => new CorruptIndexFileError(`Search index "${file}" is corrupt: ${why}`);
  if (size >= versionOneStart.length && new TextDecoder().decode(read(0, versionOneStart.length)) === versionOneStart) {
    throw new CorruptIndexFileError(`Search index "${file}" is in the old format (version 1)`);
  }
  if (size < 2 * sealedMagic.length + trailerBytes) throw corrupt(`no footer: the file has only ${size} bytes`);
  const head = read(0, sealedMagic.length);
  const tail = read(size - trailerBytes, trailerBytes);
  const hasMagic = (bytes: Uint8Array, at: number) => sealedMagic.subarray(0, 6).every((byte, i) => bytes[at + i] === byte);
  if (!hasMagic(head, 0)) throw corrupt("no magic at the start");
  if (!hasMagic(tail, trailerBytes - sealedMagic.length)) throw corrupt("no footer at the end (truncated?)");
  const version = tail[trailerBytes - 2];
  if (head[6] !== version) throw corrupt(`format versions "${head[6]}" and "${version}" at start and end differ`);
  if (version !== sealedFormatVersion) throw corrupt(`format version "${version}" is not ${sealedFormatVersion}`);
  const trailer = new DataView(tail.buffer, tail.byteOffset, trailerBytes);
  const metaLength = trailer.getUint32(0, true);
  const metaStart = size - trailerBytes - metaLength;
  if (metaStart < sealedMagic.length) throw corrupt(`metadata length "${metaLength}" is out of bounds`);
  const metaBytes = read(metaStart, metaLength);
  if (crc32c(metaBytes) !== trailer.getUint32(4, true)) throw corrupt("metadata CRC mismatch");
  let meta: SealedMeta;
  try {
    meta = JSON.parse(new TextDecoder().decode(metaBytes)) as SealedMeta;
  } catch {
    throw corrupt("metadata is not JSON");
  }
  const problem = checkSections(meta, metaStart);
  if (problem !== null) throw corrupt(problem);
  return { meta, metaStart, bodyCrc: trailer.getUint32(8, true) };
}

/**
 * Maps `<dir>/<fileName>` (a chunk file, named by its base offset first: chunkFileName) and reads
 * it in place; null when there is no such file. Throws CorruptIndexFileError when it is damaged
 * or of another format (rebuild it from the log).
 */
export function openSealedSegment(dir: string, fileName: string): SealedSegment | null {
  const file = path.join(dir, fileName);
  const baseOffset = Number(fileName.slice(0, 20));
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  // Bun.mmap cannot map an empty file; readFooter reports it (read is never called for 0 bytes).
  const bytes = size === 0 ? new Uint8Array(0) : Bun.mmap(file, { shared: false });
  const { meta } = readFooter(file, bytes.length, (position, length) => bytes.subarray(position, position + length));
  if (meta.baseOffset !== baseOffset) {
    throw new CorruptIndexFileError(`Search index "${file}" is corrupt: it holds segment "${meta.baseOffset}"`);
  }
  return new SealedSegment(file, bytes, meta, new TextEncoder().encode(JSON.stringify(meta)).length);
}

/** Bytes read at a time when verifying a whole file. */
const verifyChunkBytes = 1024 * 1024;

/** Checks the footer, the metadata and the CRC of the whole body of `file`; throws CorruptIndexFileError. */
export function verifySealedSegment(file: string): void {
  const fd = fs.openSync(file, "r");
  try {
    const size = fs.fstatSync(fd).size;
    const read = (position: number, length: number) => {
      const bytes = new Uint8Array(length);
      fs.readSync(fd, bytes, 0, length, position);
      return bytes;
    };
    const { metaStart, bodyCrc } = readFooter(file, size, read);
    const chunk = new Uint8Array(verifyChunkBytes);
    let crc = 0;
    for (let position = 0; position < metaStart; ) {
      const length = fs.readSync(fd, chunk, 0, Math.min(verifyChunkBytes, metaStart - position), position);
      if (length === 0) break;
      crc = crc32c(chunk, 0, length, crc);
      position += length;
    }
    if (crc !== bodyCrc) throw new CorruptIndexFileError(`Search index "${file}" is corrupt: body CRC mismatch`);
  } finally {
    fs.closeSync(fd);
  }
}

/** Field names in the order the format keeps them. */
export function sortFieldNames(names: Iterable<string>): string[] {
  return [...new Set(names)].sort(compareUtf8);
}
