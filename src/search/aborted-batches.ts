// The aborted transactions of a partition, as search needs them: whether a transactional batch
// belongs to one (its records are never indexed, as a read_committed consumer never sees them).
// The broker sends them to the search thread with the partition's offsets; sorted per producer.

/** An aborted transaction: the producer's records from firstOffset to the abort marker at lastOffset. */
export interface AbortedRange {
  producerId: number;
  firstOffset: number;
  lastOffset: number;
}

export class AbortedBatches {
  readonly #byProducer = new Map<number, AbortedRange[]>();

  /** Adds ranges (again-sent ones are ignored). */
  add(ranges: readonly AbortedRange[]): void {
    for (const range of ranges) {
      const list = this.#byProducer.get(range.producerId) ?? [];
      if (list.some((entry) => entry.lastOffset === range.lastOffset)) continue;
      list.push({ producerId: range.producerId, firstOffset: range.firstOffset, lastOffset: range.lastOffset });
      list.sort((a, b) => a.firstOffset - b.firstOffset);
      this.#byProducer.set(range.producerId, list);
    }
  }

  /** Whether the transactional batch of `producerId` at `offset` was aborted. */
  covers(producerId: number, offset: number): boolean {
    const list = this.#byProducer.get(producerId);
    return list !== undefined && list.some((entry) => entry.firstOffset <= offset && offset < entry.lastOffset);
  }

  /** The ranges with records in [fromOffset, toOffset). */
  rangesIn(fromOffset: number, toOffset: number): AbortedRange[] {
    return [...this.#byProducer.values()].flat().filter((entry) => entry.lastOffset >= fromOffset && entry.firstOffset < toOffset);
  }

  /** Forgets ranges wholly below the log start. */
  dropBelow(logStartOffset: number): void {
    for (const [producerId, list] of this.#byProducer) {
      const kept = list.filter((entry) => entry.lastOffset >= logStartOffset);
      if (kept.length === 0) this.#byProducer.delete(producerId);
      else this.#byProducer.set(producerId, kept);
    }
  }
}
