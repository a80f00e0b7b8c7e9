// Reads a segment's .log file batch by batch for `chronik inspect`, read-only (safe on a live
// broker's folder: the file is opened O_RDONLY and only whole batches below its size at open
// are read). Every batch is reported, valid or not; a batch whose CRC fails is still stepped
// over by its length, while a header that cannot be a batch ends the walk, and the bytes from
// there on are reported as trailing invalid bytes. The .index and .timeindex files are checked
// against the batches found: an entry must point at a batch start with the offset it claims.

import fs from "node:fs";
import { Attributes, batchCrcIsValid, batchHeaderSize, batchLogOverhead, type BatchHeader, readBatchHeader } from "../records/batch-header.ts";
import { compressionCodecName, isCompressionCodec } from "../records/compression/index.ts";
import { decodeRecordBatches, type DecodedRecord } from "../records/decode-batches.ts";
import { batchBytesMax, readFully } from "../storage/log-scan.ts";

export interface BatchDump {
  position: number;
  size: number;
  header: BatchHeader;
  crcValid: boolean;
  /** Decoded records (only when asked for and the batch is valid). */
  records: DecodedRecord[] | null;
  /** Why the records could not be decoded, if they could not. */
  recordsProblem: string | null;
}

export interface SegmentProblem {
  kind: "crc" | "offset-gap" | "trailing-bytes" | "index" | "timeindex" | "records" | "sequence";
  message: string;
}

/** A segment's base offset from its file name (00000000000000000042.log → 42), or null. */
export function segmentBaseOffset(file: string): number | null {
  const match = /(\d{20})\.(log|index|timeindex)$/.exec(file);
  return match ? Number(match[1]) : null;
}

export function codecName(attributes: number): string {
  const codec = attributes & Attributes.compressionMask;
  return isCompressionCodec(codec) ? compressionCodecName(codec) : `unknown(${codec})`;
}

/** Why the 61 bytes at the start of a batch cannot be one, or null. */
function headerProblem(header: BatchHeader, remaining: number): string | null {
  if (header.magic !== 2) return `magic "${header.magic}" is not 2`;
  const size = header.batchLength + batchLogOverhead;
  if (size < batchHeaderSize || size > batchBytesMax) return `batch length "${header.batchLength}" is out of bounds`;
  if (size > remaining) return `a batch of ${size} bytes runs past the end of the file (${remaining} bytes left)`;
  if (header.lastOffsetDelta < 0 || header.recordCount < 0) return `lastOffsetDelta "${header.lastOffsetDelta}" or record count is negative`;
  return null;
}

/** Walks every batch of a .log file; `visit` sees each, then the problems found are returned. */
export function walkSegment(
  file: string,
  options: { decodeRecords: boolean },
  visit: (batch: BatchDump) => void,
): { problems: SegmentProblem[]; batchStarts: Map<number, BatchHeader> } {
  const fd = fs.openSync(file, "r");
  const problems: SegmentProblem[] = [];
  const batchStarts = new Map<number, BatchHeader>();
  try {
    const size = fs.fstatSync(fd).size;
    const head = new Uint8Array(batchHeaderSize);
    let position = 0;
    let expectedOffset = segmentBaseOffset(file);
    while (position < size) {
      if (size - position < batchHeaderSize) {
        problems.push({ kind: "trailing-bytes", message: `${size - position} trailing bytes at position ${position} are too few for a batch header` });
        break;
      }
      readFully(fd, head, batchHeaderSize, position);
      const header = readBatchHeader(head);
      const problem = headerProblem(header, size - position);
      if (problem) {
        problems.push({ kind: "trailing-bytes", message: `${size - position} trailing bytes at position ${position} are not a batch: ${problem}` });
        break;
      }
      const batchSize = header.batchLength + batchLogOverhead;
      const bytes = new Uint8Array(batchSize);
      readFully(fd, bytes, batchSize, position);
      const crcValid = batchCrcIsValid(bytes, 0, batchSize);
      if (!crcValid) problems.push({ kind: "crc", message: `batch at position ${position} (offset ${header.baseOffset}) fails its CRC check` });
      if (expectedOffset !== null && header.baseOffset !== expectedOffset) {
        problems.push({ kind: "offset-gap", message: `batch at position ${position} starts at offset ${header.baseOffset}, expected ${expectedOffset}` });
      }
      let records: DecodedRecord[] | null = null;
      let recordsProblem: string | null = null;
      if (options.decodeRecords && crcValid) {
        try {
          records = decodeRecordBatches(bytes)[0]?.records ?? [];
        } catch (error) {
          recordsProblem = (error as Error).message;
          problems.push({ kind: "records", message: `batch at position ${position}: ${recordsProblem}` });
        }
      }
      batchStarts.set(position, header);
      visit({ position, size: batchSize, header, crcValid, records, recordsProblem });
      expectedOffset = header.baseOffset + header.lastOffsetDelta + 1;
      position += batchSize;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { problems, batchStarts };
}

function readEntries(file: string, entryBytes: number): { view: DataView; count: number } | null {
  if (!fs.existsSync(file)) return null;
  const bytes = fs.readFileSync(file);
  return { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), count: Math.floor(bytes.length / entryBytes) };
}

/** Checks the .index beside a .log: each entry (relative offset, position) must name a batch start and its base offset. */
export function verifyOffsetIndex(indexFile: string, baseOffset: number, batchStarts: Map<number, BatchHeader>): SegmentProblem[] {
  const entries = readEntries(indexFile, 8);
  if (entries === null) return [];
  const problems: SegmentProblem[] = [];
  if (entries.view.byteLength % 8 !== 0) problems.push({ kind: "index", message: `"${indexFile}" has ${entries.view.byteLength} bytes, not whole 8-byte entries` });
  for (let n = 0; n < entries.count; n++) {
    const offset = baseOffset + entries.view.getInt32(n * 8);
    const position = entries.view.getInt32(n * 8 + 4);
    const batch = batchStarts.get(position);
    if (batch === undefined) problems.push({ kind: "index", message: `index entry ${n} (offset ${offset}) points to position ${position}, where no batch starts` });
    else if (batch.baseOffset !== offset) problems.push({ kind: "index", message: `index entry ${n} says offset ${offset} is at position ${position}, but the batch there starts at offset ${batch.baseOffset}` });
  }
  return problems;
}

/** Checks the .timeindex: offsets must be batch starts and timestamps must not go down. */
export function verifyTimeIndex(timeIndexFile: string, baseOffset: number, batchStarts: Map<number, BatchHeader>): SegmentProblem[] {
  const entries = readEntries(timeIndexFile, 12);
  if (entries === null) return [];
  const problems: SegmentProblem[] = [];
  const starts = new Set([...batchStarts.values()].map((header) => header.baseOffset));
  let previous = -Infinity;
  for (let n = 0; n < entries.count; n++) {
    const high = entries.view.getInt32(n * 12);
    const timestamp = high * 0x1_0000_0000 + entries.view.getUint32(n * 12 + 4);
    const offset = baseOffset + entries.view.getInt32(n * 12 + 8);
    if (!starts.has(offset)) problems.push({ kind: "timeindex", message: `time index entry ${n} (timestamp ${timestamp}) names offset ${offset}, where no batch starts` });
    if (timestamp < previous) problems.push({ kind: "timeindex", message: `time index entry ${n} goes back in time (${timestamp} after ${previous})` });
    previous = Math.max(previous, timestamp);
  }
  return problems;
}
