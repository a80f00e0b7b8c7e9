// LZ4 block format (https://github.com/lz4/lz4/blob/dev/doc/lz4_Block_format.md): a run of
// sequences, each a token (literal length << 4 | match length - 4), extra length bytes,
// literals, a 2-byte little-endian match offset, extra match length bytes.
//
// Written here rather than taken from lz4js because lz4js's block encoder can start the last
// match 10 bytes before the block end, which the reference decoder (used by Java clients
// and librdkafka) rejects for full-size blocks, and its decoder does no bounds checks, which
// matters for bytes that arrive from the network.

import { CompressionError } from "../errors.ts";

const minMatch = 4;
/** The last 5 bytes of a block are always literals. */
const lastLiterals = 5;
/** The last match must start at least 12 bytes before the end of the block. */
const matchFindLimit = 12;
const offsetMax = 65535;
const hashBits = 12;
/** After 2^skipTrigger misses in a row the encoder steps faster through incompressible data. */
const skipTrigger = 6;
/** Copies shorter than this run as byte loops: cheaper than a subarray view plus set/copyWithin. */
const shortCopyBytes = 32;

/** Largest output `compressBlock` can produce for `length` input bytes. */
export function compressBlockBound(length: number): number {
  return length + Math.floor(length / 255) + 16;
}

function readUint32LE(bytes: Uint8Array, at: number): number {
  return bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24);
}

function writeLength(dst: Uint8Array, at: number, remainder: number): number {
  let index = at;
  let left = remainder;
  while (left >= 255) {
    dst[index++] = 255;
    left -= 255;
  }
  dst[index++] = left;
  return index;
}

function writeLiterals(src: Uint8Array, from: number, to: number, dst: Uint8Array, at: number, matchCode: number): number {
  const literalLength = to - from;
  let index = at + 1;
  if (literalLength >= 15) {
    dst[at] = 0xf0 | matchCode;
    index = writeLength(dst, index, literalLength - 15);
  } else {
    dst[at] = (literalLength << 4) | matchCode;
  }
  dst.set(src.subarray(from, to), index);
  return index + literalLength;
}

/**
 * Compresses `src[start, end)` as one independent block into `dst` (sized by
 * `compressBlockBound`); returns the compressed length.
 */
export function compressBlock(src: Uint8Array, start: number, end: number, dst: Uint8Array, hashTable: Int32Array): number {
  hashTable.fill(0);
  let out = 0;
  let anchor = start;
  let index = start;
  const matchStartLimit = end - matchFindLimit;
  const matchEndLimit = end - lastLiterals;
  let misses = 1 << skipTrigger;
  while (index <= matchStartLimit) {
    const sequence = readUint32LE(src, index);
    const hash = Math.imul(sequence, 2654435761) >>> (32 - hashBits);
    const candidate = hashTable[hash] - 1;
    hashTable[hash] = index + 1;
    if (candidate < start || index - candidate > offsetMax || readUint32LE(src, candidate) !== sequence) {
      index += misses++ >> skipTrigger;
      continue;
    }
    misses = 1 << skipTrigger;
    let matchEnd = index + minMatch;
    let reference = candidate + minMatch;
    while (matchEnd < matchEndLimit && src[matchEnd] === src[reference]) {
      matchEnd++;
      reference++;
    }
    const matchCode = matchEnd - index - minMatch;
    const tokenAt = out;
    out = writeLiterals(src, anchor, index, dst, out, Math.min(matchCode, 15));
    const offset = index - candidate;
    dst[out++] = offset & 0xff;
    dst[out++] = offset >>> 8;
    if (matchCode >= 15) out = writeLength(dst, out, matchCode - 15);
    else dst[tokenAt] = (dst[tokenAt] & 0xf0) | matchCode;
    index = matchEnd;
    anchor = index;
  }
  return writeLiterals(src, anchor, end, dst, out, 0);
}

function readLength(src: Uint8Array, at: number, end: number, into: { index: number }): number {
  let length = 0;
  let index = at;
  let byte: number;
  do {
    if (index >= end) throw new CompressionError("Cannot decompress LZ4 block: length runs past the block end");
    byte = src[index++];
    length += byte;
  } while (byte === 255);
  into.index = index;
  return length;
}

/**
 * Decompresses the block `src[start, end)` into `dst` from `dstStart`, writing no further
 * than `dstEnd`. Matches may reach back to `windowStart` (the block start for independent
 * blocks, earlier output for linked ones). Returns the new output position, or -1 when
 * the output would pass `dstEnd`.
 */
export function decompressBlock(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  dstStart: number,
  dstEnd: number,
  windowStart: number,
): number {
  const cursor = { index: 0 };
  let index = start;
  let out = dstStart;
  for (;;) {
    if (index >= end) throw new CompressionError("Cannot decompress LZ4 block: it ends without final literals");
    const token = src[index++];
    let literalLength = token >>> 4;
    if (literalLength === 15) {
      literalLength += readLength(src, index, end, cursor);
      index = cursor.index;
    }
    if (index + literalLength > end) throw new CompressionError("Cannot decompress LZ4 block: literals run past the block end");
    if (out + literalLength > dstEnd) return -1;
    if (literalLength < shortCopyBytes) {
      for (let i = 0; i < literalLength; i++) dst[out + i] = src[index + i];
    } else {
      dst.set(src.subarray(index, index + literalLength), out);
    }
    index += literalLength;
    out += literalLength;
    if (index === end) return out;
    if (index + 2 > end) throw new CompressionError("Cannot decompress LZ4 block: match offset runs past the block end");
    const offset = src[index] | (src[index + 1] << 8);
    index += 2;
    if (offset === 0 || out - offset < windowStart) {
      throw new CompressionError(`Cannot decompress LZ4 block: match offset "${offset}" points before the window`);
    }
    let matchLength = token & 15;
    if (matchLength === 15) {
      matchLength += readLength(src, index, end, cursor);
      index = cursor.index;
    }
    matchLength += minMatch;
    if (out + matchLength > dstEnd) return -1;
    let from = out - offset;
    if (offset >= matchLength && matchLength >= shortCopyBytes) {
      dst.copyWithin(out, from, from + matchLength);
      out += matchLength;
    } else {
      // Short or overlapping (repeating the last `offset` bytes): copy byte by byte, front to back.
      const matchEnd = out + matchLength;
      while (out < matchEnd) dst[out++] = dst[from++];
    }
  }
}
