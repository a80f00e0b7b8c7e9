// Writes a sealed segment's sorted dictionaries (sealed-format.ts describes the file): the
// postings go to the file as each term is added, while the dictionary's blocks and block index
// go to side files, copied after the postings when the dictionary is finished.

import { ByteWriter, compareBytes } from "./byte-codec.ts";
import { termsPerBlock, writeDictionaryBlock, writeTermEntry } from "./dictionary-codec.ts";
import type { FileSink } from "./file-sink.ts";
import type { PostingsBuffer } from "./postings-buffer.ts";
import { encodePositions, encodePostings } from "./postings-codec.ts";
import type { DictionaryMeta } from "./sealed-format.ts";

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
  /** A string term's UTF-8 bytes (add). */
  #encoded = new Uint8Array(256);
  /** What the dictionary holds, for errors: `the terms of "message"`. */
  readonly #what: string;
  /** The first term of the block being filled, and the term added last (copies: callers reuse their buffers). */
  readonly #head = new ByteWriter(64);
  readonly #previous = new ByteWriter(64);
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
    // At most 3 UTF-8 bytes per UTF-16 unit.
    if (this.#encoded.length < term.length * 3) this.#encoded = new Uint8Array(term.length * 3);
    const { written } = this.#encoder.encodeInto(term, this.#encoded);
    this.addBytes(this.#encoded, written, postings, withFreqs, withPositions);
  }

  /** As add, with the term as its UTF-8 bytes `term[0, length)`. */
  addBytes(term: Uint8Array, length: number, postings: PostingsBuffer, withFreqs: boolean, withPositions = false): void {
    const pointer = this.#file.position - this.#postingsAt;
    const previous = this.#previous;
    // Checked in the bytes written, which order exactly as UTF-8 does: a disorder would make lookups miss terms.
    if (this.#count > 0 && compareBytes(term, 0, length, previous.bytes, 0, previous.length) <= 0) {
      const decoder = new TextDecoder();
      throw new Error(`Cannot write ${this.#what}: input lists "${decoder.decode(term.subarray(0, length))}" after "${decoder.decode(previous.view())}"`);
    }
    if (this.#count % termsPerBlock === 0) {
      this.#flushBlock();
      this.#blocks.float64(this.#entries.position);
      this.#blocks.float64(pointer);
      // The first entry shares the whole head, which the block stores before its entries.
      this.#head.reset();
      this.#head.append(term, 0, length);
      previous.reset();
      previous.append(term, 0, length);
      this.#previousPointer = pointer;
    }
    writeTermEntry(this.#block, previous.bytes, previous.length, term, length, postings.count, pointer - this.#previousPointer);
    previous.reset();
    previous.append(term, 0, length);
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
    writeDictionaryBlock(this.#encodedBlock, this.#head.view(), this.#block.view());
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
