// Reads a partition's record batches straight from its segment files, for the search worker,
// which runs on its own thread and cannot call the broker's FileLog. The broker tells the
// worker how far the log is readable (high watermark, log start); below that the bytes are
// written and never change, except when retention deletes a whole segment or compaction
// replaces one, which a read notices (a missing file, a batch that is not where it was). Each
// read says which file its bytes came from (segment-source.ts), so the indexer can tell when
// compaction replaced a segment it indexed.

import fs from "node:fs";
import { AbortedBatches } from "./aborted-batches.ts";
import path from "node:path";
import { batchHeaderSize, batchLogOverhead, readBatchHeader } from "../records/batch-header.ts";
import { OffsetOutOfRangeError } from "../storage/partition-log.ts";
import { listSegmentBaseOffsets, segmentFileName } from "../storage/segment.ts";
import { fileIdentity, type SegmentSource } from "./segment-source.ts";

/** What the indexer reads from a log: the FileLog in the broker, this reader in the worker. */
export interface IndexedLog {
  readonly logStartOffset: number;
  /** Where indexing stops: the last stable offset, so records of open transactions wait for their end. */
  readonly highWatermark: number;
  /** The partition's aborted transactions, whose records are not indexed (absent: none known). */
  readonly aborted?: AbortedBatches;
  /** Counts sealed segments replaced by compaction; a change tells the indexer to check its chunks. Absent: never compacted. */
  readonly segmentsRewritten?: number;
  /**
   * Whole batches from the one holding `offset`, up to `maxBytes` but at least one batch, never
   * past the high watermark; `source` is the segment file they came from, when the log knows.
   */
  read(offset: number, maxBytes: number): Promise<{ bytes: Uint8Array; source?: SegmentSource; position?: number }>;
}

/** Where a read left off, so the next sequential read does not scan the segment from its start. */
interface Cursor {
  segmentBase: number;
  position: number;
}

/** Read positions remembered (following and rebuilding read sequentially, each with its own). */
const cursorsMax = 8;

export class SegmentFileReader implements IndexedLog {
  readonly dir: string;
  logStartOffset = 0;
  highWatermark = 0;
  segmentsRewritten = 0;
  readonly aborted = new AbortedBatches();
  #cursors = new Map<number, Cursor>();

  constructor(dir: string) {
    this.dir = dir;
  }

  async read(offset: number, maxBytes: number): Promise<{ bytes: Uint8Array; source?: SegmentSource; position?: number }> {
    if (offset < this.logStartOffset || offset > this.highWatermark) throw new OffsetOutOfRangeError(offset, this.logStartOffset, this.highWatermark);
    const bases = listSegmentBaseOffsets(this.dir);
    let index = bases.findLastIndex((base) => base <= offset);
    if (index < 0) throw new OffsetOutOfRangeError(offset, this.logStartOffset, this.highWatermark);
    // The offset may lie past the end of its segment's batches (a rolled segment): try the next.
    for (; index < bases.length; index++) {
      const read = this.#readSegment(bases[index], offset, maxBytes);
      if (read === null) continue;
      return read;
    }
    return { bytes: new Uint8Array(0) };
  }

  /** Batches of segment `base` from the one holding `offset`; null when the segment holds nothing at or after it. */
  #readSegment(base: number, offset: number, maxBytes: number): { bytes: Uint8Array; source: SegmentSource; position?: number } | null {
    let fd: number;
    try {
      fd = fs.openSync(path.join(this.dir, segmentFileName(base, ".log")), "r");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
    try {
      // The identity of the open file: the one the bytes come from, even if compaction renames another over it meanwhile.
      const stats = fs.fstatSync(fd, { bigint: true });
      const source = { baseOffset: base, identity: fileIdentity(stats) };
      const size = Number(stats.size);
      let position = this.#startPosition(fd, base, offset, size);
      const header = new Uint8Array(batchHeaderSize);
      let first = -1;
      let end = -1;
      while (position + batchHeaderSize <= size) {
        fs.readSync(fd, header, 0, batchHeaderSize, position);
        const batch = readBatchHeader(header, 0);
        const batchSize = batch.batchLength + batchLogOverhead;
        const lastOffset = batch.baseOffset + batch.lastOffsetDelta;
        if (lastOffset >= this.highWatermark || position + batchSize > size) break;
        if (lastOffset >= offset) {
          if (first < 0) first = position;
          else if (position + batchSize - first > maxBytes) break;
          end = position + batchSize;
        }
        position += batchSize;
        if (lastOffset >= offset && end - first >= maxBytes) break;
      }
      // Nothing readable here: a sealed segment sends the read on to the next one.
      if (first < 0) return this.#segmentIsSealed(base) ? null : { bytes: new Uint8Array(0), source };
      const bytes = new Uint8Array(end - first);
      fs.readSync(fd, bytes, 0, bytes.length, first);
      this.#remember(bytes, base, first);
      return { bytes, source, position: first };
    } finally {
      fs.closeSync(fd);
    }
  }

  #segmentIsSealed(base: number): boolean {
    return listSegmentBaseOffsets(this.dir).some((other) => other > base);
  }

  /** The remembered position of `offset` when its batch is still there, else the segment start. */
  #startPosition(fd: number, base: number, offset: number, size: number): number {
    const cursor = this.#cursors.get(offset);
    if (!cursor || cursor.segmentBase !== base || cursor.position + batchHeaderSize > size) return 0;
    const header = new Uint8Array(batchHeaderSize);
    fs.readSync(fd, header, 0, batchHeaderSize, cursor.position);
    return readBatchHeader(header, 0).baseOffset === offset ? cursor.position : 0;
  }

  /** Remembers where the batch after `bytes` starts. */
  #remember(bytes: Uint8Array, base: number, position: number): void {
    let at = 0;
    let nextOffset = -1;
    while (at < bytes.length) {
      const batch = readBatchHeader(bytes, at);
      nextOffset = batch.baseOffset + batch.lastOffsetDelta + 1;
      at += batch.batchLength + batchLogOverhead;
    }
    if (this.#cursors.size >= cursorsMax) this.#cursors.delete(this.#cursors.keys().next().value!);
    this.#cursors.set(nextOffset, { segmentBase: base, position: position + bytes.length });
  }
}
