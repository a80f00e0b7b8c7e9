// A sealed segment read in place: the file (sealed-format.ts describes the format) is mapped
// read-only with Bun.mmap, and every answer is read from the mapped bytes: columns through typed
// arrays over the mapping, postings decoded per call (sealed-fields.ts). The heap holds only the
// metadata, one small object per field used, and a few decoded record batches. Opening reads the
// footer and metadata, never the whole file, so the first query after a restart is quick;
// verifySealedSegment checks the whole body's CRC (before merges, in tests).
//
// Records are not in the file: the log is the document store, so record() reads the batch that
// holds the document's offset from the log segment (log-records.ts).

import fs from "node:fs";
import path from "node:path";
import { crc32c } from "../records/crc32c.ts";
import { segmentFileName } from "../storage/segment.ts";
import { recordToDocument } from "./document.ts";
import { LogRecordReader } from "./log-records.ts";
import { SealedKeywordField, SealedNumberField, SealedTextField } from "./sealed-fields.ts";
import {
  CorruptIndexFileError,
  DocFlag,
  float64View,
  readSealedFooter,
  type SealedMeta,
  timestampBlockDocs,
  uintView,
  unknownPosition,
} from "./sealed-format.ts";
import type { KeywordField, NumberField, SearchSegment, StoredRecord, TextField } from "./search-segment.ts";

// Defined with the footer checks that throw it; the modules that open sealed segments catch it from here.
export { CorruptIndexFileError } from "./sealed-format.ts";

/** Rough heap cost of one field's reader objects (typed array views, dictionary, closures). */
const fieldHeapBytes = 512;

export class SealedSegment implements SearchSegment {
  readonly topic: string;
  readonly partition: number;
  readonly baseOffset: number;
  readonly endOffset: number;
  readonly docCount: number;
  readonly logSegmentBase: number;
  readonly file: string;
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
  readonly #records: LogRecordReader;
  readonly #bytes: Uint8Array;

  constructor(file: string, bytes: Uint8Array, meta: SealedMeta, metaBytes: number) {
    this.file = file;
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
    this.#records = new LogRecordReader({
      logFile: path.join(path.dirname(file), segmentFileName(meta.logSegmentBase, ".log")),
      topic: meta.topic,
      partition: meta.partition,
      baseOffset: meta.baseOffset,
      batchTable: this.#batchTable,
    });
  }

  get heapBytes(): number {
    const fieldsUsed = this.#texts.size + this.#keywords.size + this.#numbers.size;
    return 2 * this.#metaBytes + fieldHeapBytes * (fieldsUsed + 4);
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
    const record = this.#records.record(this.offset(doc));
    const document = recordToDocument(record, { binaryValues: 0 });
    return { key: document.key, value: document.value, headers: document.headers, valueIsBinary: document.valueIsBinary, fields: document.fields };
  }
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
  // Bun.mmap cannot map an empty file; readSealedFooter reports it (read is never called for 0 bytes).
  const bytes = size === 0 ? new Uint8Array(0) : Bun.mmap(file, { shared: false });
  const { meta } = readSealedFooter(file, bytes.length, (position, length) => bytes.subarray(position, position + length));
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
    const { metaStart, bodyCrc } = readSealedFooter(file, size, read);
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
