// The postings of a live field (live-segment.ts) as chains through flat typed arrays, as Lucene's
// in-memory postings live in int pools: each occurrence of a key (a term's or a value's number)
// appends its document (and position) and links from the key's previous occurrence. Adding
// allocates nothing per key or posting; an array per term and per posting, as before, cost
// twice the time of the term lookups themselves and left the collector millions of objects.
// Documents are added in ascending order, so a key's chain is in document order, and a
// document's occurrences of it are consecutive: frequencies are counted when a chain is read.

import type { PostingsBuffer } from "./postings-buffer.ts";
import type { PositionedPostings, Postings } from "./search-segment.ts";

const initialOccurrences = 1024;
const initialKeys = 256;

function grown(array: Int32Array, needed: number): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(Math.max(needed, 2 * array.length));
  bigger.set(array);
  return bigger;
}

export class OccurrenceChains {
  /** Whether occurrences keep a position (text fields) or not (keywords). */
  readonly #withPositions: boolean;
  /** By occurrence: its document, its position, the next occurrence of its key (-1: the last). */
  #docOf = new Int32Array(initialOccurrences);
  #positionOf: Int32Array;
  #nextOf = new Int32Array(initialOccurrences);
  #occurrences = 0;
  /** By key: its first and last occurrence, its number of documents, and of occurrences. */
  #first = new Int32Array(initialKeys);
  #last = new Int32Array(initialKeys);
  #docFreq = new Int32Array(initialKeys);
  #occurrenceCount = new Int32Array(initialKeys);
  #keys = 0;

  constructor(withPositions: boolean) {
    this.#withPositions = withPositions;
    this.#positionOf = new Int32Array(withPositions ? initialOccurrences : 0);
  }

  /** Keys seen so far: they are 0, 1, … in the order first added. */
  get keyCount(): number {
    return this.#keys;
  }

  /**
   * Adds an occurrence of `key` (at most keyCount: the next new key) in `doc` (never below its
   * last) at `position`; returns whether it is the key's first in `doc` (a new posting).
   */
  add(key: number, doc: number, position: number): boolean {
    const at = this.#occurrences;
    if (at === this.#docOf.length) this.#growOccurrences();
    this.#docOf[at] = doc;
    if (this.#withPositions) this.#positionOf[at] = position;
    this.#nextOf[at] = -1;
    this.#occurrences = at + 1;
    if (key === this.#keys) {
      if (key === this.#first.length) this.#growKeys();
      this.#keys++;
      this.#first[key] = at;
      this.#last[key] = at;
      this.#docFreq[key] = 1;
      this.#occurrenceCount[key] = 1;
      return true;
    }
    const previous = this.#last[key];
    this.#nextOf[previous] = at;
    this.#last[key] = at;
    this.#occurrenceCount[key]++;
    if (this.#docOf[previous] === doc) return false;
    this.#docFreq[key]++;
    return true;
  }

  docFreq(key: number): number {
    return this.#docFreq[key];
  }

  /** The key's documents ascending. */
  docs(key: number): Int32Array {
    const docs = new Int32Array(this.#docFreq[key]);
    let count = 0;
    let previous = -1;
    for (let at = this.#first[key]; at >= 0; at = this.#nextOf[at]) {
      const doc = this.#docOf[at];
      if (doc !== previous) docs[count++] = previous = doc;
    }
    return docs;
  }

  postings(key: number): Postings {
    const docs = new Int32Array(this.#docFreq[key]);
    const freqs = new Int32Array(docs.length);
    this.#walk(key, docs, freqs, 0, null, 0);
    return { docs, freqs };
  }

  positioned(key: number): PositionedPostings {
    const docs = new Int32Array(this.#docFreq[key]);
    const freqs = new Int32Array(docs.length);
    const positions = new Int32Array(this.#occurrenceCount[key]);
    this.#walk(key, docs, freqs, 0, positions, 0);
    return { docs, freqs, positions };
  }

  /** Appends the key's postings (and positions, when asked) to `buffer`: what a seal writes. */
  addTo(buffer: PostingsBuffer, key: number, withPositions: boolean): void {
    const count = buffer.count;
    const positionCount = buffer.positionCount;
    buffer.reserve(count + this.#docFreq[key], withPositions ? positionCount + this.#occurrenceCount[key] : 0);
    buffer.count += this.#walk(key, buffer.docs, buffer.freqs, count, withPositions ? buffer.positions : null, positionCount);
    if (withPositions) buffer.positionCount += this.#occurrenceCount[key];
  }

  /**
   * Writes the key's documents and their counts into the arrays from `at`, and (unless null) its
   * positions from `positionAt`; returns the number of documents.
   */
  #walk(key: number, docs: Int32Array | Uint32Array, freqs: Int32Array | Uint32Array, at: number, positions: Int32Array | Uint32Array | null, positionAt: number): number {
    let count = at;
    let previous = -1;
    let occurrence = positionAt;
    const docOf = this.#docOf;
    const nextOf = this.#nextOf;
    for (let at = this.#first[key]; at >= 0; at = nextOf[at]) {
      const doc = docOf[at];
      if (doc !== previous) {
        docs[count] = previous = doc;
        freqs[count++] = 1;
      } else freqs[count - 1]++;
      if (positions !== null) positions[occurrence++] = this.#positionOf[at];
    }
    return count - at;
  }

  #growOccurrences(): void {
    const needed = this.#occurrences + 1;
    this.#docOf = grown(this.#docOf, needed);
    this.#nextOf = grown(this.#nextOf, needed);
    if (this.#withPositions) this.#positionOf = grown(this.#positionOf, needed);
  }

  #growKeys(): void {
    const needed = this.#keys + 1;
    this.#first = grown(this.#first, needed);
    this.#last = grown(this.#last, needed);
    this.#docFreq = grown(this.#docFreq, needed);
    this.#occurrenceCount = grown(this.#occurrenceCount, needed);
  }
}
