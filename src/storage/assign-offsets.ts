// Offset assignment for an append: the one place that turns "batches of a produce" into
// "batches with offsets", shared by FileLog and MemoryLog so both behave alike.

import { batchHeaderSize, batchLogOverhead, batchSizeAt, patchBaseOffset, readBatchHeader, stampLogAppendTime } from "../records/batch-header.ts";
import { batchBytesMax } from "./log-scan.ts";
import type { BatchInfo } from "./log-scan.ts";

/**
 * Walks the concatenated batches of one append, assigning offsets from `baseOffset` by
 * patching each baseOffset in place and stamping LogAppendTime when asked. The produce
 * handler validated the batches (CRC included); this only checks they tile the buffer.
 */
export function assignOffsets(batches: Uint8Array, baseOffset: number, logAppendTime: number | undefined): BatchInfo[] {
  if (batches.length === 0) throw new Error("Cannot append an empty set of batches");
  const infos: BatchInfo[] = [];
  let position = 0;
  let offset = baseOffset;
  while (position < batches.length) {
    if (batches.length - position < batchLogOverhead) throw new Error(`Cannot append: torn batch at position ${position}`);
    const size = batchSizeAt(batches, position);
    if (size < batchHeaderSize || size > batchBytesMax || position + size > batches.length) {
      throw new Error(`Cannot append: batch at position ${position} claims ${size} bytes`);
    }
    patchBaseOffset(batches, position, offset);
    if (logAppendTime !== undefined) stampLogAppendTime(batches, position, size, logAppendTime);
    const header = readBatchHeader(batches, position);
    const lastOffset = offset + header.lastOffsetDelta;
    infos.push({ baseOffset: offset, lastOffset, maxTimestamp: header.maxTimestamp, position, size });
    offset = lastOffset + 1;
    position += size;
  }
  return infos;
}
