// The producer state snapshots of one partition folder: `<offset>.snapshot` files, each the state
// of the partition's producers after every record below its offset (format in
// producer-snapshot.ts). The engine writes one when a segment rolls and at a clean close, and
// at open rebuilds its state from the newest one plus the log after it. A snapshot is a
// shortcut, never the only copy: every fact in it is also in the log, so one that is missing or
// unreadable only makes the rebuild read more of the log.

import fs from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "./checkpoint.ts";
import type { StorageLogger } from "./logger.ts";
import { decodeProducerSnapshot, encodeProducerSnapshot, producerSnapshotFileName } from "./producer-snapshot.ts";
import type { ProducerSnapshotEntry } from "./producer-snapshot.ts";

/** Snapshots kept per partition: the newest, and one to fall back to should it be unreadable. */
export const producerSnapshotsRetained = 2;

const snapshotName = /^(\d{20})\.snapshot$/;

export interface LoadedSnapshot {
  offset: number;
  entries: ProducerSnapshotEntry[];
}

export class ProducerSnapshotFiles {
  readonly #dir: string;
  readonly #logger: StorageLogger;

  constructor(dir: string, logger: StorageLogger) {
    this.#dir = dir;
    this.#logger = logger;
  }

  /** Offsets of the snapshots in the folder, ascending. */
  offsets(): number[] {
    const offsets: number[] = [];
    for (const name of fs.readdirSync(this.#dir)) {
      const match = snapshotName.exec(name);
      if (match) offsets.push(Number(match[1]));
    }
    return offsets.sort((a, b) => a - b);
  }

  /**
   * The newest readable snapshot at or below `logEndOffset`, or null. Snapshots past the log end
   * (written before a crash cut the log short) and unreadable ones are deleted, with a warning
   * for the unreadable.
   */
  loadLatest(logEndOffset: number): LoadedSnapshot | null {
    for (const offset of this.offsets().toReversed()) {
      const file = this.#path(offset);
      if (offset > logEndOffset) {
        fs.rmSync(file, { force: true });
        continue;
      }
      try {
        return { offset, entries: decodeProducerSnapshot(fs.readFileSync(file)) };
      } catch (error) {
        this.#logger.warn(`Deleting unreadable producer snapshot "${file}": ${(error as Error).message}; the log after an older one is read instead`);
        fs.rmSync(file, { force: true });
      }
    }
    return null;
  }

  /** Writes the snapshot at `offset` atomically and durably, then deletes all but the newest retained. */
  async write(offset: number, entries: readonly ProducerSnapshotEntry[]): Promise<void> {
    await writeFileAtomic(this.#path(offset), encodeProducerSnapshot(entries));
    const offsets = this.offsets();
    for (const old of offsets.slice(0, Math.max(0, offsets.length - producerSnapshotsRetained))) {
      fs.rmSync(this.#path(old), { force: true });
    }
  }

  #path(offset: number): string {
    return path.join(this.#dir, producerSnapshotFileName(offset));
  }
}
