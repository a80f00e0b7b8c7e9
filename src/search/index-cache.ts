// The memory budget of search (--search-memory-mb): sealed segment indexes stay loaded while
// they fit, least recently used first out. Active segments' indexes cannot be evicted (they are
// the only copy until sealed) but count against the budget, so a busy broker keeps fewer
// sealed indexes resident.

import type { SegmentIndex } from "./segment-index.ts";

export class IndexCache {
  readonly budgetBytes: number;
  /** Insertion order is recency order: the first entry is the least recently used. */
  #entries = new Map<string, SegmentIndex>();
  #residentBytes = 0;
  #activeBytes: () => number;
  evictions = 0;

  constructor(budgetBytes: number, activeBytes: () => number) {
    this.budgetBytes = budgetBytes;
    this.#activeBytes = activeBytes;
  }

  get residentBytes(): number {
    return this.#residentBytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): SegmentIndex | undefined {
    const index = this.#entries.get(key);
    if (index) {
      this.#entries.delete(key);
      this.#entries.set(key, index);
    }
    return index;
  }

  put(key: string, index: SegmentIndex): void {
    this.delete(key);
    this.#entries.set(key, index);
    this.#residentBytes += index.estimatedBytes;
    this.trim();
  }

  delete(key: string): void {
    const index = this.#entries.get(key);
    if (!index) return;
    this.#entries.delete(key);
    this.#residentBytes -= index.estimatedBytes;
  }

  /** Evicts least recently used indexes until sealed plus active fit the budget (the newest one always stays). */
  trim(): void {
    for (const [key, index] of this.#entries) {
      if (this.#entries.size <= 1 || this.#residentBytes + this.#activeBytes() <= this.budgetBytes) return;
      this.#entries.delete(key);
      this.#residentBytes -= index.estimatedBytes;
      this.evictions++;
    }
  }
}
