// Sparse time index of one segment:
//
// TimeIndexEntry => (12 bytes, big-endian)
//   timestamp: int64        the largest timestamp in the segment up to this point
//   relativeOffset: int32   base offset of the first batch carrying it - segment baseOffset
//
// Entries are written at the same index points as the offset index, only when the running
// maximum grew, plus a final entry when the segment is sealed, so the last entry is always
// the segment's largest timestamp. Every record in the batches before an entry's offset has
// a smaller timestamp, which is what makes a floor lookup a safe place to start scanning.

import { IndexCorruptError, IndexFile } from "./index-file.ts";
import type { TimestampAndOffset } from "./partition-log.ts";

export const timeIndexEntryBytes = 12;

export class TimeIndex {
  readonly baseOffset: number;
  #file: IndexFile;

  private constructor(baseOffset: number, file: IndexFile) {
    this.baseOffset = baseOffset;
    this.#file = file;
  }

  /** An empty index, creating or emptying the file. */
  static create(path: string, baseOffset: number): TimeIndex {
    return new TimeIndex(baseOffset, IndexFile.create(path, timeIndexEntryBytes));
  }

  /** Loads the file and checks timestamps and offsets strictly increase and offsets stay below `endOffset`. */
  static load(path: string, baseOffset: number, limits: { endOffset: number }): TimeIndex {
    const index = new TimeIndex(baseOffset, IndexFile.load(path, timeIndexEntryBytes));
    let previous: TimestampAndOffset = { timestamp: -Infinity, offset: baseOffset - 1 };
    for (let n = 0; n < index.count; n++) {
      const entry = index.entry(n);
      const inOrder = entry.timestamp > previous.timestamp && entry.offset > previous.offset;
      if (!inOrder || entry.offset >= limits.endOffset) {
        throw new IndexCorruptError(
          `Index "${path}" entry ${n} (timestamp ${entry.timestamp}, offset ${entry.offset}) is out of order or past the log`,
        );
      }
      previous = entry;
    }
    return index;
  }

  get count(): number {
    return this.#file.count;
  }

  get isFull(): boolean {
    return this.#file.isFull;
  }

  entry(n: number): TimestampAndOffset {
    const view = this.#file.view;
    const at = this.#file.at(n);
    const timestamp = view.getInt32(at) * 0x1_0000_0000 + view.getUint32(at + 4);
    return { timestamp, offset: this.baseOffset + view.getInt32(at + 8) };
  }

  get last(): TimestampAndOffset | null {
    return this.count > 0 ? this.entry(this.count - 1) : null;
  }

  /** Appends the running maximum unless the last entry already holds it. */
  maybeAppend(maximum: TimestampAndOffset): void {
    const last = this.last;
    if (last && (maximum.timestamp <= last.timestamp || maximum.offset <= last.offset)) return;
    this.#file.append((view, at) => {
      view.setBigInt64(at, BigInt(maximum.timestamp));
      view.setInt32(at + 8, maximum.offset - this.baseOffset);
    });
  }

  /** The offset to start a search for `timestamp` from: the last entry at or below it, else the segment start. */
  lookup(timestamp: number): number {
    let low = 0;
    let high = this.count - 1;
    let found = this.baseOffset;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const entry = this.entry(middle);
      if (entry.timestamp <= timestamp) {
        found = entry.offset;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found;
  }

  /** Drops entries whose offset is at or after `offset`. */
  truncateToOffset(offset: number): void {
    let keep = this.count;
    while (keep > 0 && this.entry(keep - 1).offset >= offset) keep--;
    this.#file.truncate(keep);
  }

  sync(): Promise<void> {
    return this.#file.sync();
  }

  close(): void {
    this.#file.close();
  }
}
