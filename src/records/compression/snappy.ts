// Snappy, in the two shapes Kafka clients send:
// - xerial framing (Java's snappy-java SnappyOutputStream):
//     Xerial => magic:bytes(0x82 "SNAPPY" 0x00) version:int32 compatibleVersion:int32 Chunk*
//     Chunk  => length:int32 rawSnappyBlock:bytes(length)
// - one raw Snappy block (librdkafka, kafkajs).
// We compress with xerial framing: it is what the Java producer writes, so Java consumers
// read it, and librdkafka detects the xerial magic and unwraps it.

import { compress as compressRaw, uncompress as uncompressRaw } from "snappyjs";
import { CompressionError, DecompressedSizeError } from "../errors.ts";

const xerialMagic = Uint8Array.of(0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00);
const xerialHeaderSize = 16;
const xerialVersion = 1;
const xerialCompatibleVersion = 1;
/** snappy-java's default chunk size. */
const xerialChunkBytes = 32 * 1024;

function isXerial(bytes: Uint8Array): boolean {
  if (bytes.length < xerialHeaderSize) return false;
  for (let i = 0; i < xerialMagic.length; i++) if (bytes[i] !== xerialMagic[i]) return false;
  return true;
}

/** The uncompressed length a raw Snappy block declares in its varint preamble. */
function declaredLength(bytes: Uint8Array, start: number, end: number): number {
  let length = 0;
  for (let i = 0, shift = 1; i < 5 && start + i < end; i++, shift *= 128) {
    const byte = bytes[start + i];
    length += (byte & 0x7f) * shift;
    if ((byte & 0x80) === 0) return length;
  }
  throw new CompressionError("Cannot decompress snappy data: invalid length preamble");
}

function uncompressBlock(bytes: Uint8Array, start: number, end: number, outputBytesLeft: number, outputBytesMax: number): Uint8Array {
  if (declaredLength(bytes, start, end) > outputBytesLeft) throw new DecompressedSizeError("snappy", outputBytesMax);
  try {
    return uncompressRaw(bytes.subarray(start, end), outputBytesLeft);
  } catch (error) {
    throw new CompressionError(`Cannot decompress snappy data: ${(error as Error).message}`);
  }
}

export function compressSnappy(bytes: Uint8Array): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = xerialHeaderSize;
  for (let start = 0; start < bytes.length; start += xerialChunkBytes) {
    const chunk = compressRaw(bytes.subarray(start, start + xerialChunkBytes));
    chunks.push(chunk);
    total += 4 + chunk.length;
  }
  const framed = new Uint8Array(total);
  const view = new DataView(framed.buffer);
  framed.set(xerialMagic, 0);
  view.setInt32(8, xerialVersion);
  view.setInt32(12, xerialCompatibleVersion);
  let at = xerialHeaderSize;
  for (const chunk of chunks) {
    view.setInt32(at, chunk.length);
    framed.set(chunk, at + 4);
    at += 4 + chunk.length;
  }
  return framed;
}

/** Decompresses xerial-framed or raw Snappy, refusing to produce more than `outputBytesMax` bytes. */
export function decompressSnappy(bytes: Uint8Array, outputBytesMax: number): Uint8Array {
  if (!isXerial(bytes)) return uncompressBlock(bytes, 0, bytes.length, outputBytesMax, outputBytesMax);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: Uint8Array[] = [];
  let total = 0;
  let at = xerialHeaderSize;
  while (at < bytes.length) {
    if (at + 4 > bytes.length) throw new CompressionError("Cannot decompress snappy data: xerial chunk length is truncated");
    const length = view.getInt32(at);
    const end = at + 4 + length;
    if (length < 0 || end > bytes.length) {
      throw new CompressionError(`Cannot decompress snappy data: xerial chunk of "${length}" bytes runs past the end`);
    }
    const chunk = uncompressBlock(bytes, at + 4, end, outputBytesMax - total, outputBytesMax);
    chunks.push(chunk);
    total += chunk.length;
    at = end;
  }
  if (chunks.length === 1) return chunks[0];
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.length;
  }
  return joined;
}
