// The term dictionary of the sealed segment format (sealed-format.ts describes the file): sorted
// terms front-coded in blocks, and SortedDictionary, which looks terms up in place.
//
// Term entry: shared prefix length with the previous term: varint, suffix length: varint, suffix
//   bytes, docFreq: varint, postings pointer − the previous entry's pointer: varint.
// Dictionary block (termsPerBlock entries; the block index points at each):
//   the block's first term, whole: length: varint, bytes (binary searches compare these in place);
//   raw length of the entries: varint, stored length: varint (smaller = DEFLATE-compressed);
//   the entries, the first sharing the whole first term (it costs no suffix).
// Dictionaries of long values (log messages as keywords) compress 2-3× with DEFLATE; a lookup
// inflates one block (about 10 µs for 32 messages).

import { type ByteWriter, compareBytes, readVarint } from "./byte-codec.ts";

/** Dictionary entries per front-coded block; a block's first entry stores its whole term. */
export const termsPerBlock = 32;

/** Writes one dictionary entry of `term[0, termLength)` after `previous[0, previousLength)` (the block's head for its first entry). */
export function writeTermEntry(out: ByteWriter, previous: Uint8Array, previousLength: number, term: Uint8Array, termLength: number, docFreq: number, pointerDelta: number): void {
  const limit = Math.min(previousLength, termLength);
  let shared = 0;
  while (shared < limit && previous[shared] === term[shared]) shared++;
  out.varint(shared);
  out.varint(termLength - shared);
  out.append(term, shared, termLength);
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
    // Suffixes are short: a loop beats making a view per entry to copy from.
    const term = this.term;
    const bytes = this.bytes;
    for (let i = 0, from = cursor.at; i < suffix; i++) term[shared + i] = bytes[from + i];
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
  const compressed = entries.length >= compressBytesMin ? Bun.deflateSync(entries as Uint8Array<ArrayBuffer>, { level: 3 }) : null;
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
