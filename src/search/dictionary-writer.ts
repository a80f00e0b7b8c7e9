// Writes a sealed segment's sorted dictionaries (sealed-format.ts describes the file): the
// postings go to the file as each term is added, while the dictionary's blocks and block index
// go to side files, copied after the postings when the dictionary is finished.

import { ByteWriter, compareBytes } from "./byte-codec.ts";
import { termsPerBlock, writeDictionaryBlock, writeTermEntry } from "./dictionary-codec.ts";
import type { FileSink } from "./file-sink.ts";
import { encodePositions, encodePostings } from "./postings-codec.ts";
import type { DictionaryMeta } from "./sealed-format.ts";

/** Growable typed arrays holding one term's postings (and positions) while they are merged. */
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

  addPositions(positions: ArrayLike<number>): void {
    const needed = this.positionCount + positions.length;
    if (needed > this.positions.length) {
      const grown = new Uint32Array(Math.max(needed, this.positions.length * 2));
      grown.set(this.positions.subarray(0, this.positionCount));
      this.positions = grown;
    }
    this.positions.set(positions, this.positionCount);
    this.positionCount = needed;
  }

  add(docs: ArrayLike<number>, freqs: ArrayLike<number> | null, shift: number): void {
    if (this.count + docs.length > this.docs.length) this.#grow(this.count + docs.length);
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

  #grow(needed: number): void {
    if (needed > this.docs.length) {
      const size = Math.max(needed, this.docs.length * 2);
      const grownDocs = new Uint32Array(size);
      grownDocs.set(this.docs.subarray(0, this.count));
      const grownFreqs = new Uint32Array(size);
      grownFreqs.set(this.freqs.subarray(0, this.count));
      this.docs = grownDocs;
      this.freqs = grownFreqs;
    }
  }

  /** Appends documents and counts held interleaved (doc, count, doc, count, …), as a live text field holds them. */
  addInterleaved(interleaved: readonly number[]): void {
    const pairs = interleaved.length >> 1;
    if (this.count + pairs > this.docs.length) this.#grow(this.count + pairs);
    const { docs, freqs } = this;
    let count = this.count;
    for (let i = 0; i < interleaved.length; i += 2) {
      docs[count] = interleaved[i];
      freqs[count++] = interleaved[i + 1];
    }
    this.count = count;
  }
}

/** Writes a sorted dictionary's blocks and block index to side files, its postings to the file. */
export class DictionaryWriter {
  readonly #file: FileSink;
  readonly #entries: FileSink;
  readonly #blocks: FileSink;
  /** The entries of the block being filled (at most termsPerBlock). */
  readonly #block = new ByteWriter(4096);
  readonly #encodedBlock = new ByteWriter(4096);
  readonly #postings = new ByteWriter(64 * 1024);
  readonly #encoder = new TextEncoder();
  /** What the dictionary holds, for errors: `the terms of "message"`. */
  readonly #what: string;
  #head = new Uint8Array(0);
  #previous = new Uint8Array(0);
  /** The term added last, for errors. */
  #previousTerm = "";
  #count = 0;
  #postingsAt = 0;
  #previousPointer = 0;

  constructor(file: FileSink, entries: FileSink, blocks: FileSink, what: string) {
    this.#what = what;
    this.#file = file;
    this.#entries = entries;
    this.#blocks = blocks;
    entries.restart();
    blocks.restart();
    this.#postingsAt = file.align();
  }

  /** Adds `term` with its postings: with frequencies (text) or documents only (keywords), and with positions when asked. */
  add(term: string, postings: PostingsBuffer, withFreqs: boolean, withPositions = false): void {
    const pointer = this.#file.position - this.#postingsAt;
    const bytes = this.#encoder.encode(term);
    // Checked in the bytes written, which order exactly as UTF-8 does: a disorder would make lookups miss terms.
    if (this.#count > 0 && compareBytes(bytes, 0, bytes.length, this.#previous, 0, this.#previous.length) <= 0) {
      throw new Error(`Cannot write ${this.#what}: input lists "${term}" after "${this.#previousTerm}"`);
    }
    this.#previousTerm = term;
    if (this.#count % termsPerBlock === 0) {
      this.#flushBlock();
      this.#blocks.float64(this.#entries.position);
      this.#blocks.float64(pointer);
      // The first entry shares the whole head, which the block stores before its entries.
      this.#head = bytes;
      this.#previous = bytes;
      this.#previousPointer = pointer;
    }
    writeTermEntry(this.#block, this.#previous, bytes, postings.count, pointer - this.#previousPointer);
    this.#previous = bytes;
    this.#previousPointer = pointer;
    this.#postings.reset();
    encodePostings(this.#postings, postings.docs, withFreqs ? postings.freqs : null, postings.count);
    if (withPositions) encodePositions(this.#postings, postings.freqs, postings.positions, postings.count);
    this.#file.writePrefix(this.#postings.bytes, this.#postings.length);
    this.#count++;
  }

  #flushBlock(): void {
    if (this.#block.length === 0) return;
    this.#encodedBlock.reset();
    writeDictionaryBlock(this.#encodedBlock, this.#head, this.#block.view());
    this.#entries.write(this.#encodedBlock.view());
    this.#block.reset();
  }

  /** Appends the blocks and the block index after the postings; returns the dictionary's metadata. */
  finish(): DictionaryMeta {
    this.#flushBlock();
    const postingsBytes = this.#file.position - this.#postingsAt;
    const dictAt = this.#file.align();
    this.#file.copyFrom(this.#entries);
    const dictBytes = this.#file.position - dictAt;
    const blocksAt = this.#file.align();
    this.#file.copyFrom(this.#blocks);
    return { count: this.#count, dictAt, dictBytes, blocksAt, postingsAt: this.#postingsAt, postingsBytes };
  }
}
