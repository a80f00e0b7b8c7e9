// Records of a topic as the HTTP API shows them: by partition and offset, or time, or the newest;
// and a live tail that follows new records as they become readable. Keys, values and header
// values are shown as text when they are UTF-8 (with the parsed JSON when they are JSON) and as
// base64 otherwise, so binary data is never mangled. Reads are bounded in records and bytes.

import { decodeRecordBatches, type DecodedRecord } from "../../records/decode-batches.ts";
import { TimestampType } from "../../records/record-batch.ts";
import { OffsetOutOfRangeError } from "../../storage/partition-log.ts";
import type { Partition } from "../partition.ts";
import type { Topic } from "../topic-registry.ts";

/** Most records one request returns. */
export const messagesLimitMax = 500;
/** Most log bytes one partition read returns (at least one batch). */
const readBytesMax = 1024 * 1024;
/** Most log bytes one request reads in all partitions together. */
const requestBytesMax = 16 * 1024 * 1024;
/** Longest key, value or header value shown in full; longer ones are cut, and say so. */
export const shownBytesMax = 64 * 1024;

export interface ShownBytes {
  /** The whole size, even when cut. */
  size: number;
  /** UTF-8 text (absent for binary data). */
  text?: string;
  /** The text parsed, when it is JSON. */
  json?: unknown;
  /** Binary data (not UTF-8), base64. */
  base64?: string;
  /** Only the first shownBytesMax bytes are shown. */
  truncated?: true;
}

export interface ShownRecord {
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: "CreateTime" | "LogAppendTime";
  key: ShownBytes | null;
  value: ShownBytes | null;
  headers: Array<{ key: string; value: ShownBytes | null }>;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

export function showBytes(bytes: Uint8Array | null): ShownBytes | null {
  if (bytes === null) return null;
  if (bytes.length > shownBytesMax) {
    const text = utf8Prefix(bytes.subarray(0, shownBytesMax));
    if (text === null) return { size: bytes.length, base64: Buffer.from(bytes.subarray(0, shownBytesMax)).toString("base64"), truncated: true };
    return { size: bytes.length, text, truncated: true };
  }
  const text = utf8Text(bytes);
  if (text === null) return { size: bytes.length, base64: Buffer.from(bytes).toString("base64") };
  const first = text.trimStart()[0];
  if (first === "{" || first === "[") {
    try {
      return { size: bytes.length, text, json: JSON.parse(text) };
    } catch {
      // Text that only looks like JSON stays text.
    }
  }
  return { size: bytes.length, text };
}

function utf8Text(bytes: Uint8Array): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/** The text of a cut UTF-8 value: the cut may split its last character (up to 3 bytes of it). */
function utf8Prefix(bytes: Uint8Array): string | null {
  for (let drop = 0; drop <= 3; drop++) {
    const text = utf8Text(bytes.subarray(0, bytes.length - drop));
    if (text !== null) return text;
  }
  return null;
}

function showRecord(partition: number, record: DecodedRecord, logAppendTime: boolean): ShownRecord {
  return {
    partition,
    offset: record.offset,
    timestamp: record.timestamp,
    timestampType: logAppendTime ? "LogAppendTime" : "CreateTime",
    key: showBytes(record.key),
    value: showBytes(record.value),
    headers: record.headers.map((header) => ({ key: header.key, value: showBytes(header.value) })),
  };
}

/**
 * Reads up to `limit` data records of `partition` from `offset` (control batches skipped), within
 * `budget` bytes; `next` is the offset to read on from.
 */
async function readFrom(partition: Partition, offset: number, limit: number, budget: { bytes: number }): Promise<{ records: ShownRecord[]; next: number }> {
  const { log } = partition;
  const records: ShownRecord[] = [];
  let position = Math.max(offset, log.logStartOffset);
  while (records.length < limit && position < log.highWatermark && budget.bytes > 0) {
    let bytes: Uint8Array;
    try {
      bytes = (await log.read(position, Math.min(readBytesMax, budget.bytes))).bytes;
    } catch (error) {
      // Retention moved the log start past the position meanwhile: go on from the new start.
      if (error instanceof OffsetOutOfRangeError && position < log.logStartOffset) {
        position = log.logStartOffset;
        continue;
      }
      throw error;
    }
    if (bytes.length === 0) break;
    budget.bytes -= bytes.length;
    let next = position;
    for (const batch of decodeRecordBatches(bytes)) {
      if (records.length >= limit) break;
      const batchEnd = batch.header.baseOffset + batch.header.lastOffsetDelta + 1;
      if (!batch.isControl) {
        const logAppendTime = batch.timestampType === TimestampType.logAppendTime;
        for (const record of batch.records) {
          if (record.offset < position || records.length >= limit) continue;
          records.push(showRecord(partition.index, record, logAppendTime));
          next = record.offset + 1;
        }
      }
      // A batch read to its end (or a marker) is passed; one cut by the limit is read on from its next record.
      if (records.length < limit) next = Math.max(next, batchEnd);
    }
    if (next === position) break;
    position = next;
  }
  return { records, next: position };
}

export type MessagesFrom = { kind: "newest" } | { kind: "offset"; offset: number } | { kind: "timestamp"; timestamp: number };

export interface MessagesQuery {
  /** One partition, or every partition when null. */
  partition: number | null;
  from: MessagesFrom;
  limit: number;
}

export class MessagesError extends Error {
  override name = "MessagesError";
}

function partitionsOf(topic: Topic, partition: number | null): Partition[] {
  if (partition === null) return topic.partitions;
  const chosen = topic.partitions[partition];
  if (chosen === undefined) throw new MessagesError(`Topic "${topic.meta.name}" has no partition ${partition} (it has ${topic.partitions.length})`);
  return [chosen];
}

async function startOffset(partition: Partition, from: MessagesFrom, limit: number): Promise<number> {
  const { log } = partition;
  switch (from.kind) {
    case "newest":
      return Math.max(log.logStartOffset, log.highWatermark - limit);
    case "offset":
      return Math.min(Math.max(from.offset, log.logStartOffset), log.highWatermark);
    case "timestamp":
      return (await log.offsetForTimestamp(from.timestamp))?.offset ?? log.highWatermark;
  }
}

/**
 * Records of one partition in offset order; of every partition, merged by timestamp: the first
 * `limit` from the start position, or for "newest" the last `limit`.
 */
export async function readMessages(topic: Topic, query: MessagesQuery): Promise<ShownRecord[]> {
  const limit = Math.min(Math.max(query.limit, 1), messagesLimitMax);
  const budget = { bytes: requestBytesMax };
  const partitions = partitionsOf(topic, query.partition);
  const perPartition: ShownRecord[][] = [];
  for (const partition of partitions) perPartition.push((await readFrom(partition, await startOffset(partition, query.from, limit), limit, budget)).records);
  if (perPartition.length === 1) return perPartition[0];
  const merged = perPartition.flat().sort((a, b) => a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset);
  return query.from.kind === "newest" ? merged.slice(-limit) : merged.slice(0, limit);
}

/** How often a tail with nothing new says it is still there. */
export const tailHeartbeatMs = 15_000;

/**
 * Follows `topic` from its high watermarks now: calls `emit` with each new stretch of records
 * (at most messagesLimitMax at a time) and `heartbeat` when nothing came for tailHeartbeatMs,
 * until `signal` aborts. The next read waits for `emit`'s promise, so a reader that falls behind
 * slows the tail down instead of making it buffer.
 */
export async function tailMessages(topic: Topic, partition: number | null, signal: AbortSignal, emit: (records: ShownRecord[]) => void | Promise<void>, heartbeat: () => void): Promise<void> {
  const partitions = partitionsOf(topic, partition);
  const positions = partitions.map((entry) => entry.log.highWatermark);
  while (!signal.aborted) {
    for (const [i, entry] of partitions.entries()) {
      if (positions[i] >= entry.log.highWatermark) continue;
      const { records, next } = await readFrom(entry, positions[i], messagesLimitMax, { bytes: readBytesMax });
      positions[i] = next;
      if (records.length > 0 && !signal.aborted) await emit(records);
    }
    if (signal.aborted || partitions.some((entry, i) => positions[i] < entry.log.highWatermark)) continue;
    const arrived = await waitForData(partitions, positions, signal);
    if (!arrived && !signal.aborted) heartbeat();
  }
}

/** Resolves true when any partition has data past `positions`, false after tailHeartbeatMs or on abort. */
function waitForData(partitions: Partition[], positions: number[], signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const cancels: Array<() => void> = [];
    let settled = false;
    const done = (arrived: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener("abort", aborted);
      for (const cancel of cancels) cancel();
      resolve(arrived);
    };
    const aborted = () => done(false);
    const timer = setTimeout(() => done(false), tailHeartbeatMs);
    signal.addEventListener("abort", aborted, { once: true });
    for (const partition of partitions) cancels.push(partition.onNextData(() => done(true)));
    // Data that arrived before the waiters were registered wakes nobody: look once more.
    if (partitions.some((partition, i) => positions[i] < partition.log.highWatermark)) done(true);
  });
}
