// Adding what the log holds to live segments: a batch at a time as the indexer follows the log,
// or a whole range of offsets at once when a stale or damaged chunk is rebuilt from the log.

import { Attributes, batchLogOverhead } from "../records/batch-header.ts";
import type { AbortedBatches } from "./aborted-batches.ts";
import { type DecodedBatch, decodeRecordBatches } from "../records/decode-batches.ts";
import { OffsetOutOfRangeError } from "../storage/partition-log.ts";
import { type DocumentCounters, recordToDocument } from "./document.ts";
import { LiveSegment } from "./live-segment.ts";
import type { IndexedLog } from "./segment-file-reader.ts";

/** Bytes read from the log per step. */
export const indexReadBytesMax = 1024 * 1024;

export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Where each batch starts in its segment's file, given where the first does (-1: unknown). */
export function batchPositions(batches: readonly DecodedBatch[], firstPosition: number | undefined): number[] {
  let position = firstPosition ?? -1;
  return batches.map((batch) => {
    const at = position;
    if (position >= 0) position += batch.header.batchLength + batchLogOverhead;
    return at;
  });
}

/**
 * Adds `batch`'s records with offsets in [from, end) to `segment`, noting where the batch is.
 * Control batches hold no records to index; a batch of an aborted transaction is left out.
 */
export function addBatch(segment: LiveSegment, batch: DecodedBatch, position: number, range: { from: number; end: number }, counters: DocumentCounters, aborted?: AbortedBatches): void {
  const { from, end } = range;
  if (batch.isControl) return;
  if ((batch.header.attributes & Attributes.transactional) !== 0 && aborted?.covers(batch.header.producerId, batch.header.baseOffset)) return;
  segment.addBatch(batch.header.baseOffset, position);
  for (const record of batch.records) if (record.offset >= from && record.offset < end) segment.add(recordToDocument(record, counters));
}

export interface RangeOptions {
  topic: string;
  partition: number;
  /** The base of the first segment, which may be below `fromOffset` (the log start moved into it). */
  baseOffset: number;
  fromOffset: number;
  endOffset: number;
  logSegmentBase: number;
  counters: DocumentCounters;
  /** A live segment is started anew when one reaches this estimate. */
  bytesLimit: () => number;
}

/**
 * Live segments of the records from `fromOffset` up to `endOffset`, read from `log`, each at
 * most the size limit; the first has base `baseOffset`, the last ends at `endOffset`.
 */
export async function indexLogRange(log: IndexedLog, options: RangeOptions): Promise<LiveSegment[]> {
  const { topic, partition, endOffset, logSegmentBase, counters } = options;
  const segments = [new LiveSegment(topic, partition, options.baseOffset, logSegmentBase)];
  let position = options.fromOffset;
  while (position < endOffset) {
    let read: Awaited<ReturnType<IndexedLog["read"]>>;
    try {
      read = await log.read(position, indexReadBytesMax);
    } catch (error) {
      // The log start moved past the rest: those records are gone, and the chunk expires.
      if (error instanceof OffsetOutOfRangeError) break;
      throw error;
    }
    // Compaction may have removed the range's last records: the log then answers from beyond it.
    const batches = decodeRecordBatches(read.bytes).filter((batch) => batch.header.baseOffset < endOffset);
    if (batches.length === 0) break;
    const positions = batchPositions(batches, read.position);
    batches.forEach((batch, i) => {
      let segment = segments.at(-1)!;
      if (segment.heapBytes >= options.bytesLimit()) {
        segment.advanceEndOffset(position);
        segment = new LiveSegment(topic, partition, position, logSegmentBase);
        segments.push(segment);
      }
      addBatch(segment, batch, positions[i], { from: position, end: endOffset }, counters, log.aborted);
      position = batch.header.baseOffset + batch.header.lastOffsetDelta + 1;
      segment.advanceEndOffset(Math.min(position, endOffset));
    });
    await yieldToEventLoop();
  }
  segments.at(-1)!.advanceEndOffset(endOffset);
  return segments;
}
