// A sparse index file: fixed-size big-endian entries, appended in order. The entries are
// mirrored in memory (the same bytes as the file) so lookups never touch the disk; the
// file is written through on every append and fsynced when the segment is sealed.

import fs from "node:fs";
import { promisify } from "node:util";
import { StorageWriteError } from "./partition-log.ts";

const fsyncAsync = promisify(fs.fsync);

/**
 * Most entries one index holds. A segment rolls before its index fills, so this also bounds
 * an index's memory: 8 MiB for the offset index, 12 MiB for the time index.
 */
export const indexEntriesMax = 1 << 20;

const initialEntries = 64;

/** An index file failed its sanity checks; the caller rebuilds it from the log. */
export class IndexCorruptError extends Error {
  override name = "IndexCorruptError";
}

export class IndexFile {
  readonly path: string;
  readonly entryBytes: number;
  #bytes: Uint8Array;
  #view: DataView;
  #count: number;
  #fd: number | null = null;
  /** Entries or truncations since the last fsync (the fd may have been closed meanwhile). */
  #unsynced = false;
  /** A write-through failed (for example a full disk): the next sync rewrites the file from memory. */
  #fileBehind = false;

  private constructor(path: string, entryBytes: number, bytes: Uint8Array, count: number) {
    this.path = path;
    this.entryBytes = entryBytes;
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#count = count;
  }

  /** Creates (or empties) the file and opens it for appends. */
  static create(path: string, entryBytes: number): IndexFile {
    const index = new IndexFile(path, entryBytes, new Uint8Array(initialEntries * entryBytes), 0);
    index.#fd = fs.openSync(path, "w+");
    index.#unsynced = true;
    return index;
  }

  /** Reads the whole file; it must hold whole entries and no more than indexEntriesMax of them. */
  static load(path: string, entryBytes: number): IndexFile {
    let bytes: Uint8Array;
    try {
      bytes = fs.readFileSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new IndexCorruptError(`Index "${path}" is missing`);
      throw error;
    }
    if (bytes.length % entryBytes !== 0) {
      throw new IndexCorruptError(`Index "${path}" has ${bytes.length} bytes, not a multiple of ${entryBytes}`);
    }
    const count = bytes.length / entryBytes;
    if (count > indexEntriesMax) throw new IndexCorruptError(`Index "${path}" has ${count} entries, over ${indexEntriesMax}`);
    const copy = new Uint8Array(Math.max(initialEntries, count) * entryBytes);
    copy.set(bytes);
    return new IndexFile(path, entryBytes, copy, count);
  }

  get count(): number {
    return this.#count;
  }

  get isFull(): boolean {
    return this.#count >= indexEntriesMax;
  }

  /** Where entry `n` starts in `view`. */
  at(n: number): number {
    return n * this.entryBytes;
  }

  get view(): DataView {
    return this.#view;
  }

  /** Reserves the next entry, lets `fill` write it at the returned position of `view`, then writes it to the file. */
  append(fill: (view: DataView, at: number) => void): void {
    if (this.isFull) throw new Error(`Cannot append to index "${this.path}": it holds ${indexEntriesMax} entries`);
    const at = this.#count * this.entryBytes;
    if (at + this.entryBytes > this.#bytes.length) this.#grow();
    fill(this.#view, at);
    this.#count++;
    this.#unsynced = true;
    if (this.#fileBehind) return;
    try {
      fs.writeSync(this.#openFd(), this.#bytes, at, this.entryBytes, at);
    } catch {
      // The log batch this entry indexes is already written; the entry stays in memory and
      // the file catches up at the next sync (or is rebuilt from the log after a crash).
      this.#fileBehind = true;
    }
  }

  /** Keeps the first `count` entries, in memory and on disk. */
  truncate(count: number): void {
    if (count >= this.#count) return;
    this.#count = count;
    this.#unsynced = true;
    fs.ftruncateSync(this.#openFd(), count * this.entryBytes);
  }

  /**
   * Makes the file durable (at seal and close; recovery rebuilds unsealed indexes anyway),
   * reopening it if its fd was closed to save descriptors.
   */
  async sync(): Promise<void> {
    if (!this.#unsynced) return;
    this.#unsynced = false;
    try {
      const fd = this.#openFd();
      if (this.#fileBehind) this.#rewrite(fd);
      await fsyncAsync(fd);
    } catch (error) {
      this.#unsynced = true;
      throw error;
    }
  }

  /** Writes the whole file from memory after a failed write-through; a failure here is recoverable. */
  #rewrite(fd: number): void {
    const bytes = this.#count * this.entryBytes;
    try {
      let written = 0;
      while (written < bytes) written += fs.writeSync(fd, this.#bytes, written, bytes - written, written);
      fs.ftruncateSync(fd, bytes);
    } catch (error) {
      throw new StorageWriteError(`Cannot write index "${this.path}": ${(error as Error).message}`);
    }
    this.#fileBehind = false;
  }

  close(): void {
    if (this.#fd === null) return;
    fs.closeSync(this.#fd);
    this.#fd = null;
  }

  #openFd(): number {
    this.#fd ??= fs.openSync(this.path, "r+");
    return this.#fd;
  }

  #grow(): void {
    const grown = new Uint8Array(Math.min(this.#bytes.length * 2, indexEntriesMax * this.entryBytes));
    grown.set(this.#bytes);
    this.#bytes = grown;
    this.#view = new DataView(grown.buffer);
  }
}
