// A bound on the segments holding open files, shared by every log of a broker. Segments open
// their files on demand (a read, an append); each use marks the segment most recently used, and
// when more than `segmentsOpenMax` are open, the least recently used idle ones close their files
// (sealed ones also drop their indexes from memory). 1,000 partitions with many segments each
// therefore cost a bounded number of descriptors, not one set per segment on disk.

/** What the budget needs from a segment. */
export interface BudgetedFiles {
  /** Closes the files; false when they are busy (an fsync in flight) and must stay open. */
  release(): boolean;
}

/** Each open segment holds up to three descriptors: .log, .index, .timeindex. */
export const filesPerSegment = 3;

export class FileBudget {
  readonly segmentsOpenMax: number;
  /** Open segments, least recently used first (Map keeps insertion order). */
  #open = new Map<BudgetedFiles, true>();

  constructor(options: { filesOpenMax: number }) {
    if (!Number.isSafeInteger(options.filesOpenMax) || options.filesOpenMax < filesPerSegment) {
      throw new Error(`Invalid open files budget "${options.filesOpenMax}": expected an integer of at least ${filesPerSegment}`);
    }
    this.segmentsOpenMax = Math.floor(options.filesOpenMax / filesPerSegment);
  }

  /** Segments counted as open now. */
  get openCount(): number {
    return this.#open.size;
  }

  /** Marks `segment` as just used (it has, or is about to have, open files) and closes the idlest beyond the budget. */
  touch(segment: BudgetedFiles): void {
    this.#open.delete(segment);
    this.#open.set(segment, true);
    if (this.#open.size <= this.segmentsOpenMax) return;
    for (const candidate of this.#open.keys()) {
      if (this.#open.size <= this.segmentsOpenMax) break;
      if (candidate === segment) continue;
      if (candidate.release()) this.#open.delete(candidate);
    }
  }

  /** Stops tracking a segment that was closed or deleted. */
  forget(segment: BudgetedFiles): void {
    this.#open.delete(segment);
  }
}
