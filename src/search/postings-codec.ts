// The byte-level codecs of the sealed segment format (sealed-segment-writer.ts describes the file):
// unsigned varints, postings lists and front-coded term dictionary entries.
//
// Postings of `count` documents, at a position the dictionary points to:
//   when count > postingsBlockDocs: skipBytes: varint, then one skip entry per block after the
//     first — (last document of the previous block − the previous entry's document): varint,
//     (where the block starts − where the previous block started, in bytes after the skip
//     table): varint — so an iterator can jump to the block that can hold a document;
//   then per document, with gap = document − previous document − 1 (previous starts at −1), a
//     value: with frequencies gap × 2 + (freq == 1 ? 1 : 0) (Lucene's old .frq trick: most terms
//     occur once in a document, which then costs no more), documents only (keywords) the gap;
//   in lists longer than a block, each full block of postingsBlockDocs values is bit-packed as
//     Lucene does: the bit width of its largest value (a byte), the values at that width (LSB
//     first, 16 × width bytes), then varint(freq) of each entry whose freq ≠ 1; the rest (short
//     lists, the last partial block) is varints: varint(value), then varint(freq) when freq ≠ 1.
// Term entry: shared prefix length with the previous term: varint, suffix length: varint, suffix
//   bytes, docFreq: varint, postings pointer − the previous entry's pointer: varint.
// Dictionary block (termsPerBlock entries; the block index points at each):
//   the block's first term, whole: length: varint, bytes (binary searches compare these in place);
//   raw length of the entries: varint, stored length: varint (smaller = DEFLATE-compressed);
//   the entries, the first sharing the whole first term (it costs no suffix).
// Dictionaries of long values (log messages as keywords) compress 2-3× with DEFLATE; a lookup
// inflates one block (about 10 µs for 32 messages).

/** Documents per postings block; a skip entry marks the start of each block after the first. */
export const postingsBlockDocs = 128;

/** A growable byte buffer with varint writers; it only grows to what one call sequence needs. */
export class ByteWriter {
  bytes: Uint8Array;
  length = 0;

  constructor(initialBytes = 1024) {
    this.bytes = new Uint8Array(Math.max(8, initialBytes));
  }

  reset(): void {
    this.length = 0;
  }

  /** The written bytes (a view, valid until the next write). */
  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  ensure(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < needed) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  byte(value: number): void {
    this.ensure(1);
    this.bytes[this.length++] = value;
  }

  /** An unsigned varint; exact up to 2^53. */
  varint(value: number): void {
    this.ensure(10);
    const bytes = this.bytes;
    let at = this.length;
    if (value < 0x8000_0000) {
      while (value >= 0x80) {
        bytes[at++] = (value & 0x7f) | 0x80;
        value >>>= 7;
      }
    } else {
      while (value >= 0x80) {
        bytes[at++] = (value % 128) | 0x80;
        value = Math.floor(value / 128);
      }
    }
    this.bytes[at++] = value;
    this.length = at;
  }

  append(bytes: Uint8Array, start = 0, end = bytes.length): void {
    this.ensure(end - start);
    if (end - start <= 32) {
      // A term's suffix, most often: a loop beats making a view to copy from.
      for (let at = start; at < end; at++) this.bytes[this.length++] = bytes[at];
      return;
    }
    this.bytes.set(bytes.subarray(start, end), this.length);
    this.length += end - start;
  }
}

/** A position in bytes being read. */
export interface ByteCursor {
  at: number;
}

/** Reads an unsigned varint at `cursor.at` and moves past it. */
export function readVarint(bytes: Uint8Array, cursor: ByteCursor): number {
  let at = cursor.at;
  let byte = bytes[at++];
  let value = byte & 0x7f;
  let scale = 128;
  while (byte >= 0x80) {
    byte = bytes[at++];
    value += (byte & 0x7f) * scale;
    scale *= 128;
  }
  cursor.at = at;
  return value;
}

/** The narrowest of 1, 2 or 4 bytes that holds `max`. */
export function widthOf(max: number): 1 | 2 | 4 {
  return max <= 0xff ? 1 : max <= 0xffff ? 2 : 4;
}

/** Writes `count` postings (documents ascending, frequencies ≥ 1, or null for documents only). */
export function encodePostings(out: ByteWriter, docs: ArrayLike<number>, freqs: ArrayLike<number> | null, count: number): void {
  if (count <= postingsBlockDocs) {
    encodeEntries(out, docs, freqs, 0, count, -1);
    return;
  }
  const data = scratchData;
  const skips = scratchSkips;
  data.reset();
  skips.reset();
  let previousSkipDoc = -1;
  let previousStart = 0;
  for (let start = 0; start < count; start += postingsBlockDocs) {
    const previousDoc = start === 0 ? -1 : docs[start - 1];
    if (start > 0) {
      skips.varint(previousDoc - previousSkipDoc);
      skips.varint(data.length - previousStart);
      previousSkipDoc = previousDoc;
      previousStart = data.length;
    }
    if (start + postingsBlockDocs <= count) packEntries(data, docs, freqs, start, previousDoc);
    else encodeEntries(data, docs, freqs, start, count, previousDoc);
  }
  out.varint(skips.length);
  out.append(skips.bytes, 0, skips.length);
  out.append(data.bytes, 0, data.length);
}

// Reused between calls (encoding is synchronous): a term's postings never allocate anew.
const scratchData = new ByteWriter(64 * 1024);
const scratchSkips = new ByteWriter(1024);
const scratchValues = new Uint32Array(postingsBlockDocs);
const powersOfTwo = Float64Array.from({ length: 64 }, (_, i) => 2 ** i);

/** The value an entry packs: the gap, and with frequencies the "frequency is one" bit. */
function entryValue(docs: ArrayLike<number>, freqs: ArrayLike<number> | null, i: number, previous: number): number {
  const doc = docs[i];
  const gap = doc - previous - 1;
  if (!(gap >= 0)) throw new Error(`Cannot encode postings: document "${doc}" does not follow "${previous}"`);
  if (freqs === null) return gap;
  const freq = freqs[i];
  if (!(freq >= 1)) throw new Error(`Cannot encode postings: frequency "${freq}" of document "${doc}" is not positive`);
  return gap * 2 + (freq === 1 ? 1 : 0);
}

function encodeEntries(out: ByteWriter, docs: ArrayLike<number>, freqs: ArrayLike<number> | null, start: number, end: number, previousDoc: number): void {
  let previous = previousDoc;
  for (let i = start; i < end; i++) {
    const value = entryValue(docs, freqs, i, previous);
    previous = docs[i];
    out.varint(value);
    if (freqs !== null && freqs[i] !== 1) out.varint(freqs[i]);
  }
}

/** A full block: its bit width, the values packed at that width (LSB first), then the frequencies ≠ 1. */
function packEntries(out: ByteWriter, docs: ArrayLike<number>, freqs: ArrayLike<number> | null, start: number, previousDoc: number): void {
  const values = scratchValues;
  let previous = previousDoc;
  let max = 0;
  for (let i = 0; i < postingsBlockDocs; i++) {
    const value = entryValue(docs, freqs, start + i, previous);
    if (value > 0xffff_ffff) throw new Error(`Cannot encode postings: gap before document "${docs[start + i]}" is too large`);
    previous = docs[start + i];
    values[i] = value;
    if (value > max) max = value;
  }
  const bits = max === 0 ? 0 : Math.floor(Math.log2(max)) + 1;
  out.byte(bits);
  out.ensure((postingsBlockDocs / 8) * bits);
  const bytes = out.bytes;
  let at = out.length;
  let pending = 0;
  let pendingBits = 0;
  for (let i = 0; i < postingsBlockDocs; i++) {
    pending += values[i] * powersOfTwo[pendingBits];
    pendingBits += bits;
    while (pendingBits >= 8) {
      bytes[at++] = pending % 256;
      pending = Math.floor(pending / 256);
      pendingBits -= 8;
    }
  }
  out.length = at;
  if (freqs === null) return;
  for (let i = 0; i < postingsBlockDocs; i++) if (freqs[start + i] !== 1) out.varint(freqs[start + i]);
}

/** Unpacks a full block's values into `values`; returns the position after them. */
function unpackBlock(bytes: Uint8Array, position: number, bits: number, values: Uint32Array): number {
  if (bits === 0) {
    values.fill(0);
    return position;
  }
  if (bits <= 24) {
    // Fits in 32-bit integer operations: at most 23 pending bits plus one byte.
    const mask = bits === 32 ? -1 : (1 << bits) - 1;
    let pending = 0;
    let pendingBits = 0;
    for (let i = 0; i < postingsBlockDocs; i++) {
      while (pendingBits < bits) {
        pending |= bytes[position++] << pendingBits;
        pendingBits += 8;
      }
      values[i] = pending & mask;
      pending >>>= bits;
      pendingBits -= bits;
    }
    return position;
  }
  let pending = 0;
  let pendingBits = 0;
  const scale = powersOfTwo[bits];
  for (let i = 0; i < postingsBlockDocs; i++) {
    while (pendingBits < bits) {
      pending += bytes[position++] * powersOfTwo[pendingBits];
      pendingBits += 8;
    }
    values[i] = pending % scale;
    pending = Math.floor(pending / scale);
    pendingBits -= bits;
  }
  return position;
}

/** Where the entries of a postings list at `at` start (past its skip table). */
function entriesStart(bytes: Uint8Array, at: number, count: number): number {
  if (count <= postingsBlockDocs) return at;
  const cursor = { at };
  const skipBytes = readVarint(bytes, cursor);
  return cursor.at + skipBytes;
}

const unpacked = new Uint32Array(postingsBlockDocs);

/**
 * Decodes the postings from entry `first` (a block start) at byte `position`, after document
 * `previousDoc`, up to `count`, into `docs` and, unless null (documents only), `freqs`.
 */
function decodeInto(bytes: Uint8Array, position: number, first: number, previousDoc: number, count: number, docs: Uint32Array, freqs: Uint32Array | null): void {
  const cursor = { at: 0 };
  let doc = previousDoc;
  const packedEnd = count > postingsBlockDocs ? count - (count % postingsBlockDocs) : 0;
  for (let start = first; start < packedEnd; start += postingsBlockDocs) {
    position = unpackBlock(bytes, position + 1, bytes[position], unpacked);
    const out = start - first;
    if (freqs === null) {
      for (let i = 0; i < postingsBlockDocs; i++) docs[out + i] = doc += unpacked[i] + 1;
      continue;
    }
    for (let i = 0; i < postingsBlockDocs; i++) {
      const value = unpacked[i];
      docs[out + i] = doc += Math.floor(value / 2) + 1;
      if (value & 1) freqs[out + i] = 1;
      else {
        cursor.at = position;
        freqs[out + i] = readVarint(bytes, cursor);
        position = cursor.at;
      }
    }
  }
  for (let i = Math.max(first, packedEnd); i < count; i++) {
    let value = bytes[position];
    if (value < 0x80) position++;
    else {
      cursor.at = position;
      value = readVarint(bytes, cursor);
      position = cursor.at;
    }
    if (freqs === null) {
      docs[i - first] = doc += value + 1;
      continue;
    }
    docs[i - first] = doc += Math.floor(value / 2) + 1;
    if (value & 1) freqs[i - first] = 1;
    else {
      cursor.at = position;
      freqs[i - first] = readVarint(bytes, cursor);
      position = cursor.at;
    }
  }
}

/** Decodes the postings at `at` from `block` on (see postingsBlockOf): what an iterator advancing to a document needs. */
export function decodePostingsFrom(bytes: Uint8Array, count: number, block: PostingsBlock): { docs: Uint32Array; freqs: Uint32Array } {
  const docs = new Uint32Array(count - block.index);
  const freqs = new Uint32Array(count - block.index);
  decodeInto(bytes, block.position, block.index, block.previousDoc, count, docs, freqs);
  return { docs, freqs };
}

/** Decodes the postings at `at` (written with frequencies) into fresh typed arrays. */
export function decodePostings(bytes: Uint8Array, at: number, count: number): { docs: Uint32Array; freqs: Uint32Array } {
  const docs = new Uint32Array(count);
  const freqs = new Uint32Array(count);
  decodeInto(bytes, entriesStart(bytes, at, count), 0, -1, count, docs, freqs);
  return { docs, freqs };
}

/** Decodes the documents-only postings at `at` into a fresh typed array. */
export function decodeDocs(bytes: Uint8Array, at: number, count: number): Uint32Array {
  const docs = new Uint32Array(count);
  decodeInto(bytes, entriesStart(bytes, at, count), 0, -1, count, docs, null);
  return docs;
}

/** Where decoding can start to find the first document ≥ `target`: a block's first index, byte position and the document before it. */
export interface PostingsBlock {
  index: number;
  position: number;
  previousDoc: number;
}

/** The last block whose previous document is below `target`, found through the skip table. */
export function postingsBlockOf(bytes: Uint8Array, at: number, count: number, target: number): PostingsBlock {
  if (count <= postingsBlockDocs) return { index: 0, position: at, previousDoc: -1 };
  const cursor = { at };
  const skipBytes = readVarint(bytes, cursor);
  const skipsEnd = cursor.at + skipBytes;
  const dataStart = skipsEnd;
  const block: PostingsBlock = { index: 0, position: dataStart, previousDoc: -1 };
  let skipDoc = -1;
  let start = 0;
  for (let index = postingsBlockDocs; cursor.at < skipsEnd; index += postingsBlockDocs) {
    skipDoc += readVarint(bytes, cursor);
    start += readVarint(bytes, cursor);
    if (skipDoc >= target) break;
    block.index = index;
    block.position = dataStart + start;
    block.previousDoc = skipDoc;
  }
  return block;
}

/** Compares `a[aStart, aEnd)` with `b[bStart, bEnd)` as unsigned bytes, a shorter prefix first. */
export function compareBytes(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number): number {
  const length = Math.min(aEnd - aStart, bEnd - bStart);
  for (let i = 0; i < length; i++) {
    const difference = a[aStart + i] - b[bStart + i];
    if (difference !== 0) return difference;
  }
  return aEnd - aStart - (bEnd - bStart);
}

/** Writes one dictionary entry; `previous` is empty for the first entry of a block. */
export function writeTermEntry(out: ByteWriter, previous: Uint8Array, term: Uint8Array, docFreq: number, pointerDelta: number): void {
  const limit = Math.min(previous.length, term.length);
  let shared = 0;
  while (shared < limit && previous[shared] === term[shared]) shared++;
  out.varint(shared);
  out.varint(term.length - shared);
  out.append(term, shared, term.length);
  out.varint(docFreq);
  out.varint(pointerDelta);
}

const utf8Decoder = new TextDecoder();

/** Walks dictionary entries from a block start, rebuilding each term's bytes in place. */
export class TermCursor {
  /** The entries being walked: the mapped file, or a block's inflated entries. */
  bytes: Uint8Array;
  at: number;
  /** The current term's bytes are term[0, termLength). */
  term = new Uint8Array(64);
  termLength = 0;
  docFreq = 0;
  pointerDelta = 0;
  readonly #cursor = { at: 0 };

  constructor(bytes: Uint8Array, at: number) {
    this.bytes = bytes;
    this.at = at;
  }

  /** Reads the next entry. */
  next(): void {
    const cursor = this.#cursor;
    cursor.at = this.at;
    const shared = readVarint(this.bytes, cursor);
    const suffix = readVarint(this.bytes, cursor);
    const length = shared + suffix;
    if (length > this.term.length) {
      const grown = new Uint8Array(Math.max(length, this.term.length * 2));
      grown.set(this.term.subarray(0, shared));
      this.term = grown;
    }
    this.term.set(this.bytes.subarray(cursor.at, cursor.at + suffix), shared);
    cursor.at += suffix;
    this.termLength = length;
    this.docFreq = readVarint(this.bytes, cursor);
    this.pointerDelta = readVarint(this.bytes, cursor);
    this.at = cursor.at;
  }

  /** The current term as a string (ASCII without the decoder: most terms are ASCII). */
  termString(): string {
    const term = this.term;
    const length = this.termLength;
    let text = "";
    for (let i = 0; i < length; i++) {
      const byte = term[i];
      if (byte >= 0x80) return utf8Decoder.decode(term.subarray(0, length));
      text += String.fromCharCode(byte);
    }
    return text;
  }
}

/** Dictionary entries per front-coded block; a block's first entry stores its whole term. */
export const termsPerBlock = 32;

/**
 * A sorted dictionary in place: entries in front-coded blocks at `entriesStart`, and a block
 * index of Float64 pairs (where the block's entries start, relative to `entriesStart`; where its
 * first term's postings start, relative to `postingsStart`). Lookups binary-search the blocks
 * by comparing the bytes of their first terms, then walk one block.
 */
export class SortedDictionary {
  readonly bytes: Uint8Array;
  readonly count: number;
  readonly #blocks: Float64Array;
  readonly #entriesStart: number;
  readonly #postingsStart: number;
  readonly #lookup: TermCursor;
  /** Set by find and seek: the entry's docFreq and absolute postings position. */
  foundDocFreq = 0;
  foundPointer = 0;

  constructor(bytes: Uint8Array, count: number, blocks: Float64Array, entriesStart: number, postingsStart: number) {
    this.bytes = bytes;
    this.count = count;
    this.#blocks = blocks;
    this.#entriesStart = entriesStart;
    this.#postingsStart = postingsStart;
    this.#lookup = new TermCursor(bytes, entriesStart);
  }

  /** The block whose first term is the last one ≤ `target` (0 when `target` precedes them all). */
  #blockOf(target: Uint8Array): number {
    const bytes = this.bytes;
    const cursor = { at: 0 };
    let low = 0;
    let high = this.#blocks.length / 2 - 1;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      cursor.at = this.#entriesStart + this.#blocks[middle * 2];
      const length = readVarint(bytes, cursor);
      if (compareBytes(bytes, cursor.at, cursor.at + length, target, 0, target.length) <= 0) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  /** Positions `cursor` before the block's first entry (inflating the block if stored so); returns the block's postings base. */
  loadBlock(cursor: TermCursor, block: number): number {
    const bytes = this.bytes;
    const position = { at: this.#entriesStart + this.#blocks[block * 2] };
    const headLength = readVarint(bytes, position);
    if (headLength > cursor.term.length) cursor.term = new Uint8Array(headLength * 2);
    cursor.term.set(bytes.subarray(position.at, position.at + headLength));
    cursor.termLength = headLength;
    position.at += headLength;
    const rawLength = readVarint(bytes, position);
    const storedLength = readVarint(bytes, position);
    if (storedLength < rawLength) {
      cursor.bytes = inflateEntries(bytes.subarray(position.at, position.at + storedLength), rawLength);
      cursor.at = 0;
    } else {
      cursor.bytes = bytes;
      cursor.at = position.at;
    }
    return this.#postingsStart + this.#blocks[block * 2 + 1];
  }

  /** The ordinal of `term`, or -1; sets foundDocFreq and foundPointer. */
  find(term: Uint8Array): number {
    if (this.count === 0) return -1;
    const ordinal = this.seek(term, this.#lookup);
    if (ordinal >= this.count) return -1;
    const cursor = this.#lookup;
    return compareBytes(cursor.term, 0, cursor.termLength, term, 0, term.length) === 0 ? ordinal : -1;
  }

  /**
   * Moves `cursor` to the first entry ≥ `target` and returns its ordinal (count when none);
   * sets foundDocFreq and foundPointer of that entry.
   */
  seek(target: Uint8Array, cursor: TermCursor): number {
    if (this.count === 0) return 0;
    const block = this.#blockOf(target);
    let pointer = this.loadBlock(cursor, block);
    const end = Math.min(this.count, (block + 1) * termsPerBlock);
    for (let ordinal = block * termsPerBlock; ordinal < end; ordinal++) {
      cursor.next();
      pointer += cursor.pointerDelta;
      if (compareBytes(cursor.term, 0, cursor.termLength, target, 0, target.length) >= 0) {
        this.foundDocFreq = cursor.docFreq;
        this.foundPointer = pointer;
        return ordinal;
      }
    }
    // Every term of this block is smaller: the answer is the next block's first entry.
    if (end >= this.count) return this.count;
    this.foundPointer = this.loadBlock(cursor, block + 1);
    cursor.next();
    this.foundDocFreq = cursor.docFreq;
    return end;
  }

  /** Moves the lookup cursor to the entry `ordinal` (< count); sets foundDocFreq and foundPointer. */
  entry(ordinal: number): TermCursor {
    const cursor = this.#lookup;
    const block = Math.floor(ordinal / termsPerBlock);
    let pointer = this.loadBlock(cursor, block);
    for (let i = block * termsPerBlock; i <= ordinal; i++) {
      cursor.next();
      pointer += cursor.pointerDelta;
    }
    this.foundDocFreq = cursor.docFreq;
    this.foundPointer = pointer;
    return cursor;
  }

  /** A cursor of its own, for iterations that must not share the lookup cursor. */
  cursor(): TermCursor {
    return new TermCursor(this.bytes, this.#entriesStart);
  }

  /** Moves `cursor`, at entry `ordinal`, to the next entry (loading the next block when needed). */
  advance(cursor: TermCursor, ordinal: number): void {
    if ((ordinal + 1) % termsPerBlock === 0) this.loadBlock(cursor, (ordinal + 1) / termsPerBlock);
    cursor.next();
  }
}

/** Entries smaller than this are stored as they are: DEFLATE gains little on a few short terms. */
const compressBytesMin = 256;
/** Compressed entries are kept only when they save at least this fraction. */
const compressGainMin = 0.2;

/** Writes a dictionary block: its first term, then its entries (from writeTermEntry), deflated when that pays. */
export function writeDictionaryBlock(out: ByteWriter, head: Uint8Array, entries: Uint8Array): void {
  out.varint(head.length);
  out.append(head);
  out.varint(entries.length);
  const compressed = entries.length >= compressBytesMin ? Bun.deflateSync(entries as Uint8Array<ArrayBuffer>, { level: 6 }) : null;
  if (compressed !== null && compressed.length <= entries.length * (1 - compressGainMin)) {
    out.varint(compressed.length);
    out.append(compressed);
  } else {
    out.varint(entries.length);
    out.append(entries);
  }
}

function inflateEntries(stored: Uint8Array, rawLength: number): Uint8Array {
  const entries = Bun.inflateSync(stored as Uint8Array<ArrayBuffer>);
  if (entries.length !== rawLength) throw new Error(`Cannot read a dictionary block: it inflates to ${entries.length} bytes, not ${rawLength}`);
  return entries;
}

/** Whether `bytes[0, length)` starts with `prefix`. */
export function startsWithBytes(bytes: Uint8Array, length: number, prefix: Uint8Array): boolean {
  if (length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}
