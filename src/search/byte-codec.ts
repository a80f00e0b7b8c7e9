// The bytes of the sealed segment format (sealed-format.ts describes the file): a growable writer
// with unsigned varints, the varint reader, and comparisons of byte ranges (terms compare in
// UTF-8 byte order, in place).

/** A growable byte buffer with varint writers; it only grows to what one call sequence needs. */
export class ByteWriter {
  bytes: Uint8Array;
  length = 0;

  constructor(initialBytes = 1024) {
    this.bytes = new Uint8Array(Math.max(8, initialBytes));
  }

  reset(): void {
    this.length = 0;
  }

  /** The written bytes (a view, valid until the next write). */
  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  ensure(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < needed) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  byte(value: number): void {
    this.ensure(1);
    this.bytes[this.length++] = value;
  }

  /** An unsigned varint; exact up to 2^53. */
  varint(value: number): void {
    this.ensure(10);
    const bytes = this.bytes;
    let at = this.length;
    if (value < 0x8000_0000) {
      while (value >= 0x80) {
        bytes[at++] = (value & 0x7f) | 0x80;
        value >>>= 7;
      }
    } else {
      while (value >= 0x80) {
        bytes[at++] = (value % 128) | 0x80;
        value = Math.floor(value / 128);
      }
    }
    this.bytes[at++] = value;
    this.length = at;
  }

  append(bytes: Uint8Array, start = 0, end = bytes.length): void {
    this.ensure(end - start);
    const into = this.bytes;
    let at = this.length;
    if (end - start <= 64) {
      // A term's suffix, most often: a loop (over locals: a store to this.length per byte cost more than the copy) beats making a view to copy from.
      for (let i = start; i < end; i++) into[at++] = bytes[i];
    } else {
      into.set(bytes.subarray(start, end), at);
      at += end - start;
    }
    this.length = at;
  }
}

/** A position in bytes being read. */
export interface ByteCursor {
  at: number;
}

/** Reads an unsigned varint at `cursor.at` and moves past it. */
export function readVarint(bytes: Uint8Array, cursor: ByteCursor): number {
  let at = cursor.at;
  let byte = bytes[at++];
  let value = byte & 0x7f;
  let scale = 128;
  while (byte >= 0x80) {
    byte = bytes[at++];
    value += (byte & 0x7f) * scale;
    scale *= 128;
  }
  cursor.at = at;
  return value;
}

/** Compares `a[aStart, aEnd)` with `b[bStart, bEnd)` as unsigned bytes, a shorter prefix first. */
export function compareBytes(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number): number {
  const length = Math.min(aEnd - aStart, bEnd - bStart);
  for (let i = 0; i < length; i++) {
    const difference = a[aStart + i] - b[bStart + i];
    if (difference !== 0) return difference;
  }
  return aEnd - aStart - (bEnd - bStart);
}

/** Whether `bytes[0, length)` starts with `prefix`. */
export function startsWithBytes(bytes: Uint8Array, length: number, prefix: Uint8Array): boolean {
  if (length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

/** The narrowest of 1, 2 or 4 bytes that holds `max`. */
export function widthOf(max: number): 1 | 2 | 4 {
  return max <= 0xff ? 1 : max <= 0xffff ? 2 : 4;
}
