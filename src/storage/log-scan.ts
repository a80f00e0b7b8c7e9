// Walks the batches of a .log file from a position, verifying each one as it goes. Recovery
// and index rebuilds use it; the first batch that fails a check ends the walk and the
// caller decides what to do with the tail (recovery truncates it).

import fs from "node:fs";
import { batchCrcIsValid, batchHeaderSize, batchLogOverhead, readBatchHeader } from "../records/batch-header.ts";

/**
 * Largest batch storage accepts or believes, header included: above the broker's 100 MiB
 * socket.request.max.bytes default, so any batch a request can carry fits.
 */
export const batchBytesMax = 128 * 1024 * 1024;

/** Bytes read per disk read while scanning; larger batches are read whole. */
const scanChunkBytes = 1024 * 1024;

/** What storage keeps about each batch: enough to index it without reading it again. */
export interface BatchInfo {
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  /** Byte position in the segment file. */
  position: number;
  size: number;
}

export interface ScanResult {
  /** Position just after the last good batch. */
  end: number;
  /** Offset after the last good batch (the `expectedOffset` given when none was good). */
  nextOffset: number;
  /** Why the scan stopped before `size`, or null when every byte was a good batch. */
  problem: string | null;
}

/**
 * Header checks that need no more than the 61 header bytes; null when sane. The base offset
 * must be `expectedOffset`, or may be later when `expectedOffset` is below `gapsBelow` (a
 * compacted part of the log, where removed records left gaps).
 */
export function batchHeaderProblem(bytes: Uint8Array, at: number, expectedOffset: number, gapsBelow = 0): string | null {
  const header = readBatchHeader(bytes, at);
  if (header.magic !== 2) return `magic "${header.magic}" is not 2`;
  const size = header.batchLength + batchLogOverhead;
  if (size < batchHeaderSize || size > batchBytesMax) return `batch length "${header.batchLength}" is out of bounds`;
  if (header.lastOffsetDelta < 0 || header.recordCount < 0) return `lastOffsetDelta "${header.lastOffsetDelta}" is negative`;
  if (header.baseOffset !== expectedOffset && !(header.baseOffset > expectedOffset && expectedOffset < gapsBelow)) {
    return `base offset "${header.baseOffset}" does not continue from ${expectedOffset}`;
  }
  return null;
}

/**
 * Reads batches in [position, size) of `fd`, checking each: header sane, whole batch inside
 * the file, CRC32C valid, base offset continuing from the previous batch (starting at
 * `expectedOffset`). Calls `visit` for every good batch with a view of its bytes that is valid
 * only during the call.
 */
export function scanLog(
  fd: number,
  range: { position: number; size: number; expectedOffset: number; gapsBelow?: number },
  visit: (batch: BatchInfo, bytes: Uint8Array) => void,
): ScanResult {
  const reader = new ChunkReader(fd, range.size);
  let position = range.position;
  let nextOffset = range.expectedOffset;
  const stop = (problem: string): ScanResult => ({ end: position, nextOffset, problem });
  while (position < range.size) {
    if (range.size - position < batchHeaderSize) return stop(`torn batch header (${range.size - position} bytes)`);
    const head = reader.view(position, batchHeaderSize);
    const problem = batchHeaderProblem(head.bytes, head.at, nextOffset, range.gapsBelow);
    if (problem) return stop(problem);
    const header = readBatchHeader(head.bytes, head.at);
    const size = header.batchLength + batchLogOverhead;
    if (position + size > range.size) return stop(`torn batch (${size} bytes, ${range.size - position} left in the file)`);
    const whole = reader.view(position, size);
    if (!batchCrcIsValid(whole.bytes, whole.at, size)) return stop("CRC mismatch");
    const lastOffset = header.baseOffset + header.lastOffsetDelta;
    const info = { baseOffset: header.baseOffset, lastOffset, maxTimestamp: header.maxTimestamp, position, size };
    visit(info, whole.bytes.subarray(whole.at, whole.at + size));
    position += size;
    nextOffset = lastOffset + 1;
  }
  return { end: position, nextOffset, problem: null };
}

/** Serves byte ranges of a file from a read-ahead buffer, so small batches cost no syscall each. */
class ChunkReader {
  #fd: number;
  #size: number;
  #buffer = new Uint8Array(scanChunkBytes);
  #start = 0;
  #end = 0;

  constructor(fd: number, size: number) {
    this.#fd = fd;
    this.#size = size;
  }

  view(position: number, length: number): { bytes: Uint8Array; at: number } {
    if (position < this.#start || position + length > this.#end) this.#fill(position, length);
    return { bytes: this.#buffer, at: position - this.#start };
  }

  #fill(position: number, length: number): void {
    const want = Math.min(Math.max(length, scanChunkBytes), this.#size - position);
    if (want > this.#buffer.length) this.#buffer = new Uint8Array(want);
    readFully(this.#fd, this.#buffer, want, position);
    this.#start = position;
    this.#end = position + want;
  }
}

/** readSync until `length` bytes are in `buffer`; the file must hold them. */
export function readFully(fd: number, buffer: Uint8Array, length: number, position: number): void {
  let done = 0;
  while (done < length) {
    const read = fs.readSync(fd, buffer, done, length - done, position + done);
    if (read === 0) throw new Error(`Unexpected end of file at position ${position + done}: wanted ${length} bytes`);
    done += read;
  }
}
