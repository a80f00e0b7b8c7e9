// One term's postings (documents, frequencies, positions) gathered in growable typed arrays while
// a seal or a merge writes them (dictionary-writer.ts encodes them). The buffer is reused term
// after term, so it grows to the largest term's postings and no term allocates anew.

import { decodePositionsAt, decodePostingsAt, sumOf } from "./postings-codec.ts";

export class PostingsBuffer {
  docs = new Uint32Array(1024);
  freqs = new Uint32Array(1024);
  count = 0;
  positions = new Uint32Array(1024);
  positionCount = 0;

  /** Empties the buffer for the next term. */
  clear(): void {
    this.count = 0;
    this.positionCount = 0;
  }

  /** Makes room for `count` postings and `positionCount` positions in all, so they can be written in place. */
  reserve(count: number, positionCount: number): void {
    this.#grow(count);
    this.#growPositions(positionCount);
  }

  addPositions(positions: ArrayLike<number>): void {
    this.#growPositions(this.positionCount + positions.length);
    this.positions.set(positions, this.positionCount);
    this.positionCount += positions.length;
  }

  /** Appends documents (each plus `shift`) with their frequencies, or 1 each when `freqs` is null. */
  add(docs: ArrayLike<number>, freqs: ArrayLike<number> | null, shift: number): void {
    this.#grow(this.count + docs.length);
    const into = this.docs;
    const intoFreqs = this.freqs;
    let count = this.count;
    if (freqs === null) {
      for (let i = 0; i < docs.length; i++) {
        into[count] = docs[i] + shift;
        intoFreqs[count++] = 1;
      }
    } else {
      for (let i = 0; i < docs.length; i++) {
        into[count] = docs[i] + shift;
        intoFreqs[count++] = freqs[i];
      }
    }
    this.count = count;
  }

  /**
   * Appends the `count` postings encoded at `at` in `bytes` (postings-codec.ts), each document
   * plus `shift`: with their frequencies (`withFreqs`, else 1 each); when `withPositions`, with
   * the positions that follow them (`positionsFollow`), else position 0 for each occurrence.
   */
  addEncoded(bytes: Uint8Array, at: number, count: number, shift: number, withFreqs: boolean, positionsFollow: boolean, withPositions: boolean): void {
    this.#grow(this.count + count);
    const end = decodePostingsAt(bytes, at, count, this.docs, withFreqs ? this.freqs : null, this.count, shift);
    if (!withFreqs) this.freqs.fill(1, this.count, this.count + count);
    if (withPositions) {
      const occurrences = sumOf(this.freqs, this.count, count);
      this.#growPositions(this.positionCount + occurrences);
      if (positionsFollow) decodePositionsAt(bytes, end, this.freqs, this.count, count, this.positions, this.positionCount);
      else this.positions.fill(0, this.positionCount, this.positionCount + occurrences);
      this.positionCount += occurrences;
    }
    this.count += count;
  }

  #grow(needed: number): void {
    if (needed <= this.docs.length) return;
    const size = Math.max(needed, this.docs.length * 2);
    const grownDocs = new Uint32Array(size);
    grownDocs.set(this.docs.subarray(0, this.count));
    const grownFreqs = new Uint32Array(size);
    grownFreqs.set(this.freqs.subarray(0, this.count));
    this.docs = grownDocs;
    this.freqs = grownFreqs;
  }

  #growPositions(needed: number): void {
    if (needed <= this.positions.length) return;
    const grown = new Uint32Array(Math.max(needed, this.positions.length * 2));
    grown.set(this.positions.subarray(0, this.positionCount));
    this.positions = grown;
  }
}
