// LZ4 frame format, as Kafka's lz4 codec carries it
// (https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md):
//
// Frame => magic:uint32le(0x184D2204) FLG:uint8 BD:uint8 [contentSize:uint64le] [dictId:uint32le]
//          headerChecksum:uint8 Block* endMark:uint32le(0) [contentChecksum:uint32le]
// Block => size:uint32le (high bit set: stored uncompressed) data [blockChecksum:uint32le]
// FLG   => version:2 (01) blockIndependence:1 blockChecksum:1 contentSize:1 contentChecksum:1 reserved:1 dictId:1
// BD    => reserved:1 blockMaxSize:3 (4=64KB 5=256KB 6=1MB 7=4MB) reserved:4
//
// lz4js parses frames too, but it reads a block checksum as if it preceded the block data
// (it follows it), so frames with block checksums decode to garbage, and it verifies
// nothing; the frame is therefore handled here.

import { CompressionError, DecompressedSizeError } from "../errors.ts";
import { compressBlock, compressBlockBound, decompressBlock } from "./lz4-block.ts";
import { xxhash32 } from "./xxhash32.ts";

const frameMagic = 0x184d2204;
const Flag = {
  versionMask: 0xc0,
  version1: 0x40,
  blockIndependence: 0x20,
  blockChecksum: 0x10,
  contentSize: 0x08,
  contentChecksum: 0x04,
  reserved: 0x02,
  dictionaryId: 0x01,
} as const;
const uncompressedBlockBit = 0x8000_0000;
/** Blocks of 64 KiB (BD code 4), as Java's KafkaLZ4BlockOutputStream writes. */
const blockBytesMaxCode = 4;
const blockBytesMax = 1 << (8 + 2 * blockBytesMaxCode);

function readUint32LE(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
}

function writeUint32LE(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value & 0xff;
  bytes[at + 1] = (value >>> 8) & 0xff;
  bytes[at + 2] = (value >>> 16) & 0xff;
  bytes[at + 3] = value >>> 24;
}

function corrupt(detail: string): CompressionError {
  return new CompressionError(`Cannot decompress LZ4 frame: ${detail}`);
}

/**
 * Compresses into one LZ4 frame with independent 64 KiB blocks and no checksums besides
 * the header's: the shape Java's producer writes, which Java and librdkafka both read.
 */
export function compressLz4(bytes: Uint8Array): Uint8Array {
  const blockCount = Math.ceil(bytes.length / blockBytesMax);
  const frame = new Uint8Array(7 + blockCount * (4 + compressBlockBound(blockBytesMax)) + 4);
  writeUint32LE(frame, 0, frameMagic);
  frame[4] = Flag.version1 | Flag.blockIndependence;
  frame[5] = blockBytesMaxCode << 4;
  frame[6] = (xxhash32(frame, 4, 6) >>> 8) & 0xff;
  let out = 7;
  const scratch = new Uint8Array(compressBlockBound(blockBytesMax));
  const hashTable = new Int32Array(1 << 12);
  for (let start = 0; start < bytes.length; start += blockBytesMax) {
    const end = Math.min(start + blockBytesMax, bytes.length);
    const compressedLength = compressBlock(bytes, start, end, scratch, hashTable);
    if (compressedLength < end - start) {
      writeUint32LE(frame, out, compressedLength);
      frame.set(scratch.subarray(0, compressedLength), out + 4);
      out += 4 + compressedLength;
    } else {
      writeUint32LE(frame, out, (uncompressedBlockBit | (end - start)) >>> 0);
      frame.set(bytes.subarray(start, end), out + 4);
      out += 4 + end - start;
    }
  }
  writeUint32LE(frame, out, 0);
  return frame.slice(0, out + 4);
}

interface FrameHeader {
  flags: number;
  blockBytesMax: number;
  contentSize: number | null;
  /** Where the first block starts. */
  end: number;
}

function readFrameHeader(bytes: Uint8Array): FrameHeader {
  if (bytes.length < 7) throw corrupt(`${bytes.length} bytes are too short for a frame header`);
  const magic = readUint32LE(bytes, 0);
  if (magic !== frameMagic) throw corrupt(`magic "0x${magic.toString(16)}" is not "0x184d2204"`);
  const flags = bytes[4];
  if ((flags & Flag.versionMask) !== Flag.version1) throw corrupt(`unsupported frame version in flags "0x${flags.toString(16)}"`);
  if (flags & Flag.reserved) throw corrupt(`reserved flag bit is set in "0x${flags.toString(16)}"`);
  if (flags & Flag.dictionaryId) throw corrupt("frames that need a dictionary are not supported");
  const descriptor = bytes[5];
  const sizeCode = (descriptor >>> 4) & 0x07;
  if ((descriptor & 0x8f) !== 0 || sizeCode < 4) throw corrupt(`invalid block descriptor "0x${descriptor.toString(16)}"`);
  let at = 6;
  let contentSize: number | null = null;
  if (flags & Flag.contentSize) {
    if (bytes.length < at + 9) throw corrupt("header ends inside the content size");
    contentSize = readUint32LE(bytes, at) + readUint32LE(bytes, at + 4) * 0x1_0000_0000;
    at += 8;
  }
  const expected = (xxhash32(bytes, 4, at) >>> 8) & 0xff;
  if (bytes[at] !== expected) throw corrupt(`header checksum "${bytes[at]}" does not match "${expected}"`);
  return { flags, blockBytesMax: 1 << (8 + 2 * sizeCode), contentSize, end: at + 1 };
}

/** A growable output that never grows past `bytesMax`. */
class BoundedOutput {
  bytes: Uint8Array;
  length = 0;
  readonly #bytesMax: number;

  constructor(initialBytes: number, bytesMax: number) {
    this.#bytesMax = bytesMax;
    this.bytes = new Uint8Array(Math.min(initialBytes, bytesMax));
  }

  /** Makes room for `count` more bytes, capped at the limit; returns the usable end. */
  reserve(count: number): number {
    const wanted = Math.min(this.length + count, this.#bytesMax);
    if (wanted > this.bytes.length) {
      const grown = new Uint8Array(Math.min(Math.max(wanted, this.bytes.length * 2), this.#bytesMax));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    return wanted;
  }
}

/** Decompresses one LZ4 frame, refusing to produce more than `outputBytesMax` bytes. */
export function decompressLz4(bytes: Uint8Array, outputBytesMax: number): Uint8Array {
  const header = readFrameHeader(bytes);
  if (header.contentSize !== null && header.contentSize > outputBytesMax) {
    throw new DecompressedSizeError("lz4", outputBytesMax);
  }
  const blockChecksums = (header.flags & Flag.blockChecksum) !== 0;
  const linkedBlocks = (header.flags & Flag.blockIndependence) === 0;
  const output = new BoundedOutput(header.contentSize ?? header.blockBytesMax, outputBytesMax);
  let at = header.end;
  for (;;) {
    if (at + 4 > bytes.length) throw corrupt("frame ends before its end mark");
    const word = readUint32LE(bytes, at);
    at += 4;
    if (word === 0) break;
    const size = word & ~uncompressedBlockBit;
    const dataEnd = at + size;
    if (size > header.blockBytesMax) throw corrupt(`block of ${size} bytes exceeds the frame's ${header.blockBytesMax}`);
    if (dataEnd + (blockChecksums ? 4 : 0) > bytes.length) throw corrupt("frame ends inside a block");
    if (blockChecksums && xxhash32(bytes, at, dataEnd) !== readUint32LE(bytes, dataEnd)) {
      throw corrupt("block checksum mismatch");
    }
    const writableEnd = output.reserve(header.blockBytesMax);
    const blockEnd = output.length + header.blockBytesMax;
    let written: number;
    if (word & uncompressedBlockBit) {
      written = output.length + size <= writableEnd ? output.length + size : -1;
      if (written !== -1) output.bytes.set(bytes.subarray(at, dataEnd), output.length);
    } else {
      const windowStart = linkedBlocks ? 0 : output.length;
      written = decompressBlock(bytes, at, dataEnd, output.bytes, output.length, writableEnd, windowStart);
    }
    if (written === -1) {
      if (writableEnd < blockEnd) throw new DecompressedSizeError("lz4", outputBytesMax);
      throw corrupt(`block decompresses to more than ${header.blockBytesMax} bytes`);
    }
    output.length = written;
    at = dataEnd + (blockChecksums ? 4 : 0);
  }
  if (header.flags & Flag.contentChecksum) {
    if (at + 4 > bytes.length) throw corrupt("frame ends inside the content checksum");
    if (xxhash32(output.bytes, 0, output.length) !== readUint32LE(bytes, at)) throw corrupt("content checksum mismatch");
    at += 4;
  }
  if (header.contentSize !== null && header.contentSize !== output.length) {
    throw corrupt(`content is ${output.length} bytes, the header says ${header.contentSize}`);
  }
  if (at !== bytes.length) throw corrupt(`${bytes.length - at} unexpected bytes after the end mark`);
  return output.bytes.subarray(0, output.length);
}
