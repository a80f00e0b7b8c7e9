// Writes search segments into one sealed segment file (sealed-format.ts describes the format):
// sealing the live segment (one input) or merging sealed segments (several). A merge streams: a
// k-way merge of the inputs' sorted dictionaries, one term's postings in memory at a time, and
// columns written document by document (sealed-field-writers.ts), so its memory does not grow
// with the segments' size. The file is written in 1 MiB chunks to `<file>.tmp`, fsynced and
// renamed over `file`: a crash leaves the old file or the new.

import fs from "node:fs";
import path from "node:path";
import { syncDirectory, tempSuffix } from "../storage/checkpoint.ts";
import { FileSink } from "./file-sink.ts";
import { type Placed, writeKeywords, writeNumbers, writeText } from "./sealed-field-writers.ts";
import { DocFlag, type FieldMeta, type SealedMeta, sealedFooter, sealedMagic, sortFieldNames, timestampBlockDocs, unknownPosition } from "./sealed-format.ts";
import { SealedSegment } from "./sealed-segment.ts";
import type { SearchSegment } from "./search-segment.ts";

/** Bytes buffered before a write to the file. */
const writeBufferBytes = 1024 * 1024;
/** Buffer of the side files that hold a field's dictionary while its postings are written. */
const sideBufferBytes = 256 * 1024;

function checkInputs(inputs: readonly SearchSegment[]): void {
  if (inputs.length === 0) throw new Error("Cannot write a sealed segment: no input segments");
  const [first] = inputs;
  for (let i = 1; i < inputs.length; i++) {
    const input = inputs[i];
    const previous = inputs[i - 1];
    if (input.topic !== first.topic || input.partition !== first.partition || input.logSegmentBase !== first.logSegmentBase) {
      throw new Error(`Cannot merge segment "${input.baseOffset}" of "${input.topic}-${input.partition}" (log segment "${input.logSegmentBase}") into one of "${first.topic}-${first.partition}" (log segment "${first.logSegmentBase}")`);
    }
    if (input.baseOffset < previous.endOffset) {
      throw new Error(`Cannot merge segment "${input.baseOffset}" after segment "${previous.baseOffset}": it starts before ${previous.endOffset}`);
    }
  }
}

/**
 * Writes `inputs` (same topic, partition and log segment; ordered by offset; not overlapping) as
 * one sealed segment at `file`, atomically and durably. Documents are the inputs' documents in order.
 */
export async function writeSealedSegment(file: string, inputs: readonly SearchSegment[]): Promise<void> {
  checkInputs(inputs);
  const temp = file + tempSuffix;
  const sides = [`${file}.entries${tempSuffix}`, `${file}.blocks${tempSuffix}`];
  const fds: number[] = [];
  try {
    const fd = fs.openSync(temp, "w");
    fds.push(fd);
    for (const side of sides) fds.push(fs.openSync(side, "w+"));
    const sink = new FileSink(fd, writeBufferBytes);
    writeBody(sink, new FileSink(fds[1], sideBufferBytes), new FileSink(fds[2], sideBufferBytes), inputs);
    fs.fsyncSync(fd);
  } catch (error) {
    for (const fd of fds.splice(0)) fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw error;
  } finally {
    for (const fd of fds) fs.closeSync(fd);
    for (const side of sides) fs.rmSync(side, { force: true });
  }
  fs.renameSync(temp, file);
  await syncDirectory(path.dirname(file));
}

function writeBody(sink: FileSink, entries: FileSink, blocks: FileSink, inputs: readonly SearchSegment[]): void {
  const placed: Placed[] = [];
  let docCount = 0;
  for (const segment of inputs) {
    placed.push({ segment, firstDoc: docCount });
    docCount += segment.docCount;
  }
  const first = inputs[0];
  const last = inputs[inputs.length - 1];
  sink.write(sealedMagic);
  const offsetsAt = writeOffsets(sink, placed, first.baseOffset);
  const timestamps = writeTimestamps(sink, placed, docCount);
  const flagsAt = writeFlags(sink, placed);
  const batches = writeBatches(sink, placed, first.baseOffset);
  const fields: FieldMeta[] = [];
  const output = { sink, entries, blocks, placed };
  for (const name of sortFieldNames(inputs.flatMap((input) => input.fieldNames()))) {
    const field: FieldMeta = { name };
    if (inputs.some((input) => input.text(name) !== null)) field.text = writeText(output, name);
    if (inputs.some((input) => input.keywords(name) !== null)) field.keyword = writeKeywords(output, name);
    if (inputs.some((input) => input.numbers(name) !== null)) field.number = writeNumbers(output, name);
    fields.push(field);
  }
  const meta: SealedMeta = {
    topic: first.topic,
    partition: first.partition,
    baseOffset: first.baseOffset,
    endOffset: last.endOffset,
    docCount,
    logSegmentBase: first.logSegmentBase,
    offsetsAt,
    timestampsAt: timestamps.at,
    timestampsMin: timestamps.min,
    timestampBasesAt: timestamps.basesAt,
    flagsAt,
    batchesAt: batches.at,
    batchCount: batches.count,
    fields,
  };
  sink.flush();
  const bodyCrc = sink.crc;
  sink.write(sealedFooter(meta, bodyCrc));
  sink.flush();
}

/** Writes the offsets column, unless every document's offset is baseOffset + its number (then null). */
function writeOffsets(sink: FileSink, placed: readonly Placed[], baseOffset: number): number | null {
  let previous = -1;
  let dense = true;
  for (const { segment, firstDoc } of placed) {
    for (let doc = 0; doc < segment.docCount; doc++) {
      const offset = segment.offset(doc);
      const delta = offset - baseOffset;
      if (!(offset > previous && offset < segment.endOffset && delta >= 0 && delta <= 0xffff_ffff)) {
        throw new Error(`Cannot seal segment "${segment.baseOffset}": offset "${offset}" of document ${doc} is out of order or range`);
      }
      previous = offset;
      if (delta !== firstDoc + doc) dense = false;
    }
  }
  if (dense) return null;
  const at = sink.align();
  for (const { segment } of placed) for (let doc = 0; doc < segment.docCount; doc++) sink.uint(segment.offset(doc) - baseOffset, 4);
  return at;
}

/**
 * Writes timestamps in the narrowest form that holds them: Uint16 deltas from a base per block of
 * timestampBlockDocs (log records arrive in time order, so a block spans seconds), else Uint32
 * deltas from the minimum, else Float64.
 */
function writeTimestamps(sink: FileSink, placed: readonly Placed[], docCount: number): { at: number; min: number | null; basesAt: number | null } {
  const blocks = Math.ceil(docCount / timestampBlockDocs);
  let min = Infinity;
  let max = -Infinity;
  let integers = true;
  let blocksFit = true;
  let blockMin = Infinity;
  let blockMax = -Infinity;
  forEachTimestamp(placed, (doc, timestamp) => {
    if (doc % timestampBlockDocs === 0) {
      blockMin = Infinity;
      blockMax = -Infinity;
    }
    min = Math.min(min, timestamp);
    max = Math.max(max, timestamp);
    blockMin = Math.min(blockMin, timestamp);
    blockMax = Math.max(blockMax, timestamp);
    if (blockMax - blockMin > 0xffff) blocksFit = false;
    if (!Number.isSafeInteger(timestamp)) integers = false;
  });
  if (!integers || max - min > 0xffff_ffff) {
    const at = sink.align();
    forEachTimestamp(placed, (_, timestamp) => sink.float64(timestamp));
    return { at, min: null, basesAt: null };
  }
  if (!blocksFit) {
    const at = sink.align();
    forEachTimestamp(placed, (_, timestamp) => sink.uint(timestamp - min, 4));
    return { at, min: min === Infinity ? 0 : min, basesAt: null };
  }
  const bases = new Float64Array(blocks).fill(Infinity);
  forEachTimestamp(placed, (doc, timestamp) => {
    const block = Math.floor(doc / timestampBlockDocs);
    bases[block] = Math.min(bases[block], timestamp);
  });
  const basesAt = sink.align();
  for (const base of bases) sink.float64(base);
  const at = sink.align();
  forEachTimestamp(placed, (doc, timestamp) => sink.uint(timestamp - bases[Math.floor(doc / timestampBlockDocs)], 2));
  return { at, min: min === Infinity ? 0 : min, basesAt };
}

/** Calls `visit` with each output document's number and timestamp, in order. */
function forEachTimestamp(placed: readonly Placed[], visit: (doc: number, timestamp: number) => void): void {
  for (const { segment, firstDoc } of placed) for (let doc = 0; doc < segment.docCount; doc++) visit(firstDoc + doc, segment.timestamp(doc));
}

function writeFlags(sink: FileSink, placed: readonly Placed[]): number {
  const at = sink.align();
  for (const { segment } of placed) {
    for (let doc = 0; doc < segment.docCount; doc++) {
      // A sealed input knows the flag; others hold their records in memory (the live segment).
      const binary = segment instanceof SealedSegment ? segment.valueIsBinary(doc) : segment.hasValue(doc) && segment.record(doc).valueIsBinary;
      sink.uint((segment.hasKey(doc) ? DocFlag.hasKey : 0) | (segment.hasValue(doc) ? DocFlag.hasValue : 0) | (binary ? DocFlag.valueIsBinary : 0), 1);
    }
  }
  return at;
}

function writeBatches(sink: FileSink, placed: readonly Placed[], baseOffset: number): { at: number; count: number } {
  const at = sink.align();
  let count = 0;
  let previous = -1;
  for (const { segment } of placed) {
    const { baseOffsets, positions } = segment.batches();
    for (let i = 0; i < baseOffsets.length; i++) {
      // A batch split between two inputs is listed by both; the output lists it once.
      if (baseOffsets[i] <= previous) continue;
      previous = baseOffsets[i];
      const delta = baseOffsets[i] - baseOffset;
      // A batch starting before the segment (its first records are in an older segment) cannot be named by a delta.
      if (delta < 0 || delta > 0xffff_ffff) continue;
      const position = positions[i];
      sink.uint(delta, 4);
      sink.uint(position >= 0 && position < unknownPosition ? position : unknownPosition, 4);
      count++;
    }
  }
  return { at, count };
}
