// The in-memory PartitionLog for tests: the same contract as FileLog, nothing on disk,
// every append durable at once (the high watermark is the log end).

import { assignOffsets } from "./assign-offsets.ts";
import { OffsetOutOfRangeError } from "./partition-log.ts";
import type { AppendOptions, AppendResult, PartitionLog, ReadResult, TimestampAndOffset } from "./partition-log.ts";
import { firstRecordAtOrAfter } from "./record-timestamps.ts";

interface StoredBatch {
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  bytes: Uint8Array;
}

export interface MemoryLogOptions {
  /** Bytes of batches held before appends are refused. Default 256 MiB. */
  bytesMax?: number;
  /** Offset of the first record, as if earlier records had been deleted. Default 0. */
  logStartOffset?: number;
}

export class MemoryLog implements PartitionLog {
  #batches: StoredBatch[] = [];
  #bytes = 0;
  #bytesMax: number;
  #logStartOffset: number;
  #logEndOffset: number;
  #closed = false;

  constructor(options: MemoryLogOptions = {}) {
    this.#bytesMax = options.bytesMax ?? 256 * 1024 * 1024;
    this.#logStartOffset = options.logStartOffset ?? 0;
    this.#logEndOffset = this.#logStartOffset;
  }

  /** Bytes of the batches held. */
  get sizeBytes(): number {
    return this.#bytes;
  }

  get logStartOffset(): number {
    return this.#logStartOffset;
  }

  get logEndOffset(): number {
    return this.#logEndOffset;
  }

  get highWatermark(): number {
    return this.#logEndOffset;
  }

  async append(batches: Uint8Array, options: AppendOptions = {}): Promise<AppendResult> {
    this.#checkOpen();
    if (this.#bytes + batches.length > this.#bytesMax) {
      throw new Error(`Cannot append ${batches.length} bytes: the memory log holds its limit of ${this.#bytesMax} bytes`);
    }
    const baseOffset = this.#logEndOffset;
    const infos = assignOffsets(batches, baseOffset, options.logAppendTime);
    for (const info of infos) {
      const bytes = batches.slice(info.position, info.position + info.size);
      this.#batches.push({ baseOffset: info.baseOffset, lastOffset: info.lastOffset, maxTimestamp: info.maxTimestamp, bytes });
    }
    this.#bytes += batches.length;
    const lastOffset = infos.at(-1)!.lastOffset;
    this.#logEndOffset = lastOffset + 1;
    return { baseOffset, lastOffset, logAppendTime: options.logAppendTime ?? -1, logStartOffset: this.#logStartOffset };
  }

  async read(offset: number, maxBytes: number, upTo = Number.MAX_SAFE_INTEGER): Promise<ReadResult> {
    this.#checkOpen();
    this.#checkInRange(offset);
    const chosen: Uint8Array[] = [];
    let size = 0;
    for (let n = this.#firstBatchEndingAtOrAfter(offset); n < this.#batches.length; n++) {
      if (this.#batches[n].baseOffset >= upTo) break;
      const bytes = this.#batches[n].bytes;
      if (chosen.length > 0 && size + bytes.length > maxBytes) break;
      chosen.push(bytes);
      size += bytes.length;
    }
    const joined = new Uint8Array(size);
    let at = 0;
    for (const bytes of chosen) {
      joined.set(bytes, at);
      at += bytes.length;
    }
    return { bytes: joined, highWatermark: this.highWatermark, logStartOffset: this.#logStartOffset };
  }

  async offsetForTimestamp(timestamp: number): Promise<TimestampAndOffset | null> {
    this.#checkOpen();
    for (const batch of this.#batches) {
      const found = firstRecordAtOrAfter(batch.bytes, timestamp, this.#logStartOffset);
      if (found) return found;
    }
    return null;
  }

  maxTimestamp(): TimestampAndOffset | null {
    this.#checkOpen();
    let best: StoredBatch | null = null;
    for (const batch of this.#batches) if (best === null || batch.maxTimestamp > best.maxTimestamp) best = batch;
    return best && firstRecordAtOrAfter(best.bytes, best.maxTimestamp, 0);
  }

  async truncateTo(offset: number): Promise<void> {
    this.#checkOpen();
    if (offset >= this.#logEndOffset) return;
    this.#checkInRange(offset);
    const keep = this.#firstBatchEndingAtOrAfter(offset);
    const removed = this.#batches.splice(keep);
    for (const batch of removed) this.#bytes -= batch.bytes.length;
    this.#logEndOffset = Math.max(removed[0]?.baseOffset ?? offset, this.#logStartOffset);
  }

  async advanceLogStartOffset(offset: number): Promise<void> {
    this.#checkOpen();
    if (offset <= this.#logStartOffset) return;
    if (offset > this.highWatermark) throw new OffsetOutOfRangeError(offset, this.#logStartOffset, this.highWatermark);
    this.#logStartOffset = offset;
    const drop = this.#firstBatchEndingAtOrAfter(offset);
    for (const batch of this.#batches.splice(0, drop)) this.#bytes -= batch.bytes.length;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  /** Index of the first batch whose last offset is >= `offset` (the length when none). */
  #firstBatchEndingAtOrAfter(offset: number): number {
    let low = 0;
    let high = this.#batches.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#batches[middle].lastOffset < offset) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error("Memory log is closed");
  }

  #checkInRange(offset: number): void {
    if (offset < this.#logStartOffset || offset > this.#logEndOffset) {
      throw new OffsetOutOfRangeError(offset, this.#logStartOffset, this.#logEndOffset);
    }
  }
}
