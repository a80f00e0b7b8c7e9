// A stretch of a partition's backlog indexed apart from the indexer that follows the log, on a
// core of its own (backlog-worker.ts): while the indexer adds the records before `fromOffset`,
// the backlog thread reads the records from `fromOffset` on, straight from the segment file,
// and writes them as one sealed chunk file, at most one live segment's worth. When the indexer
// reaches `fromOffset` it takes the chunk as if it had sealed it itself (partition-indexer.ts),
// so a backlog is indexed on two cores. The file is not listed in the manifest until then: a
// crash before leaves an unlisted file, which the next start deletes, and the records are
// indexed again.

import path from "node:path";
import { decodeRecordBatches } from "../records/decode-batches.ts";
import { OffsetOutOfRangeError } from "../storage/partition-log.ts";
import { chunkFileName } from "./index-manifest.ts";
import { LiveSegment } from "./live-segment.ts";
import { addBatch, batchPositions, indexReadBytesMax } from "./range-indexer.ts";
import { writeSealedSegment } from "./sealed-segment-writer.ts";
import type { AbortedRange } from "./aborted-batches.ts";
import { SegmentFileReader } from "./segment-file-reader.ts";
import { segmentIdentity } from "./segment-source.ts";

/** What to index: records of one log segment from `fromOffset`, up to `endOffset` or the size limit. */
export interface BacklogJob {
  dir: string;
  topic: string;
  partition: number;
  fromOffset: number;
  endOffset: number;
  /** The log segment holding the whole range: a chunk never spans two. */
  logSegmentBase: number;
  logStartOffset: number;
  highWatermark: number;
  /** The partition's aborted transactions with records in the range: left out. */
  aborted: AbortedRange[];
  /** The chunk ends once its estimated heap reaches this, as a live segment is sealed. */
  bytesLimit: number;
}

/** The chunk file written: [baseOffset, endOffset), read from the segment file `identity`. */
export interface BacklogChunk {
  baseOffset: number;
  endOffset: number;
  identity: string;
  documents: number;
  /** Values that were not UTF-8, for the indexer's counters. */
  binaryValues: number;
}

/** Where backlog chunks are built: the backlog thread, or in process (tests). */
export interface BacklogIndexer {
  /** True while a job runs: a partition offers a job only to an idle indexer, so none waits in a queue. */
  readonly busy: boolean;
  /** The chunk written; null when there was nothing to index or the segment's file changed meanwhile (no file is left then). */
  index(job: BacklogJob): Promise<BacklogChunk | null>;
}

/** Indexes `job` and writes its chunk file into `job.dir`. */
export async function writeBacklogChunk(job: BacklogJob): Promise<BacklogChunk | null> {
  const { dir, logSegmentBase } = job;
  const reader = new SegmentFileReader(dir);
  reader.highWatermark = job.highWatermark;
  reader.logStartOffset = job.logStartOffset;
  reader.aborted.add(job.aborted);
  const identity = segmentIdentity(dir, logSegmentBase);
  if (identity === null) return null;
  const counters = { binaryValues: 0 };
  const segment = new LiveSegment(job.topic, job.partition, job.fromOffset, logSegmentBase);
  let position = job.fromOffset;
  reading: while (position < job.endOffset) {
    let read: Awaited<ReturnType<SegmentFileReader["read"]>>;
    try {
      read = await reader.read(position, indexReadBytesMax);
    } catch (error) {
      if (error instanceof OffsetOutOfRangeError) return null;
      throw error;
    }
    // The next segment ends the chunk; another file under the segment's name (compaction replaced it) drops it.
    if (read.source === undefined) return null;
    if (read.source.baseOffset !== logSegmentBase) break;
    if (read.source.identity !== identity) return null;
    const batches = decodeRecordBatches(read.bytes);
    if (batches.length === 0) break;
    const positions = batchPositions(batches, read.position);
    for (let i = 0; i < batches.length; i++) {
      const batch = batches[i];
      const batchEnd = batch.header.baseOffset + batch.header.lastOffsetDelta + 1;
      if (batchEnd <= position) continue;
      if (segment.heapBytes >= job.bytesLimit) break reading;
      const end = Math.min(batchEnd, job.endOffset);
      addBatch(segment, batch, positions[i], { from: position, end }, counters, reader.aborted);
      position = end;
      segment.advanceEndOffset(position);
      if (position >= job.endOffset) break reading;
    }
  }
  if (position === job.fromOffset || segmentIdentity(dir, logSegmentBase) !== identity) return null;
  await writeSealedSegment(path.join(dir, chunkFileName({ baseOffset: job.fromOffset, endOffset: position })), [segment]);
  return { baseOffset: job.fromOffset, endOffset: position, identity, documents: segment.docCount, binaryValues: counters.binaryValues };
}

/** A BacklogIndexer in this thread (tests; the broker uses the backlog thread). */
export function inProcessBacklogIndexer(): BacklogIndexer {
  let running = 0;
  return {
    get busy() {
      return running > 0;
    },
    async index(job) {
      running++;
      try {
        return await writeBacklogChunk(job);
      } finally {
        running--;
      }
    },
  };
}
