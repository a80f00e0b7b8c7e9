// Walks the headers of a log's stored batches through the PartitionLog contract, so it works on
// any log. Producer state is rebuilt from them at open: a header carries everything it needs.

import { batchHeaderSize, batchLogOverhead, readBatchHeader } from "../records/batch-header.ts";
import type { BatchHeader } from "../records/batch-header.ts";
import type { PartitionLog } from "./partition-log.ts";

/** Bytes asked for per read while walking. */
const walkReadBytes = 1024 * 1024;

/**
 * Calls `visit` with the header of every readable batch (below the high watermark) whose last
 * offset is at or after `fromOffset`, in offset order, and the batch's bytes (valid during the call).
 */
export async function forEachBatchHeader(log: PartitionLog, fromOffset: number, visit: (header: BatchHeader, bytes: Uint8Array) => void): Promise<void> {
  let offset = Math.max(fromOffset, log.logStartOffset);
  while (offset < log.highWatermark) {
    const { bytes } = await log.read(offset, walkReadBytes);
    let next = offset;
    for (let position = 0; position + batchHeaderSize <= bytes.length; ) {
      const header = readBatchHeader(bytes, position);
      const size = header.batchLength + batchLogOverhead;
      if (position + size > bytes.length) break;
      const lastOffset = header.baseOffset + header.lastOffsetDelta;
      if (lastOffset >= offset) visit(header, bytes.subarray(position, position + size));
      next = Math.max(next, lastOffset + 1);
      position += size;
    }
    // A read returns at least one whole batch; no progress means nothing more is readable.
    if (next === offset) return;
    offset = next;
  }
}
