// Producer state snapshots in Kafka's `.snapshot` file format (version 1), so that a partition's
// folder reads as Kafka's does: the state of its idempotent and transactional producers after
// every record below the offset in the file's name. Layout, big-endian:
//   version: int16 (1) · crc: uint32, the CRC32C of every byte after it · entries: int32 count,
//   then per producer: producer id int64 · epoch int16 · last sequence int32 · last offset int64 ·
//   offset delta int32 (last − first offset of its last batch) · timestamp int64 ·
//   coordinator epoch int32 · first offset of its open transaction int64 (−1: none).
// Pure: bytes in, entries out, and back.

import { crc32c } from "../records/crc32c.ts";

export const producerSnapshotVersion = 1;
export const producerSnapshotSuffix = ".snapshot";
const headerBytes = 10;
const entryBytes = 46;
/** Where the checksummed bytes start: after the version and the crc. */
const crcFrom = 6;

export interface ProducerSnapshotEntry {
  producerId: number;
  epoch: number;
  lastSequence: number;
  lastOffset: number;
  offsetDelta: number;
  timestamp: number;
  coordinatorEpoch: number;
  currentTxnFirstOffset: number;
}

export class CorruptSnapshotError extends Error {
  override name = "CorruptSnapshotError";
}

/** `<offset, 20 digits>.snapshot`, as Kafka names it. */
export function producerSnapshotFileName(offset: number): string {
  return `${String(offset).padStart(20, "0")}${producerSnapshotSuffix}`;
}

function setInt64(view: DataView, at: number, value: number): void {
  view.setBigInt64(at, BigInt(value));
}

function getInt64(view: DataView, at: number): number {
  const value = view.getBigInt64(at);
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new CorruptSnapshotError(`Cannot read a producer snapshot: value ${value} at byte ${at} is beyond 2^53`);
  }
  return Number(value);
}

export function encodeProducerSnapshot(entries: readonly ProducerSnapshotEntry[]): Uint8Array {
  const bytes = new Uint8Array(headerBytes + entries.length * entryBytes);
  const view = new DataView(bytes.buffer);
  view.setInt16(0, producerSnapshotVersion);
  view.setInt32(crcFrom, entries.length);
  let at = headerBytes;
  for (const entry of entries) {
    setInt64(view, at, entry.producerId);
    view.setInt16(at + 8, entry.epoch);
    view.setInt32(at + 10, entry.lastSequence);
    setInt64(view, at + 14, entry.lastOffset);
    view.setInt32(at + 22, entry.offsetDelta);
    setInt64(view, at + 26, entry.timestamp);
    view.setInt32(at + 34, entry.coordinatorEpoch);
    setInt64(view, at + 38, entry.currentTxnFirstOffset);
    at += entryBytes;
  }
  view.setUint32(2, crc32c(bytes, crcFrom));
  return bytes;
}

/** The entries of a snapshot file's bytes; a CorruptSnapshotError names what is wrong. */
export function decodeProducerSnapshot(bytes: Uint8Array): ProducerSnapshotEntry[] {
  if (bytes.length < headerBytes) throw new CorruptSnapshotError(`Cannot read a producer snapshot: ${bytes.length} bytes, less than its ${headerBytes}-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getInt16(0);
  if (version !== producerSnapshotVersion) throw new CorruptSnapshotError(`Cannot read a producer snapshot of version ${version}: only version ${producerSnapshotVersion} is known`);
  const stored = view.getUint32(2);
  const computed = crc32c(bytes, crcFrom);
  if (stored !== computed) throw new CorruptSnapshotError(`Cannot read a producer snapshot: its CRC is ${stored}, its bytes give ${computed}`);
  const count = view.getInt32(crcFrom);
  if (count < 0 || bytes.length !== headerBytes + count * entryBytes) {
    throw new CorruptSnapshotError(`Cannot read a producer snapshot: ${count} entries do not fill its ${bytes.length} bytes`);
  }
  const entries: ProducerSnapshotEntry[] = [];
  for (let at = headerBytes; at < bytes.length; at += entryBytes) {
    entries.push({
      producerId: getInt64(view, at),
      epoch: view.getInt16(at + 8),
      lastSequence: view.getInt32(at + 10),
      lastOffset: getInt64(view, at + 14),
      offsetDelta: view.getInt32(at + 22),
      timestamp: getInt64(view, at + 26),
      coordinatorEpoch: view.getInt32(at + 34),
      currentTxnFirstOffset: getInt64(view, at + 38),
    });
  }
  return entries;
}
