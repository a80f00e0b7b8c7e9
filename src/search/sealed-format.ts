// The sealed segment file format: its constants, its metadata, the layout of its sections and the
// footer, with the checks a reader makes before trusting a file. sealed-segment-writer.ts writes
// such a file, sealed-segment.ts reads it in place.
//
// Format, version 3 (little-endian; every section starts at a multiple of 8 so typed arrays can
// view the mapped file in place; positions in the metadata are from the start of the file):
//   magic: "CHRSEG", version (3), 0                                    8 bytes
//   offsets: Uint32 per document, offset − baseOffset (absent when that is the document number)
//   timestamps: per block of 128 documents a Float64 base, then Uint16 per document, timestamp −
//           its block's base; or Uint32 per document, timestamp − timestampsMin; or Float64
//   flags: a byte per document: hasKey 1, hasValue 2, valueIsBinary 4
//   batches: Uint32 pairs (baseOffset − segment baseOffset, position; 0xFFFFFFFF when unknown)
//   per field, in UTF-8 order of names:
//     text: norms (Uint8/16/32 length in tokens per document, 0 = no such field; absent when every
//           document has the same length), postings with
//           frequencies (and positions, unless no document has more than one token), dictionary (front-coded blocks of 32 terms, DEFLATE-compressed when that
//           pays), block index (Float64 pairs)
//     keyword: postings (documents only), dictionary, block index, then ordinals: single-valued
//           Uint8/16/32 per document (the width's maximum = missing); multi-valued Uint32 starts
//           (docCount + 1) and Uint8/16/32 ordinals
//     number: integers whose range fits: Uint8/16/32 deltas from min (maximum = missing); else
//           Float64 per document (NaN = missing); multi-valued: Uint32 starts + Float64 values
//   metadata: JSON (SealedMeta)
//   trailer: metadata length, metadata CRC32C, body CRC32C (magic..metadata), 0: 4 × Uint32
//   magic again                                                         8 bytes
// Postings are encoded as postings-codec.ts describes, dictionaries as dictionary-codec.ts does.

import { crc32c } from "../records/crc32c.ts";
import { termsPerBlock } from "./dictionary-codec.ts";
import { compareUtf8 } from "./search-segment.ts";

export const sealedFormatVersion = 3;
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
  /**
   * Whether each term's positions follow its postings: when some document has more than one
   * token, except in the hidden field of a JSON value's scalars, which phrases never search.
   */
  positions: boolean;
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

/**
 * Reads and checks the footer and metadata of a file of `size` bytes through `read`; throws
 * CorruptIndexFileError naming `file` and what is wrong.
 */
export function readSealedFooter(file: string, size: number, read: (position: number, length: number) => Uint8Array): { meta: SealedMeta; metaStart: number; bodyCrc: number } {
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

/** The footer after a body whose CRC32C is `bodyCrc`: the metadata, the trailer and the closing magic. */
export function sealedFooter(meta: SealedMeta, bodyCrc: number): Uint8Array {
  const metaBytes = new TextEncoder().encode(JSON.stringify(meta));
  const footer = new Uint8Array(metaBytes.length + trailerBytes);
  footer.set(metaBytes);
  const trailer = new DataView(footer.buffer, metaBytes.length, trailerBytes);
  trailer.setUint32(0, metaBytes.length, true);
  trailer.setUint32(4, crc32c(metaBytes), true);
  trailer.setUint32(8, bodyCrc, true);
  footer.set(sealedMagic, footer.length - sealedMagic.length);
  return footer;
}

/** Field names in the order the format keeps them. */
export function sortFieldNames(names: Iterable<string>): string[] {
  return [...new Set(names)].sort(compareUtf8);
}

/** A typed array of `width` bytes per value over `bytes[at, …)`; `at` is 8-byte aligned by the format. */
export function uintView(bytes: Uint8Array, at: number, width: number, count: number): Uint8Array | Uint16Array | Uint32Array {
  if (width === 1) return bytes.subarray(at, at + count);
  if (width === 2) return new Uint16Array(bytes.buffer, bytes.byteOffset + at, count);
  return new Uint32Array(bytes.buffer, bytes.byteOffset + at, count);
}

/** A Float64Array over `bytes[at, …)`; `at` is 8-byte aligned by the format. */
export function float64View(bytes: Uint8Array, at: number, count: number): Float64Array {
  return new Float64Array(bytes.buffer, bytes.byteOffset + at, count);
}

/** The value that marks a missing document in a column of `width` bytes per value: the width's maximum. */
export function missingValue(width: number): number {
  return 2 ** (8 * width) - 1;
}
