// Size-prefixed frames: every Kafka request and response is INT32 size + that many bytes
// (header then body). FrameSplitter turns a byte stream arriving in arbitrary chunks back
// into frames, bounded by a maximum frame size so a lying prefix cannot make us buffer
// gigabytes.

import { type RequestHeader, encodeRequestHeader, encodeResponseHeader } from "./headers.ts";
import { Writer } from "./writer.ts";

/** Bytes of the INT32 size prefix in front of every frame. */
export const frameSizePrefixBytes = 4;
/** First buffer for a frame that spans chunks; it doubles as bytes arrive, up to the frame's size. */
export const partialFrameBytesInitial = 64 * 1024;

/** Thrown when a frame's size prefix is negative or above the allowed maximum. */
export class FrameSizeError extends Error {
  override name = "FrameSizeError";
}

/** Size prefix + request header + body, as one buffer ready to write to a socket. */
export function encodeRequestFrame(header: RequestHeader, body: (writer: Writer) => void): Uint8Array {
  const writer = new Writer();
  const sizeAt = writer.reserveInt32();
  encodeRequestHeader(writer, header);
  body(writer);
  writer.patchInt32(sizeAt, writer.offset - frameSizePrefixBytes);
  return writer.finish();
}

/** Size prefix + response header (its version chosen by API key and version) + body. */
export function encodeResponseFrame(
  apiKey: number,
  apiVersion: number,
  correlationId: number,
  body: (writer: Writer) => void,
): Uint8Array {
  const writer = new Writer();
  const sizeAt = writer.reserveInt32();
  encodeResponseHeader(writer, apiKey, apiVersion, correlationId);
  body(writer);
  writer.patchInt32(sizeAt, writer.offset - frameSizePrefixBytes);
  return writer.finish();
}

/** The INT32 size prefix at `offset`, or null when fewer than 4 bytes are there. */
export function readFrameSize(bytes: Uint8Array, offset: number): number | null {
  if (bytes.length - offset < frameSizePrefixBytes) return null;
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) | 0;
}

/**
 * Splits a stream of chunks into frames (the bytes after each size prefix). Frames that lie
 * wholly inside one chunk are returned as views of that chunk, without copying; so a caller
 * that keeps a frame after the socket reuses its buffer must copy it. Only a frame that spans
 * chunks is assembled into a buffer of its own, which grows as its bytes arrive: a size prefix
 * alone (4 bytes announcing 100 MiB) commits no more memory than the bytes that follow it.
 */
export class FrameSplitter {
  readonly frameBytesMax: number;
  /** The size prefix of the next frame, while fewer than 4 of its bytes have arrived. */
  readonly #prefix = new Uint8Array(frameSizePrefixBytes);
  #prefixFilled = 0;
  /** The frame being assembled across chunks, once its size is known; at most `#partialSize` bytes. */
  #partial: Uint8Array | null = null;
  #partialSize = 0;
  #partialFilled = 0;

  constructor(frameBytesMax: number) {
    if (!Number.isInteger(frameBytesMax) || frameBytesMax < 0) {
      throw new RangeError(`Maximum frame size must be a non-negative integer: got "${frameBytesMax}"`);
    }
    this.frameBytesMax = frameBytesMax;
  }

  /** Bytes received that do not yet form a complete frame. */
  get pendingBytes(): number {
    return this.#prefixFilled + this.#partialFilled + (this.#partial === null ? 0 : frameSizePrefixBytes);
  }

  /** Bytes allocated for the frame being assembled (its buffer, not its announced size). */
  get bufferedBytes(): number {
    return this.#partial?.length ?? 0;
  }

  /** Accepts the next chunk of the stream and returns the frames it completes, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    let offset = this.#continuePending(chunk, frames);
    while (offset < chunk.length) {
      const size = readFrameSize(chunk, offset);
      if (size === null) break;
      this.#checkSize(size);
      const start = offset + frameSizePrefixBytes;
      if (chunk.length - start < size) break;
      frames.push(chunk.subarray(start, start + size));
      offset = start + size;
    }
    this.#keepRest(chunk, offset);
    return frames;
  }

  #checkSize(size: number): void {
    if (size < 0) throw new FrameSizeError(`Invalid frame size "${size}": it is negative`);
    if (size > this.frameBytesMax) {
      throw new FrameSizeError(`Frame size "${size}" exceeds the maximum of "${this.frameBytesMax}" bytes`);
    }
  }

  /** Feeds the start of `chunk` to a frame begun in earlier chunks; returns where the chunk's own frames start. */
  #continuePending(chunk: Uint8Array, frames: Uint8Array[]): number {
    let offset = 0;
    if (this.#prefixFilled > 0) {
      const taken = Math.min(frameSizePrefixBytes - this.#prefixFilled, chunk.length);
      this.#prefix.set(chunk.subarray(0, taken), this.#prefixFilled);
      this.#prefixFilled += taken;
      offset = taken;
      if (this.#prefixFilled < frameSizePrefixBytes) return chunk.length;
      this.#prefixFilled = 0;
      this.#startPartial(readFrameSize(this.#prefix, 0)!);
    }
    if (this.#partial === null) return offset;
    const taken = Math.min(this.#partialSize - this.#partialFilled, chunk.length - offset);
    this.#appendPartial(chunk.subarray(offset, offset + taken));
    if (this.#partialFilled < this.#partialSize) return chunk.length;
    frames.push(this.#partial);
    this.#partial = null;
    this.#partialFilled = 0;
    return offset + taken;
  }

  #startPartial(size: number): void {
    this.#checkSize(size);
    this.#partial = new Uint8Array(Math.min(size, partialFrameBytesInitial));
    this.#partialSize = size;
    this.#partialFilled = 0;
  }

  /** Appends to the frame being assembled, doubling its buffer (up to the frame's size) when full. */
  #appendPartial(bytes: Uint8Array): void {
    const needed = this.#partialFilled + bytes.length;
    if (needed > this.#partial!.length) {
      const grown = new Uint8Array(Math.min(this.#partialSize, Math.max(needed, this.#partial!.length * 2)));
      grown.set(this.#partial!.subarray(0, this.#partialFilled));
      this.#partial = grown;
    }
    this.#partial!.set(bytes, this.#partialFilled);
    this.#partialFilled = needed;
  }

  /** Copies an incomplete tail, since the chunk's buffer may be reused once we return. */
  #keepRest(chunk: Uint8Array, offset: number): void {
    const rest = chunk.length - offset;
    if (rest <= 0) return;
    if (rest < frameSizePrefixBytes) {
      this.#prefix.set(chunk.subarray(offset), 0);
      this.#prefixFilled = rest;
      return;
    }
    this.#startPartial(readFrameSize(chunk, offset)!);
    this.#appendPartial(chunk.subarray(offset + frameSizePrefixBytes));
  }
}
