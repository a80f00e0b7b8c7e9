// The buffered writer of sealed segment files (sealed-segment-writer.ts): the file itself, and the
// side files that hold a dictionary's blocks while its postings are written.

import fs from "node:fs";
import { crc32c } from "../records/crc32c.ts";

/** Bytes copied at a time from a side file (copyFrom). */
const copyChunkBytes = 256 * 1024;

/** Sequential writes to a file through a bounded buffer, with a running CRC32C of what was written. */
export class FileSink {
  readonly fd: number;
  readonly #buffer: Uint8Array;
  readonly #view: DataView;
  #buffered = 0;
  /** Bytes written so far (flushed or buffered). */
  position = 0;
  crc = 0;

  constructor(fd: number, bufferBytes: number) {
    this.fd = fd;
    this.#buffer = new Uint8Array(bufferBytes);
    this.#view = new DataView(this.#buffer.buffer);
  }

  flush(): void {
    let written = 0;
    while (written < this.#buffered) written += fs.writeSync(this.fd, this.#buffer, written, this.#buffered - written, this.position - this.#buffered + written);
    this.crc = crc32c(this.#buffer, 0, this.#buffered, this.crc);
    this.#buffered = 0;
  }

  #room(bytes: number): void {
    if (this.#buffered + bytes > this.#buffer.length) this.flush();
  }

  /** Writes `bytes[0, length)`: a writer's buffer, without a view made per write. */
  writePrefix(bytes: Uint8Array, length: number): void {
    if (this.#buffered + length <= this.#buffer.length) {
      const buffer = this.#buffer;
      let at = this.#buffered;
      // Postings of one term are mostly a few bytes: a loop beats making a view to copy from.
      if (length <= 64) for (let i = 0; i < length; i++) buffer[at++] = bytes[i];
      else buffer.set(bytes.subarray(0, length), at);
      this.#buffered += length;
      this.position += length;
      return;
    }
    this.write(bytes.subarray(0, length));
  }

  write(bytes: Uint8Array): void {
    if (this.#buffered + bytes.length <= this.#buffer.length) {
      this.#buffer.set(bytes, this.#buffered);
      this.#buffered += bytes.length;
      this.position += bytes.length;
      return;
    }
    for (let at = 0; at < bytes.length; ) {
      this.#room(1);
      const length = Math.min(bytes.length - at, this.#buffer.length - this.#buffered);
      this.#buffer.set(bytes.subarray(at, at + length), this.#buffered);
      this.#buffered += length;
      this.position += length;
      at += length;
    }
  }

  uint(value: number, width: number): void {
    if (this.#buffered + 4 > this.#buffer.length) this.flush();
    if (width === 1) this.#buffer[this.#buffered] = value;
    else if (width === 2) this.#view.setUint16(this.#buffered, value, true);
    else this.#view.setUint32(this.#buffered, value, true);
    this.#buffered += width;
    this.position += width;
  }

  float64(value: number): void {
    this.#room(8);
    this.#view.setFloat64(this.#buffered, value, true);
    this.#buffered += 8;
    this.position += 8;
  }

  /** Pads with zeros to a multiple of 8 and returns that position: where the next section starts. */
  align(): number {
    while (this.position % 8 !== 0) this.uint(0, 1);
    return this.position;
  }

  /** Appends the first `bytes` of `side`'s file. */
  copyFrom(side: FileSink): void {
    side.flush();
    const chunk = new Uint8Array(copyChunkBytes);
    for (let position = 0; position < side.position; ) {
      const length = fs.readSync(side.fd, chunk, 0, Math.min(chunk.length, side.position - position), position);
      if (length === 0) throw new Error(`Cannot copy a sealed segment's side file: it ends at ${position} of ${side.position} bytes`);
      this.write(chunk.subarray(0, length));
      position += length;
    }
  }

  /** Starts over at position 0 (side files are reused field after field). */
  restart(): void {
    this.flush();
    this.position = 0;
    this.crc = 0;
  }
}
