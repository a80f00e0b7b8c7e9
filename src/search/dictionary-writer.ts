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
  /** Two buffers add() encodes string terms into by turns: the other one still holds the term before. */
  readonly #encoded = [new Uint8Array(256), new Uint8Array(256)];
  #turn = 0;
  /** What the dictionary holds, for errors: `the terms of "message"`. */
  readonly #what: string;
  /** The first term of the block being filled (a copy: callers reuse their buffers). */
  readonly #head = new ByteWriter(64);
  /** The term added last is previousBytes[0, previousLength): add()'s other buffer, or addBytes' copy. */
  #previousBytes: Uint8Array = new Uint8Array(0);
  #previousLength = 0;
  readonly #copy = new ByteWriter(64);
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
    let buffer = this.#encoded[this.#turn];
    // At most 3 UTF-8 bytes per UTF-16 unit.
    if (buffer.length < term.length * 3) this.#encoded[this.#turn] = buffer = new Uint8Array(term.length * 3);
    const { written } = this.#encoder.encodeInto(term, buffer);
    this.#write(buffer, written, postings, withFreqs, withPositions);
    // The next term is encoded into the other buffer, so this one needs no copy to be the previous.
    this.#previousBytes = buffer;
    this.#previousLength = written;
    this.#turn ^= 1;
  }

  /** As add, with the term as its UTF-8 bytes `term[0, length)`. */
  addBytes(term: Uint8Array, length: number, postings: PostingsBuffer, withFreqs: boolean, withPositions = false): void {
    this.#write(term, length, postings, withFreqs, withPositions);
    this.#copy.reset();
    this.#copy.append(term, 0, length);
    this.#previousBytes = this.#copy.bytes;
    this.#previousLength = length;
  }

  #write(term: Uint8Array, length: number, postings: PostingsBuffer, withFreqs: boolean, withPositions: boolean): void {
    const pointer = this.#file.position - this.#postingsAt;
    // Checked in the bytes written, which order exactly as UTF-8 does: a disorder would make lookups miss terms.
    if (this.#count > 0 && compareBytes(term, 0, length, this.#previousBytes, 0, this.#previousLength) <= 0) {
      const decoder = new TextDecoder();
      throw new Error(`Cannot write ${this.#what}: input lists "${decoder.decode(term.subarray(0, length))}" after "${decoder.decode(this.#previousBytes.subarray(0, this.#previousLength))}"`);
    }
    if (this.#count % termsPerBlock === 0) {
      this.#flushBlock();
      this.#blocks.float64(this.#entries.position);
      this.#blocks.float64(pointer);
      // The first entry shares the whole head, which the block stores before its entries.
      this.#head.reset();
      this.#head.append(term, 0, length);
      writeTermEntry(this.#block, term, length, term, length, postings.count, 0);
    } else writeTermEntry(this.#block, this.#previousBytes, this.#previousLength, term, length, postings.count, pointer - this.#previousPointer);
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
