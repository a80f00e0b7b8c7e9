// The postings lists of the sealed segment format (sealed-format.ts describes the file), encoded
// and decoded.
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
//     lists, the last partial block) is varints: varint(value), then varint(freq) when freq ≠ 1;
//   in a text field that keeps positions, the positions after the last entry (encodePositions).

import { ByteWriter, readVarint } from "./byte-codec.ts";

/** Documents per postings block; a skip entry marks the start of each block after the first. */
export const postingsBlockDocs = 128;

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
 * `previousDoc`, up to `count`, into `docs` and, unless null (documents only), `freqs`, from
 * index `outAt` on, each document plus `shift`; returns the position after the last entry
 * (where a text field's positions follow).
 */
function decodeInto(bytes: Uint8Array, position: number, first: number, previousDoc: number, count: number, docs: Uint32Array, freqs: Uint32Array | null, outAt = 0, shift = 0): number {
  const cursor = { at: 0 };
  let doc = previousDoc;
  const packedEnd = count > postingsBlockDocs ? count - (count % postingsBlockDocs) : 0;
  for (let start = first; start < packedEnd; start += postingsBlockDocs) {
    position = unpackBlock(bytes, position + 1, bytes[position], unpacked);
    const out = outAt + start - first;
    if (freqs === null) {
      for (let i = 0; i < postingsBlockDocs; i++) docs[out + i] = (doc += unpacked[i] + 1) + shift;
      continue;
    }
    for (let i = 0; i < postingsBlockDocs; i++) {
      const value = unpacked[i];
      docs[out + i] = (doc += Math.floor(value / 2) + 1) + shift;
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
    const out = outAt + i - first;
    if (freqs === null) {
      docs[out] = (doc += value + 1) + shift;
      continue;
    }
    docs[out] = (doc += Math.floor(value / 2) + 1) + shift;
    if (value & 1) freqs[out] = 1;
    else {
      cursor.at = position;
      freqs[out] = readVarint(bytes, cursor);
      position = cursor.at;
    }
  }
  return position;
}

/**
 * Writes where a term occurs, after its postings: for each posting in order, its `freqs[i]`
 * positions (token numbers in the document's field, ascending), the first as it is and each
 * next as the distance from the one before, as varints (mostly one byte each).
 */
export function encodePositions(out: ByteWriter, freqs: ArrayLike<number>, positions: ArrayLike<number>, count: number): void {
  let at = 0;
  for (let i = 0; i < count; i++) {
    let previous = 0;
    for (let end = at + freqs[i]; at < end; at++) {
      const position = positions[at];
      if (!(position >= previous)) throw new Error(`Cannot encode positions: position "${position}" does not follow "${previous}"`);
      out.varint(position - previous);
      previous = position;
    }
  }
}

/** Decodes the postings at `at` of a text field that keeps positions, with the positions that follow them. */
export function decodePositionedPostings(bytes: Uint8Array, at: number, count: number): { docs: Uint32Array; freqs: Uint32Array; positions: Uint32Array } {
  const docs = new Uint32Array(count);
  const freqs = new Uint32Array(count);
  const position = decodePostingsAt(bytes, at, count, docs, freqs, 0, 0);
  const positions = new Uint32Array(sumOf(freqs, 0, count));
  decodePositionsAt(bytes, position, freqs, 0, count, positions, 0);
  return { docs, freqs, positions };
}

/** The sum of `values[from, from + count)`: how many positions postings with these frequencies have. */
export function sumOf(values: ArrayLike<number>, from: number, count: number): number {
  let total = 0;
  for (let i = from; i < from + count; i++) total += values[i];
  return total;
}

/**
 * Decodes the `count` postings at `at` into `docs` and, unless null (documents only), `freqs`
 * from index `outAt` on, each document plus `shift` (a merge places its inputs one after
 * another); returns where the entries end (where a text field's positions follow).
 */
export function decodePostingsAt(bytes: Uint8Array, at: number, count: number, docs: Uint32Array, freqs: Uint32Array | null, outAt: number, shift: number): number {
  return decodeInto(bytes, entriesStart(bytes, at, count), 0, -1, count, docs, freqs, outAt, shift);
}

/**
 * Decodes the positions at `position` of the `count` postings whose frequencies are
 * `freqs[from, from + count)` into `positions` from index `outAt` on.
 */
export function decodePositionsAt(bytes: Uint8Array, position: number, freqs: ArrayLike<number>, from: number, count: number, positions: Uint32Array, outAt: number): void {
  const cursor = { at: 0 };
  let next = outAt;
  for (let i = from; i < from + count; i++) {
    let previous = 0;
    for (let end = next + freqs[i]; next < end; next++) {
      let value = bytes[position];
      if (value < 0x80) position++;
      else {
        cursor.at = position;
        value = readVarint(bytes, cursor);
        position = cursor.at;
      }
      positions[next] = previous += value;
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
  decodePostingsAt(bytes, at, count, docs, freqs, 0, 0);
  return { docs, freqs };
}

/** Decodes the documents-only postings at `at` into a fresh typed array. */
export function decodeDocs(bytes: Uint8Array, at: number, count: number): Uint32Array {
  const docs = new Uint32Array(count);
  decodePostingsAt(bytes, at, count, docs, null, 0, 0);
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
