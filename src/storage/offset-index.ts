// Sparse offset index of one segment:
//
// OffsetIndexEntry => (8 bytes, big-endian)
//   relativeOffset: int32   batch baseOffset - segment baseOffset
//   position: int32         byte position of that batch in the .log file
//
// One entry every indexIntervalBytes of log, keyed by the batch's base offset, so a floor
// lookup always lands on a batch start at or before the batch holding the target.

import { IndexCorruptError, IndexFile } from "./index-file.ts";

export const offsetIndexEntryBytes = 8;

/** A batch start: its base offset and its byte position in the segment. */
export interface OffsetPosition {
  offset: number;
  position: number;
}

export class OffsetIndex {
  readonly baseOffset: number;
  #file: IndexFile;

  private constructor(baseOffset: number, file: IndexFile) {
    this.baseOffset = baseOffset;
    this.#file = file;
  }

  /** An empty index, creating or emptying the file. */
  static create(path: string, baseOffset: number): OffsetIndex {
    return new OffsetIndex(baseOffset, IndexFile.create(path, offsetIndexEntryBytes));
  }

  /**
   * Loads the file and checks it describes the segment: offsets and positions strictly increasing,
   * offsets below `endOffset`, positions inside `logBytes`. Throws IndexCorruptError otherwise.
   */
  static load(path: string, baseOffset: number, limits: { logBytes: number; endOffset: number }): OffsetIndex {
    const index = new OffsetIndex(baseOffset, IndexFile.load(path, offsetIndexEntryBytes));
    let previous: OffsetPosition = { offset: baseOffset - 1, position: -1 };
    for (let n = 0; n < index.count; n++) {
      const entry = index.entry(n);
      const inOrder = entry.offset > previous.offset && entry.position > previous.position;
      if (!inOrder || entry.offset >= limits.endOffset || entry.position >= limits.logBytes) {
        throw new IndexCorruptError(
          `Index "${path}" entry ${n} (offset ${entry.offset}, position ${entry.position}) is out of order or past the log`,
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

  entry(n: number): OffsetPosition {
    const view = this.#file.view;
    const at = this.#file.at(n);
    return { offset: this.baseOffset + view.getInt32(at), position: view.getInt32(at + 4) };
  }

  /** The last indexed batch start at or before `offset`; the segment start when there is none. */
  lookup(offset: number): OffsetPosition {
    const n = this.#floor(offset);
    return n < 0 ? { offset: this.baseOffset, position: 0 } : this.entry(n);
  }

  append(offset: number, position: number): void {
    const last = this.count > 0 ? this.entry(this.count - 1) : null;
    if (last && (offset <= last.offset || position <= last.position)) {
      throw new Error(`Cannot index offset ${offset} at position ${position}: not after offset ${last.offset}`);
    }
    this.#file.append((view, at) => {
      view.setInt32(at, offset - this.baseOffset);
      view.setInt32(at + 4, position);
    });
  }

  /** Drops the entries for batches at or after `offset`. */
  truncateToOffset(offset: number): void {
    this.#file.truncate(this.#floor(offset - 1) + 1);
  }

  sync(): Promise<void> {
    return this.#file.sync();
  }

  close(): void {
    this.#file.close();
  }

  /** Index of the last entry with offset <= `offset`, or -1. */
  #floor(offset: number): number {
    let low = 0;
    let high = this.count - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      if (this.entry(middle).offset <= offset) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found;
  }
}
