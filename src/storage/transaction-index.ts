// Kafka's `.txnindex` files: per sealed segment, the transactions aborted by a marker in that
// segment, so a read_committed fetch can be told which producers' records to skip in the range
// it returns. Entry, 34 bytes, big-endian:
//   version int16 (0) · producer id int64 · first offset int64 (the transaction's first record)
//   · last offset int64 (its abort marker) · last stable offset int64 (when the marker was written)
// The engine writes a segment's file when the segment rolls (its aborts are final then); the
// aborts of the active segment live in memory and are found again in the log after a crash.

import fs from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "./checkpoint.ts";

export const transactionIndexSuffix = ".txnindex";
const entryBytes = 34;
const entryVersion = 0;
const fileName = /^(\d{20})\.txnindex$/;

export interface AbortedTransaction {
  producerId: number;
  firstOffset: number;
  /** The offset of the abort marker. */
  lastOffset: number;
  lastStableOffset: number;
}

export class CorruptTransactionIndexError extends Error {
  override name = "CorruptTransactionIndexError";
}

function setInt64(view: DataView, at: number, value: number): void {
  view.setBigInt64(at, BigInt(value));
}

function getInt64(view: DataView, at: number): number {
  return Number(view.getBigInt64(at));
}

export function encodeTransactionIndex(entries: readonly AbortedTransaction[]): Uint8Array {
  const bytes = new Uint8Array(entries.length * entryBytes);
  const view = new DataView(bytes.buffer);
  entries.forEach((entry, n) => {
    const at = n * entryBytes;
    view.setInt16(at, entryVersion);
    setInt64(view, at + 2, entry.producerId);
    setInt64(view, at + 10, entry.firstOffset);
    setInt64(view, at + 18, entry.lastOffset);
    setInt64(view, at + 26, entry.lastStableOffset);
  });
  return bytes;
}

export function decodeTransactionIndex(bytes: Uint8Array): AbortedTransaction[] {
  if (bytes.length % entryBytes !== 0) throw new CorruptTransactionIndexError(`${bytes.length} bytes is not a whole number of ${entryBytes}-byte entries`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries: AbortedTransaction[] = [];
  for (let at = 0; at < bytes.length; at += entryBytes) {
    const version = view.getInt16(at);
    if (version !== entryVersion) throw new CorruptTransactionIndexError(`entry ${at / entryBytes} has version ${version}, not ${entryVersion}`);
    entries.push({ producerId: getInt64(view, at + 2), firstOffset: getInt64(view, at + 10), lastOffset: getInt64(view, at + 18), lastStableOffset: getInt64(view, at + 26) });
  }
  return entries;
}

export function transactionIndexFileName(segmentBase: number): string {
  return `${String(segmentBase).padStart(20, "0")}${transactionIndexSuffix}`;
}

/** The `.txnindex` files of one partition folder. */
export class TransactionIndexFiles {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** Writes the aborts of the segment at `segmentBase` atomically and durably (none: no file, as Kafka leaves it empty). */
  async write(segmentBase: number, entries: readonly AbortedTransaction[]): Promise<void> {
    if (entries.length === 0) return;
    await writeFileAtomic(path.join(this.#dir, transactionIndexFileName(segmentBase)), encodeTransactionIndex(entries));
  }

  /**
   * Every entry of every file, by marker offset; throws a CorruptTransactionIndexError naming
   * the file when one does not read (the caller then rebuilds from the log).
   */
  loadAll(): AbortedTransaction[] {
    const entries: AbortedTransaction[] = [];
    for (const name of fs.readdirSync(this.#dir)) {
      if (!fileName.test(name)) continue;
      try {
        entries.push(...decodeTransactionIndex(fs.readFileSync(path.join(this.#dir, name))));
      } catch (error) {
        if (error instanceof CorruptTransactionIndexError) throw new CorruptTransactionIndexError(`Transaction index "${path.join(this.#dir, name)}": ${error.message}`);
        throw error;
      }
    }
    return entries.sort((a, b) => a.lastOffset - b.lastOffset);
  }
}
