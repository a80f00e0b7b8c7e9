// The inputs of a merge as streams of terms in UTF-8 byte order, and their k-way merge
// (sealed-field-writers.ts writes what it yields). A sealed field's stream walks its mapped
// dictionary with one cursor and decodes each term's postings straight into the merge's buffer:
// a merge of millions of terms (log messages as keywords) makes no string, array or closure per
// term. Their garbage, hundreds of megabytes in a merge of 2M documents, came faster than
// collections and held RssAnon up.

import { ByteWriter, compareBytes } from "./byte-codec.ts";
import { type SortedDictionary, type TermCursor, termsPerBlock } from "./dictionary-codec.ts";
import type { PostingsBuffer } from "./postings-buffer.ts";

/** A term's postings as a field held in memory answers them; no frequencies means 1 each, no positions 0 each. */
export interface HeldPostings {
  docs: ArrayLike<number>;
  freqs: ArrayLike<number> | null;
  positions?: ArrayLike<number>;
}

/** One input's terms, in order. */
export interface TermStream {
  /** The current term is term[0, termLength) (valid until next()). */
  term: Uint8Array;
  termLength: number;
  /** Moves to the next term (the first, at the start); false at the end. */
  next(): boolean;
  /** Appends the current term's postings to `into`, documents plus `shift`; returns how many. */
  addTo(into: PostingsBuffer, shift: number, withPositions: boolean): number;
}

/** The terms of a sealed dictionary, read in place. */
export class DictionaryTermStream implements TermStream {
  term: Uint8Array;
  termLength = 0;
  readonly #dictionary: SortedDictionary;
  readonly #cursor: TermCursor;
  /** Whether postings carry frequencies (text) and positions follow them. */
  readonly #freqs: boolean;
  readonly #positions: boolean;
  #ordinal = -1;
  #pointer = 0;

  constructor(dictionary: SortedDictionary, freqs: boolean, positions: boolean) {
    this.#dictionary = dictionary;
    this.#cursor = dictionary.cursor();
    this.term = this.#cursor.term;
    this.#freqs = freqs;
    this.#positions = positions;
  }

  next(): boolean {
    const ordinal = ++this.#ordinal;
    if (ordinal >= this.#dictionary.count) return false;
    const cursor = this.#cursor;
    if (ordinal % termsPerBlock === 0) this.#pointer = this.#dictionary.loadBlock(cursor, ordinal / termsPerBlock);
    cursor.next();
    this.#pointer += cursor.pointerDelta;
    this.term = cursor.term;
    this.termLength = cursor.termLength;
    return true;
  }

  addTo(into: PostingsBuffer, shift: number, withPositions: boolean): number {
    const count = this.#cursor.docFreq;
    into.addEncoded(this.#dictionary.bytes, this.#pointer, count, shift, this.#freqs, this.#positions, withPositions);
    return count;
  }
}

/** The terms of a field held as strings (a live segment): each encoded, its postings read through `read`. */
export class StringTermStream implements TermStream {
  term = new Uint8Array(256);
  termLength = 0;
  readonly #terms: Iterator<string>;
  readonly #read: (term: string) => HeldPostings | null;
  readonly #encoder = new TextEncoder();
  #current = "";

  constructor(terms: Iterable<string>, read: (term: string) => HeldPostings | null) {
    this.#terms = terms[Symbol.iterator]();
    this.#read = read;
  }

  next(): boolean {
    const next = this.#terms.next();
    if (next.done) return false;
    const term = next.value;
    if (this.term.length < term.length * 3) this.term = new Uint8Array(term.length * 3);
    this.termLength = this.#encoder.encodeInto(term, this.term).written;
    this.#current = term;
    return true;
  }

  addTo(into: PostingsBuffer, shift: number, withPositions: boolean): number {
    const list = this.#read(this.#current);
    if (list === null) return 0;
    into.add(list.docs, list.freqs, shift);
    if (withPositions) into.addPositions(list.positions ?? new Uint32Array(list.docs.length));
    return list.docs.length;
  }
}

/** The ascending union of streams' terms: after each next(), `term` and the streams that hold it (`holders`). */
export class TermMerge {
  /** The current term (a copy: the streams move on). */
  readonly term = new ByteWriter(256);
  /** Positions in `streams` of the inputs holding the current term, ascending. */
  readonly holders: number[] = [];
  readonly #streams: readonly (TermStream | null)[];
  readonly #live: boolean[];
  /** What is merged, for errors: `the terms of "message"`. */
  readonly #what: string;

  constructor(streams: readonly (TermStream | null)[], what: string) {
    this.#streams = streams;
    this.#what = what;
    this.#live = streams.map((stream) => stream !== null && stream.next());
  }

  next(): boolean {
    const streams = this.#streams;
    const live = this.#live;
    const term = this.term;
    for (const i of this.holders) {
      const stream = streams[i]!;
      live[i] = stream.next();
      // The merge relies on each input's order; a disorder would silently lose terms.
      if (live[i] && compareBytes(stream.term, 0, stream.termLength, term.bytes, 0, term.length) <= 0) {
        const decoder = new TextDecoder();
        throw new Error(`Cannot merge ${this.#what}: input ${i} lists "${decoder.decode(stream.term.subarray(0, stream.termLength))}" after "${decoder.decode(term.view())}"`);
      }
    }
    this.holders.length = 0;
    let smallest = -1;
    for (let i = 0; i < streams.length; i++) {
      if (!live[i]) continue;
      const stream = streams[i]!;
      const order = smallest < 0 ? -1 : compareBytes(stream.term, 0, stream.termLength, streams[smallest]!.term, 0, streams[smallest]!.termLength);
      if (order < 0) {
        smallest = i;
        this.holders.length = 0;
      }
      if (order <= 0) this.holders.push(i);
    }
    if (smallest < 0) return false;
    const head = streams[smallest]!;
    term.reset();
    term.append(head.term, 0, head.termLength);
    return true;
  }
}
