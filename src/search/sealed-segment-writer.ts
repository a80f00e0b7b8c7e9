// Writes search segments into one sealed segment file: sealing the live segment (one input) or
// merging sealed segments (several). A merge streams: a k-way merge of the inputs' sorted
// dictionaries, one term's postings in memory at a time, and columns written document by
// document, so its memory does not grow with the segments' size. The file is written in 1 MiB
// chunks to `<file>.tmp`, fsynced and renamed over `file`: a crash leaves the old file or the new.
//
// Format, version 2 (little-endian; every section starts at a multiple of 8 so typed arrays can
// view the mapped file in place; positions in the metadata are from the start of the file):
//   magic: "CHRSEG", version (2), 0                                    8 bytes
//   offsets: Uint32 per document, offset − baseOffset (absent when that is the document number)
//   timestamps: per block of 128 documents a Float64 base, then Uint16 per document, timestamp −
//           its block's base; or Uint32 per document, timestamp − timestampsMin; or Float64
//   flags: a byte per document: hasKey 1, hasValue 2, valueIsBinary 4
//   batches: Uint32 pairs (baseOffset − segment baseOffset, position; 0xFFFFFFFF when unknown)
//   per field, in UTF-8 order of names:
//     text: norms (Uint8/16/32 length in tokens per document, 0 = no such field; absent when every
//           document has the same length), postings with
//           frequencies, dictionary (front-coded blocks of 32 terms, DEFLATE-compressed when that
//           pays), block index (Float64 pairs)
//     keyword: postings (documents only), dictionary, block index, then ordinals: single-valued
//           Uint8/16/32 per document (the width's maximum = missing); multi-valued Uint32 starts
//           (docCount + 1) and Uint8/16/32 ordinals
//     number: integers whose range fits: Uint8/16/32 deltas from min (maximum = missing); else
//           Float64 per document (NaN = missing); multi-valued: Uint32 starts + Float64 values
//   metadata: JSON (SealedMeta in sealed-segment.ts)
//   trailer: metadata length, metadata CRC32C, body CRC32C (magic..metadata), 0: 4 × Uint32
//   magic again                                                         8 bytes
// Postings are encoded as postings-codec.ts describes, dictionaries as dictionary-codec.ts does.

import fs from "node:fs";
import { crc32c } from "../records/crc32c.ts";
import { syncDirectory, tempSuffix } from "../storage/checkpoint.ts";
import path from "node:path";
import { ByteWriter, widthOf } from "./byte-codec.ts";
import { termsPerBlock, writeDictionaryBlock, writeTermEntry } from "./dictionary-codec.ts";
import { encodePostings } from "./postings-codec.ts";
import { compareUtf8, type KeywordField, type Postings, type SearchSegment, type TextField } from "./search-segment.ts";
import {
  DocFlag,
  type FieldMeta,
  type KeywordMeta,
  type NumberMeta,
  SealedKeywordField,
  SealedSegment,
  type SealedMeta,
  SealedTextField,
  sealedMagic,
  sortFieldNames,
  type TextMeta,
  timestampBlockDocs,
  unknownPosition,
} from "./sealed-segment.ts";

/** Bytes buffered before a write to the file. */
const writeBufferBytes = 1024 * 1024;
/** Buffer of the side files that hold a field's dictionary while its postings are written. */
const sideBufferBytes = 256 * 1024;

/** Sequential writes to a file through a bounded buffer, with a running CRC32C of what was written. */
class FileSink {
  readonly fd: number;
  readonly #buffer: Uint8Array;
  readonly #view: DataView;
  #buffered = 0;
  /** Bytes written so far (flushed or buffered). */
  position = 0;
  crc = 0;

  constructor(fd: number, bufferBytes: number) {
    this.fd = fd;
    this.#buffer = new Uint8Array(bufferBytes);
    this.#view = new DataView(this.#buffer.buffer);
  }

  flush(): void {
    let written = 0;
    while (written < this.#buffered) written += fs.writeSync(this.fd, this.#buffer, written, this.#buffered - written, this.position - this.#buffered + written);
    this.crc = crc32c(this.#buffer, 0, this.#buffered, this.crc);
    this.#buffered = 0;
  }

  #room(bytes: number): void {
    if (this.#buffered + bytes > this.#buffer.length) this.flush();
  }

  write(bytes: Uint8Array): void {
    if (this.#buffered + bytes.length <= this.#buffer.length) {
      this.#buffer.set(bytes, this.#buffered);
      this.#buffered += bytes.length;
      this.position += bytes.length;
      return;
    }
    for (let at = 0; at < bytes.length; ) {
      this.#room(1);
      const length = Math.min(bytes.length - at, this.#buffer.length - this.#buffered);
      this.#buffer.set(bytes.subarray(at, at + length), this.#buffered);
      this.#buffered += length;
      this.position += length;
      at += length;
    }
  }

  uint(value: number, width: number): void {
    this.#room(4);
    if (width === 1) this.#view.setUint8(this.#buffered, value);
    else if (width === 2) this.#view.setUint16(this.#buffered, value, true);
    else this.#view.setUint32(this.#buffered, value, true);
    this.#buffered += width;
    this.position += width;
  }

  float64(value: number): void {
    this.#room(8);
    this.#view.setFloat64(this.#buffered, value, true);
    this.#buffered += 8;
    this.position += 8;
  }

  /** Pads with zeros to a multiple of 8 and returns that position: where the next section starts. */
  align(): number {
    while (this.position % 8 !== 0) this.uint(0, 1);
    return this.position;
  }

  /** Appends the first `bytes` of `side`'s file. */
  copyFrom(side: FileSink): void {
    side.flush();
    const chunk = new Uint8Array(sideBufferBytes);
    for (let position = 0; position < side.position; ) {
      const length = fs.readSync(side.fd, chunk, 0, Math.min(chunk.length, side.position - position), position);
      if (length === 0) throw new Error(`Cannot copy a sealed segment's side file: it ends at ${position} of ${side.position} bytes`);
      this.write(chunk.subarray(0, length));
      position += length;
    }
  }

  /** Starts over at position 0 (side files are reused field after field). */
  restart(): void {
    this.flush();
    this.position = 0;
    this.crc = 0;
  }
}

/** A growable pair of typed arrays holding one term's postings while they are merged. */
class PostingsBuffer {
  docs = new Uint32Array(1024);
  freqs = new Uint32Array(1024);
  count = 0;

  add(docs: ArrayLike<number>, freqs: ArrayLike<number> | null, shift: number): void {
    const needed = this.count + docs.length;
    if (needed > this.docs.length) {
      const size = Math.max(needed, this.docs.length * 2);
      const grownDocs = new Uint32Array(size);
      grownDocs.set(this.docs.subarray(0, this.count));
      const grownFreqs = new Uint32Array(size);
      grownFreqs.set(this.freqs.subarray(0, this.count));
      this.docs = grownDocs;
      this.freqs = grownFreqs;
    }
    for (let i = 0; i < docs.length; i++) {
      this.docs[this.count] = docs[i] + shift;
      this.freqs[this.count++] = freqs === null ? 1 : freqs[i];
    }
  }
}

/** Writes a sorted dictionary's blocks and block index to side files, its postings to the file. */
class DictionaryWriter {
  readonly #file: FileSink;
  readonly #entries: FileSink;
  readonly #blocks: FileSink;
  /** The entries of the block being filled (at most termsPerBlock). */
  readonly #block = new ByteWriter(4096);
  readonly #encodedBlock = new ByteWriter(4096);
  readonly #postings = new ByteWriter(64 * 1024);
  readonly #encoder = new TextEncoder();
  #head = new Uint8Array(0);
  #previous = new Uint8Array(0);
  #count = 0;
  #postingsAt = 0;
  #previousPointer = 0;

  constructor(file: FileSink, entries: FileSink, blocks: FileSink) {
    this.#file = file;
    this.#entries = entries;
    this.#blocks = blocks;
    entries.restart();
    blocks.restart();
    this.#postingsAt = file.align();
  }

  add(term: string, postings: PostingsBuffer, withFreqs: boolean): void {
    const pointer = this.#file.position - this.#postingsAt;
    const bytes = this.#encoder.encode(term);
    if (this.#count % termsPerBlock === 0) {
      this.#flushBlock();
      this.#blocks.float64(this.#entries.position);
      this.#blocks.float64(pointer);
      // The first entry shares the whole head, which the block stores before its entries.
      this.#head = bytes;
      this.#previous = bytes;
      this.#previousPointer = pointer;
    }
    writeTermEntry(this.#block, this.#previous, bytes, postings.count, pointer - this.#previousPointer);
    this.#previous = bytes;
    this.#previousPointer = pointer;
    this.#postings.reset();
    encodePostings(this.#postings, postings.docs, withFreqs ? postings.freqs : null, postings.count);
    this.#file.write(this.#postings.view());
    this.#count++;
  }

  #flushBlock(): void {
    if (this.#block.length === 0) return;
    this.#encodedBlock.reset();
    writeDictionaryBlock(this.#encodedBlock, this.#head, this.#block.view());
    this.#entries.write(this.#encodedBlock.view());
    this.#block.reset();
  }

  /** Appends the blocks and the block index after the postings; returns the dictionary's metadata. */
  finish(): { count: number; dictAt: number; dictBytes: number; blocksAt: number; postingsAt: number; postingsBytes: number } {
    this.#flushBlock();
    const postingsBytes = this.#file.position - this.#postingsAt;
    const dictAt = this.#file.align();
    this.#file.copyFrom(this.#entries);
    const dictBytes = this.#file.position - dictAt;
    const blocksAt = this.#file.align();
    this.#file.copyFrom(this.#blocks);
    return { count: this.#count, dictAt, dictBytes, blocksAt, postingsAt: this.#postingsAt, postingsBytes };
  }
}

/** The inputs with the document number each starts at in the output. */
interface Placed {
  segment: SearchSegment;
  firstDoc: number;
}

function checkInputs(inputs: readonly SearchSegment[]): void {
  if (inputs.length === 0) throw new Error("Cannot write a sealed segment: no input segments");
  const [first] = inputs;
  for (let i = 1; i < inputs.length; i++) {
    const input = inputs[i];
    const previous = inputs[i - 1];
    if (input.topic !== first.topic || input.partition !== first.partition || input.logSegmentBase !== first.logSegmentBase) {
      throw new Error(`Cannot merge segment "${input.baseOffset}" of "${input.topic}-${input.partition}" (log segment "${input.logSegmentBase}") into one of "${first.topic}-${first.partition}" (log segment "${first.logSegmentBase}")`);
    }
    if (input.baseOffset < previous.endOffset) {
      throw new Error(`Cannot merge segment "${input.baseOffset}" after segment "${previous.baseOffset}": it starts before ${previous.endOffset}`);
    }
  }
}

/**
 * Writes `inputs` (same topic, partition and log segment; ordered by offset; not overlapping) as
 * one sealed segment at `file`, atomically and durably. Documents are the inputs' documents in order.
 */
export async function writeSealedSegment(file: string, inputs: readonly SearchSegment[]): Promise<void> {
  checkInputs(inputs);
  const temp = file + tempSuffix;
  const sides = [`${file}.entries${tempSuffix}`, `${file}.blocks${tempSuffix}`];
  const fds: number[] = [];
  try {
    const fd = fs.openSync(temp, "w");
    fds.push(fd);
    for (const side of sides) fds.push(fs.openSync(side, "w+"));
    const sink = new FileSink(fd, writeBufferBytes);
    writeBody(sink, new FileSink(fds[1], sideBufferBytes), new FileSink(fds[2], sideBufferBytes), inputs);
    fs.fsyncSync(fd);
  } catch (error) {
    for (const fd of fds.splice(0)) fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw error;
  } finally {
    for (const fd of fds) fs.closeSync(fd);
    for (const side of sides) fs.rmSync(side, { force: true });
  }
  fs.renameSync(temp, file);
  await syncDirectory(path.dirname(file));
}

function writeBody(sink: FileSink, entries: FileSink, blocks: FileSink, inputs: readonly SearchSegment[]): void {
  const placed: Placed[] = [];
  let docCount = 0;
  for (const segment of inputs) {
    placed.push({ segment, firstDoc: docCount });
    docCount += segment.docCount;
  }
  const first = inputs[0];
  const last = inputs[inputs.length - 1];
  sink.write(sealedMagic);
  const offsetsAt = writeOffsets(sink, placed, first.baseOffset);
  const timestamps = writeTimestamps(sink, placed, docCount);
  const flagsAt = writeFlags(sink, placed);
  const batches = writeBatches(sink, placed, first.baseOffset);
  const fields: FieldMeta[] = [];
  for (const name of sortFieldNames(inputs.flatMap((input) => input.fieldNames()))) {
    const field: FieldMeta = { name };
    if (inputs.some((input) => input.text(name) !== null)) field.text = writeText(sink, entries, blocks, placed, name, docCount);
    if (inputs.some((input) => input.keywords(name) !== null)) field.keyword = writeKeywords(sink, entries, blocks, placed, name, docCount);
    if (inputs.some((input) => input.numbers(name) !== null)) field.number = writeNumbers(sink, placed, name, docCount);
    fields.push(field);
  }
  const meta: SealedMeta = {
    topic: first.topic,
    partition: first.partition,
    baseOffset: first.baseOffset,
    endOffset: last.endOffset,
    docCount,
    logSegmentBase: first.logSegmentBase,
    offsetsAt,
    timestampsAt: timestamps.at,
    timestampsMin: timestamps.min,
    timestampBasesAt: timestamps.basesAt,
    flagsAt,
    batchesAt: batches.at,
    batchCount: batches.count,
    fields,
  };
  sink.flush();
  const bodyCrc = sink.crc;
  const metaBytes = new TextEncoder().encode(JSON.stringify(meta));
  sink.write(metaBytes);
  const trailer = new DataView(new ArrayBuffer(16));
  trailer.setUint32(0, metaBytes.length, true);
  trailer.setUint32(4, crc32c(metaBytes), true);
  trailer.setUint32(8, bodyCrc, true);
  sink.write(new Uint8Array(trailer.buffer));
  sink.write(sealedMagic);
  sink.flush();
}

/** Writes the offsets column, unless every document's offset is baseOffset + its number (then null). */
function writeOffsets(sink: FileSink, placed: readonly Placed[], baseOffset: number): number | null {
  let previous = -1;
  let dense = true;
  for (const { segment, firstDoc } of placed) {
    for (let doc = 0; doc < segment.docCount; doc++) {
      const offset = segment.offset(doc);
      const delta = offset - baseOffset;
      if (!(offset > previous && offset < segment.endOffset && delta >= 0 && delta <= 0xffff_ffff)) {
        throw new Error(`Cannot seal segment "${segment.baseOffset}": offset "${offset}" of document ${doc} is out of order or range`);
      }
      previous = offset;
      if (delta !== firstDoc + doc) dense = false;
    }
  }
  if (dense) return null;
  const at = sink.align();
  for (const { segment } of placed) for (let doc = 0; doc < segment.docCount; doc++) sink.uint(segment.offset(doc) - baseOffset, 4);
  return at;
}

/**
 * Writes timestamps in the narrowest form that holds them: Uint16 deltas from a base per block of
 * timestampBlockDocs (log records arrive in time order, so a block spans seconds), else Uint32
 * deltas from the minimum, else Float64.
 */
function writeTimestamps(sink: FileSink, placed: readonly Placed[], docCount: number): { at: number; min: number | null; basesAt: number | null } {
  const blocks = Math.ceil(docCount / timestampBlockDocs);
  let min = Infinity;
  let max = -Infinity;
  let integers = true;
  let blocksFit = true;
  let blockMin = Infinity;
  let blockMax = -Infinity;
  forEachTimestamp(placed, (doc, timestamp) => {
    if (doc % timestampBlockDocs === 0) {
      blockMin = Infinity;
      blockMax = -Infinity;
    }
    min = Math.min(min, timestamp);
    max = Math.max(max, timestamp);
    blockMin = Math.min(blockMin, timestamp);
    blockMax = Math.max(blockMax, timestamp);
    if (blockMax - blockMin > 0xffff) blocksFit = false;
    if (!Number.isSafeInteger(timestamp)) integers = false;
  });
  if (!integers || max - min > 0xffff_ffff) {
    const at = sink.align();
    forEachTimestamp(placed, (_, timestamp) => sink.float64(timestamp));
    return { at, min: null, basesAt: null };
  }
  if (!blocksFit) {
    const at = sink.align();
    forEachTimestamp(placed, (_, timestamp) => sink.uint(timestamp - min, 4));
    return { at, min: min === Infinity ? 0 : min, basesAt: null };
  }
  const bases = new Float64Array(blocks).fill(Infinity);
  forEachTimestamp(placed, (doc, timestamp) => {
    const block = Math.floor(doc / timestampBlockDocs);
    bases[block] = Math.min(bases[block], timestamp);
  });
  const basesAt = sink.align();
  for (const base of bases) sink.float64(base);
  const at = sink.align();
  forEachTimestamp(placed, (doc, timestamp) => sink.uint(timestamp - bases[Math.floor(doc / timestampBlockDocs)], 2));
  return { at, min: min === Infinity ? 0 : min, basesAt };
}

/** Calls `visit` with each output document's number and timestamp, in order. */
function forEachTimestamp(placed: readonly Placed[], visit: (doc: number, timestamp: number) => void): void {
  for (const { segment, firstDoc } of placed) for (let doc = 0; doc < segment.docCount; doc++) visit(firstDoc + doc, segment.timestamp(doc));
}

function writeFlags(sink: FileSink, placed: readonly Placed[]): number {
  const at = sink.align();
  for (const { segment } of placed) {
    for (let doc = 0; doc < segment.docCount; doc++) {
      // A sealed input knows the flag; others hold their records in memory (the live segment).
      const binary = segment instanceof SealedSegment ? segment.valueIsBinary(doc) : segment.hasValue(doc) && segment.record(doc).valueIsBinary;
      sink.uint((segment.hasKey(doc) ? DocFlag.hasKey : 0) | (segment.hasValue(doc) ? DocFlag.hasValue : 0) | (binary ? DocFlag.valueIsBinary : 0), 1);
    }
  }
  return at;
}

function writeBatches(sink: FileSink, placed: readonly Placed[], baseOffset: number): { at: number; count: number } {
  const at = sink.align();
  let count = 0;
  let previous = -1;
  for (const { segment } of placed) {
    const { baseOffsets, positions } = segment.batches();
    for (let i = 0; i < baseOffsets.length; i++) {
      // A batch split between two inputs is listed by both; the output lists it once.
      if (baseOffsets[i] <= previous) continue;
      previous = baseOffsets[i];
      const delta = baseOffsets[i] - baseOffset;
      // A batch starting before the segment (its first records are in an older segment) cannot be named by a delta.
      if (delta < 0 || delta > 0xffff_ffff) continue;
      const position = positions[i];
      sink.uint(delta, 4);
      sink.uint(position >= 0 && position < unknownPosition ? position : unknownPosition, 4);
      count++;
    }
  }
  return { at, count };
}

/**
 * The ascending union of the inputs' sorted streams of (string, item), with the inputs holding
 * each string and their items.
 */
function* mergeSorted<T>(streams: readonly (Iterator<[string, T]> | null)[], what: string): Generator<[string, [number, T][]]> {
  if (streams.length === 1 && streams[0] !== null) {
    // One input (a seal): its stream as it is, still checked for order.
    const holder: [number, T][] = [[0, undefined as T]];
    let previous: string | null = null;
    for (let next = streams[0].next(); !next.done; next = streams[0].next()) {
      const [key, item] = next.value;
      if (previous !== null && compareUtf8(key, previous) <= 0) throw new Error(`Cannot merge ${what}: input 0 lists "${key}" after "${previous}"`);
      previous = key;
      holder[0][1] = item;
      yield [key, holder];
    }
    return;
  }
  const heads: ([string, T] | null)[] = streams.map((stream) => {
    const next = stream?.next();
    return next && !next.done ? next.value : null;
  });
  for (;;) {
    let smallest: string | null = null;
    for (const head of heads) if (head !== null && (smallest === null || compareUtf8(head[0], smallest) < 0)) smallest = head[0];
    if (smallest === null) return;
    const holders: [number, T][] = [];
    for (let i = 0; i < heads.length; i++) if (heads[i] !== null && heads[i]![0] === smallest) holders.push([i, heads[i]![1]]);
    yield [smallest, holders];
    for (const [i] of holders) {
      const next = streams[i]!.next();
      heads[i] = next.done ? null : next.value;
      // The merge relies on each input's order; a disorder would silently lose terms.
      if (heads[i] !== null && compareUtf8(heads[i]![0], smallest) <= 0) throw new Error(`Cannot merge ${what}: input ${i} lists "${heads[i]![0]}" after "${smallest}"`);
    }
  }
}

/** A text field's terms in order with a reader of their postings: sealed fields walk their dictionary once. */
function* textEntries(text: TextField): Generator<[string, () => Postings | null]> {
  if (text instanceof SealedTextField) {
    yield* text.entries();
    return;
  }
  for (const term of text.terms("")) yield [term, () => text.postings(term)];
}

/** A keyword field's values in ordinal order with a reader of their documents. */
function* keywordEntries(field: KeywordField): Generator<[string, () => ArrayLike<number>]> {
  if (field instanceof SealedKeywordField) {
    yield* field.entries();
    return;
  }
  for (let ordinal = 0; ordinal < field.cardinality; ordinal++) yield [field.value(ordinal), () => field.docs(ordinal)];
}

function writeText(sink: FileSink, entries: FileSink, blocks: FileSink, placed: readonly Placed[], name: string, docCount: number): TextMeta {
  const texts = placed.map(({ segment }) => segment.text(name));
  let maxLength = 0;
  let minLength = Infinity;
  let docs = 0;
  let sum = 0;
  texts.forEach((text, i) => {
    if (text !== null) {
      docs += text.totals.docs;
      sum += text.totals.sum;
    }
    for (let doc = 0; doc < placed[i].segment.docCount; doc++) {
      const length = text === null ? 0 : text.length(doc);
      maxLength = Math.max(maxLength, length);
      minLength = Math.min(minLength, length);
    }
  });
  const normWidth = widthOf(maxLength);
  // Fields like "level" or "user" have one token in every document: the column would say nothing.
  const normsAt = minLength === maxLength ? null : sink.align();
  texts.forEach((text, i) => {
    for (let doc = 0; normsAt !== null && doc < placed[i].segment.docCount; doc++) sink.uint(text === null ? 0 : text.length(doc), normWidth);
  });
  const dictionary = new DictionaryWriter(sink, entries, blocks);
  const postings = new PostingsBuffer();
  const only = texts.length === 1 ? texts[0] : null;
  if (only !== null && !(only instanceof SealedTextField)) {
    // A seal: the live field's terms in order, without the merge's machinery.
    let previous: string | null = null;
    for (const term of only.terms("")) {
      if (previous !== null && compareUtf8(term, previous) <= 0) throw new Error(`Cannot write the terms of "${name}": input 0 lists "${term}" after "${previous}"`);
      previous = term;
      const list = only.postings(term);
      if (list === null) continue;
      postings.count = 0;
      postings.add(list.docs, list.freqs, 0);
      if (postings.count > 0) dictionary.add(term, postings, true);
    }
    return { ...dictionary.finish(), docs, sum, normWidth, normsAt, normLength: maxLength };
  }
  const streams = texts.map((text) => (text === null ? null : textEntries(text)));
  for (const [term, holders] of mergeSorted(streams, `the terms of "${name}"`)) {
    postings.count = 0;
    for (const [i, read] of holders) {
      const list = read();
      if (list !== null) postings.add(list.docs, list.freqs, placed[i].firstDoc);
    }
    if (postings.count > 0) dictionary.add(term, postings, true);
  }
  return { ...dictionary.finish(), docs, sum, normWidth, normsAt, normLength: maxLength };
}

function writeKeywords(sink: FileSink, entries: FileSink, blocks: FileSink, placed: readonly Placed[], name: string, docCount: number): KeywordMeta {
  const fields = placed.map(({ segment }) => segment.keywords(name));
  // Each input's ordinal → the output's, so the ordinal column can be written document by document.
  const ordinalMaps = fields.map((field) => new Uint32Array(field?.cardinality ?? 0));
  const dictionary = new DictionaryWriter(sink, entries, blocks);
  const postings = new PostingsBuffer();
  const streams = fields.map((field) => (field === null ? null : keywordEntries(field)));
  const nextOrdinals = fields.map(() => 0);
  let cardinality = 0;
  const only = fields.length === 1 ? fields[0] : null;
  if (only !== null && !(only instanceof SealedKeywordField)) {
    // A seal: the live field's values are in order already, and their ordinals are the output's.
    let previous: string | null = null;
    for (let ordinal = 0; ordinal < only.cardinality; ordinal++) {
      const value = only.value(ordinal);
      if (previous !== null && compareUtf8(value, previous) <= 0) throw new Error(`Cannot write the keywords of "${name}": input 0 lists "${value}" after "${previous}"`);
      previous = value;
      ordinalMaps[0][ordinal] = ordinal;
      postings.count = 0;
      postings.add(only.docs(ordinal), null, 0);
      dictionary.add(value, postings, false);
    }
    cardinality = only.cardinality;
  }
  for (const [value, holders] of only !== null && !(only instanceof SealedKeywordField) ? [] : mergeSorted(streams, `the keywords of "${name}"`)) {
    postings.count = 0;
    for (const [i, readDocs] of holders) {
      ordinalMaps[i][nextOrdinals[i]++] = cardinality;
      postings.add(readDocs(), null, placed[i].firstDoc);
    }
    dictionary.add(value, postings, false);
    cardinality++;
  }
  const meta = dictionary.finish();
  let valueCount = 0;
  let multi = false;
  fields.forEach((field, i) => {
    for (let doc = 0; field !== null && doc < placed[i].segment.docCount; doc++) {
      let count = 0;
      field.forEachOrdinal(doc, () => count++);
      valueCount += count;
      if (count > 1) multi = true;
    }
  });
  const visitDocs = (visit: (doc: number, ordinals: number[]) => void) => {
    const ordinals: number[] = [];
    fields.forEach((field, i) => {
      for (let doc = 0; doc < placed[i].segment.docCount; doc++) {
        ordinals.length = 0;
        field?.forEachOrdinal(doc, (ordinal) => ordinals.push(ordinalMaps[i][ordinal]));
        visit(doc, ordinals);
      }
    });
  };
  if (!multi) {
    const ordinalWidth = widthOf(cardinality);
    const missing = 2 ** (8 * ordinalWidth) - 1;
    const ordinalsAt = sink.align();
    visitDocs((_, ordinals) => sink.uint(ordinals.length === 0 ? missing : ordinals[0], ordinalWidth));
    return { ...meta, ordinalWidth, ordinalsAt, startsAt: null, valueCount };
  }
  const startsAt = sink.align();
  let start = 0;
  sink.uint(0, 4);
  visitDocs((_, ordinals) => sink.uint((start += ordinals.length), 4));
  const ordinalWidth = widthOf(Math.max(0, cardinality - 1));
  const ordinalsAt = sink.align();
  visitDocs((_, ordinals) => {
    for (const ordinal of ordinals) sink.uint(ordinal, ordinalWidth);
  });
  return { ...meta, ordinalWidth, ordinalsAt, startsAt, valueCount };
}

function writeNumbers(sink: FileSink, placed: readonly Placed[], name: string, docCount: number): NumberMeta {
  const fields = placed.map(({ segment }) => segment.numbers(name));
  let valueCount = 0;
  let multi = false;
  let integers = true;
  let min = Infinity;
  let max = -Infinity;
  for (const field of fields) {
    let previousDoc = -1;
    field?.forEach((doc, value) => {
      if (doc === previousDoc) multi = true;
      previousDoc = doc;
      valueCount++;
      if (value < min) min = value;
      if (value > max) max = value;
      // -0 would come back as 0 from a delta.
      if (!Number.isSafeInteger(value) || Object.is(value, -0)) integers = false;
    });
  }
  const eachDoc = (visit: (values: number[]) => void) => {
    const values: number[] = [];
    fields.forEach((field, i) => {
      for (let doc = 0; doc < placed[i].segment.docCount; doc++) {
        values.length = 0;
        field?.forEachValue(doc, (value) => values.push(value));
        visit(values);
      }
    });
  };
  if (!multi && integers && valueCount > 0 && max - min < 0xffff_ffff) {
    const width = widthOf(max - min + 1);
    const missing = 2 ** (8 * width) - 1;
    const valuesAt = sink.align();
    eachDoc((values) => sink.uint(values.length === 0 ? missing : values[0] - min, width));
    return { encoding: "integer", width, min, valuesAt, startsAt: null, valueCount };
  }
  if (!multi) {
    const valuesAt = sink.align();
    eachDoc((values) => sink.float64(values.length === 0 ? NaN : values[0]));
    return { encoding: "float", width: 8, min: 0, valuesAt, startsAt: null, valueCount };
  }
  const startsAt = sink.align();
  let start = 0;
  sink.uint(0, 4);
  eachDoc((values) => sink.uint((start += values.length), 4));
  const valuesAt = sink.align();
  eachDoc((values) => {
    for (const value of values) sink.float64(value);
  });
  return { encoding: "multi", width: 8, min: 0, valuesAt, startsAt, valueCount };
}
