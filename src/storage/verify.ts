// Checks a partition directory the way recovery trusts it, without changing anything:
// every batch whole and CRC-valid, offsets continuing across batches and segments (gaps only
// in the compacted part), every offset index entry pointing at the batch it names, time index
// entries matching the batches' timestamps, checkpoints inside the log, and idempotent
// producers' sequences unbroken (no batch written twice). The crash tests run it on a closed
// (or cleanly recovered) log.

import fs from "node:fs";
import path from "node:path";
import { readBatchHeader } from "../records/batch-header.ts";
import { ProducerSequenceCheck } from "../records/sequence-check.ts";
import { readCheckpoint } from "./checkpoint.ts";
import { IndexCorruptError } from "./index-file.ts";
import { scanLog } from "./log-scan.ts";
import type { BatchInfo } from "./log-scan.ts";
import { OffsetIndex } from "./offset-index.ts";
import { cleanerOffsetFileName, logStartOffsetFileName, recoveryPointFileName } from "./recovery.ts";
import { listSegmentBaseOffsets, segmentFileName, segmentFiles } from "./segment.ts";
import { TimeIndex } from "./time-index.ts";

const silentLogger = { info: () => {}, warn: () => {} };

/** Every problem found in the partition directory `dir`, as sentences naming the file; empty when whole. */
export function verifyPartitionDir(dir: string): string[] {
  const problems: string[] = [];
  const compactedBelow = readCheckpointProblem(dir, cleanerOffsetFileName, problems) ?? 0;
  const baseOffsets = listSegmentBaseOffsets(dir);
  let nextOffset: number | null = null;
  const sequences = new ProducerSequenceCheck();
  for (const [n, baseOffset] of baseOffsets.entries()) {
    const isLast = n === baseOffsets.length - 1;
    if (nextOffset !== null && nextOffset !== baseOffset && !(nextOffset < baseOffset && baseOffset <= compactedBelow)) {
      problems.push(`Segment "${segmentFileName(baseOffset, ".log")}" starts at offset ${baseOffset}, but the previous one ends at ${nextOffset}`);
    }
    nextOffset = verifySegment(dir, baseOffset, { compactedBelow, isLast, nextBase: baseOffsets[n + 1], sequences }, problems);
  }
  const logEndOffset = nextOffset ?? 0;
  for (const name of [recoveryPointFileName, logStartOffsetFileName]) {
    const offset = readCheckpointProblem(dir, name, problems);
    if (offset !== null && offset > logEndOffset) problems.push(`Checkpoint "${name}" is ${offset}, past the log end ${logEndOffset}`);
  }
  return problems;
}

/** Verifies one segment; returns the offset after it. */
function verifySegment(
  dir: string,
  baseOffset: number,
  context: { compactedBelow: number; isLast: boolean; nextBase: number | undefined; sequences: ProducerSequenceCheck },
  problems: string[],
): number {
  const files = segmentFiles(dir, baseOffset);
  const name = path.basename(files.log);
  const batches: BatchInfo[] = [];
  const fd = fs.openSync(files.log, "r");
  let size: number;
  let scan: ReturnType<typeof scanLog>;
  try {
    size = fs.fstatSync(fd).size;
    scan = scanLog(fd, { position: 0, size, expectedOffset: baseOffset, gapsBelow: context.compactedBelow }, (batch, bytes) => {
      batches.push(batch);
      const broken = context.sequences.check(readBatchHeader(bytes), context.compactedBelow);
      if (broken !== null) problems.push(`Segment "${name}": ${broken}`);
    });
  } finally {
    fs.closeSync(fd);
  }
  if (scan.problem) problems.push(`Segment "${name}" is damaged at position ${scan.end} (offset ${scan.nextOffset}): ${scan.problem}`);
  const compacted = context.nextBase !== undefined && context.nextBase <= context.compactedBelow;
  const endOffset = compacted ? Math.max(scan.nextOffset, context.nextBase!) : scan.nextOffset;
  verifyOffsetIndex(files.index, baseOffset, { batches, size, endOffset }, problems);
  verifyTimeIndex(files.timeindex, baseOffset, { batches, endOffset, sealed: !context.isLast }, problems);
  return endOffset;
}

function verifyOffsetIndex(file: string, baseOffset: number, log: { batches: BatchInfo[]; size: number; endOffset: number }, problems: string[]): void {
  const index = loadIndex(() => OffsetIndex.load(file, baseOffset, { logBytes: log.size, endOffset: log.endOffset }), problems);
  if (index === null) return;
  const byPosition = new Map(log.batches.map((batch) => [batch.position, batch.baseOffset]));
  for (let n = 0; n < index.count; n++) {
    const entry = index.entry(n);
    if (byPosition.get(entry.position) !== entry.offset) {
      problems.push(`Index "${path.basename(file)}" entry ${n} names offset ${entry.offset} at position ${entry.position}, where no batch with that base offset starts`);
    }
  }
  index.close();
}

function verifyTimeIndex(file: string, baseOffset: number, log: { batches: BatchInfo[]; endOffset: number; sealed: boolean }, problems: string[]): void {
  const index = loadIndex(() => TimeIndex.load(file, baseOffset, { endOffset: log.endOffset }), problems);
  if (index === null) return;
  const name = path.basename(file);
  // The running maximum before each batch: an entry must name a batch that raised it to its timestamp.
  const maxBefore = new Map<number, { before: number; own: number }>();
  let running = -Infinity;
  for (const batch of log.batches) {
    maxBefore.set(batch.baseOffset, { before: running, own: batch.maxTimestamp });
    running = Math.max(running, batch.maxTimestamp);
  }
  for (let n = 0; n < index.count; n++) {
    const entry = index.entry(n);
    const batch = maxBefore.get(entry.offset);
    if (!batch || batch.own !== entry.timestamp || batch.before >= entry.timestamp) {
      problems.push(`Time index "${name}" entry ${n} (timestamp ${entry.timestamp}, offset ${entry.offset}) does not match the batches`);
    }
  }
  const last = index.last;
  if (log.sealed && log.batches.length > 0 && last?.timestamp !== running) {
    problems.push(`Time index "${name}" ends at timestamp ${last?.timestamp ?? "none"}, not the segment's largest ${running}`);
  }
  index.close();
}

function loadIndex<T>(load: () => T, problems: string[]): T | null {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof IndexCorruptError)) throw error;
    problems.push(error.message);
    return null;
  }
}

function readCheckpointProblem(dir: string, name: string, problems: string[]): number | null {
  const logger = { ...silentLogger, warn: (message: string) => problems.push(message) };
  return readCheckpoint(path.join(dir, name), logger);
}
