// Zig-zag varints for the record hot path. Reader/Writer in src/protocol cover the
// request-level fields, but their varlong goes through BigInt (one allocation per call)
// and every read pays a bounds-check method call; records carry a varlong timestamp delta
// and several varints each, so decode, build and validation use these number-only
// versions instead. Values are exact within ±2^53, like every INT64 in the project.

import { CorruptRecordError } from "./errors.ts";

/** Reads varints and raw bytes from `bytes[position, end)`, failing on any read past `end`. */
export class VarintReader {
  readonly bytes: Uint8Array;
  /** Reads stop here; record walkers narrow it to one record and widen it back. */
  end: number;
  position: number;

  constructor(bytes: Uint8Array, position: number, end: number) {
    this.bytes = bytes;
    this.position = position;
    this.end = end;
  }

  #truncated(): CorruptRecordError {
    return new CorruptRecordError(`Cannot read record at position ${this.position}: record data is truncated`);
  }

  readInt8(): number {
    if (this.position >= this.end) throw this.#truncated();
    return (this.bytes[this.position++] << 24) >> 24;
  }

  /** Zig-zag varint of at most 5 bytes (a signed 32-bit value). */
  readVarint(): number {
    const bytes = this.bytes;
    let raw = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.position >= this.end) throw this.#truncated();
      const byte = bytes[this.position++];
      raw |= (byte & 0x7f) << shift;
      if (byte < 0x80) return (raw >>> 1) ^ -(raw & 1);
    }
    throw new CorruptRecordError(`Cannot read record at position ${this.position}: varint is longer than 5 bytes`);
  }

  /**
   * Zig-zag varlong of at most 10 bytes; exact within ±2^53. The sign bit is split off the
   * first byte so the magnitude is accumulated directly (2 * |value| could pass 2^53).
   */
  readVarlong(): number {
    if (this.position >= this.end) throw this.#truncated();
    const bytes = this.bytes;
    const first = bytes[this.position++];
    const negative = first & 1;
    let magnitude = (first & 0x7f) >>> 1;
    if (first >= 0x80) {
      let scale = 64;
      for (let i = 1; ; i++) {
        if (i === 10) throw new CorruptRecordError(`Cannot read record at position ${this.position}: varlong is longer than 10 bytes`);
        if (this.position >= this.end) throw this.#truncated();
        const byte = bytes[this.position++];
        magnitude += (byte & 0x7f) * scale;
        if (byte < 0x80) break;
        scale *= 128;
      }
    }
    return negative ? -magnitude - 1 : magnitude;
  }

  /** A view (not a copy) of the next `length` bytes. */
  readRaw(length: number): Uint8Array {
    const start = this.position;
    this.skip(length);
    return this.bytes.subarray(start, start + length);
  }

  skip(length: number): void {
    if (length < 0 || this.position + length > this.end) throw this.#truncated();
    this.position += length;
  }
}

function zigzag32(value: number): number {
  return ((value << 1) ^ (value >> 31)) >>> 0;
}

function unsignedSize(raw: number): number {
  let size = 1;
  for (let left = raw; left >= 128; left = Math.floor(left / 128)) size++;
  return size;
}

function writeUnsigned(bytes: Uint8Array, at: number, raw: number): number {
  let index = at;
  let left = raw;
  while (left >= 0x8000_0000) {
    bytes[index++] = (left % 128) | 0x80;
    left = Math.floor(left / 128);
  }
  while (left >= 0x80) {
    bytes[index++] = (left & 0x7f) | 0x80;
    left >>>= 7;
  }
  bytes[index++] = left;
  return index;
}

/** Encoded size of a zig-zag varint (signed 32-bit value). */
export function varintSize(value: number): number {
  return unsignedSize(zigzag32(value));
}

/** Encoded size of a zig-zag varlong. */
export function varlongSize(value: number): number {
  const magnitude = value >= 0 ? value : -value - 1;
  return magnitude < 64 ? 1 : 1 + unsignedSize(Math.floor(magnitude / 64));
}

/** Writes a zig-zag varint at `at`; returns the position after it. */
export function writeVarint(bytes: Uint8Array, at: number, value: number): number {
  return writeUnsigned(bytes, at, zigzag32(value));
}

/**
 * Writes a zig-zag varlong at `at`; returns the position after it. The first byte is built
 * from the sign and the low 6 bits of the magnitude, so values up to ±2^53 stay exact.
 */
export function writeVarlong(bytes: Uint8Array, at: number, value: number): number {
  const negative = value < 0 ? 1 : 0;
  const magnitude = negative ? -value - 1 : value;
  const high = Math.floor(magnitude / 64);
  const low = ((magnitude % 64) << 1) | negative;
  if (high === 0) {
    bytes[at] = low;
    return at + 1;
  }
  bytes[at] = low | 0x80;
  return writeUnsigned(bytes, at + 1, high);
}
