// The compression codecs a RecordBatch can name in attributes bits 0-2, behind one
// compress/decompress pair. Decompression is always bounded: batches arrive from the
// network, and a few kilobytes of zip bomb must not become gigabytes of memory.

import { CompressionError } from "../errors.ts";
import { compressGzip, decompressGzip } from "./gzip.ts";
import { compressLz4, decompressLz4 } from "./lz4.ts";
import { compressSnappy, decompressSnappy } from "./snappy.ts";
import { compressZstd, decompressZstd } from "./zstd.ts";

export const CompressionCodec = {
  none: 0,
  gzip: 1,
  snappy: 2,
  lz4: 3,
  zstd: 4,
} as const;

export type CompressionCodec = (typeof CompressionCodec)[keyof typeof CompressionCodec];

const codecNames = ["none", "gzip", "snappy", "lz4", "zstd"] as const;

export type CompressionCodecName = (typeof codecNames)[number];

/** True for the codec ids Kafka defines (0..4). */
export function isCompressionCodec(value: number): value is CompressionCodec {
  return Number.isInteger(value) && value >= 0 && value < codecNames.length;
}

/** "none", "gzip", "snappy", "lz4" or "zstd". */
export function compressionCodecName(codec: CompressionCodec): CompressionCodecName {
  return codecNames[codec];
}

/** The codec with the given name (as in Kafka's compression.type), or undefined. */
export function compressionCodecByName(name: string): CompressionCodec | undefined {
  const index = codecNames.indexOf(name as CompressionCodecName);
  return index === -1 ? undefined : (index as CompressionCodec);
}

export function compress(codec: CompressionCodec, bytes: Uint8Array): Uint8Array {
  switch (codec) {
    case CompressionCodec.none:
      return bytes;
    case CompressionCodec.gzip:
      return compressGzip(bytes);
    case CompressionCodec.snappy:
      return compressSnappy(bytes);
    case CompressionCodec.lz4:
      return compressLz4(bytes);
    case CompressionCodec.zstd:
      return compressZstd(bytes);
  }
  throw new CompressionError(`Cannot compress: unknown codec "${codec}"`);
}

/**
 * Decompresses `bytes`; throws DecompressedSizeError rather than produce more than
 * `outputBytesMax` bytes, and CompressionError for malformed input.
 */
export function decompress(codec: CompressionCodec, bytes: Uint8Array, outputBytesMax: number): Uint8Array {
  switch (codec) {
    case CompressionCodec.none:
      return bytes;
    case CompressionCodec.gzip:
      return decompressGzip(bytes, outputBytesMax);
    case CompressionCodec.snappy:
      return decompressSnappy(bytes, outputBytesMax);
    case CompressionCodec.lz4:
      return decompressLz4(bytes, outputBytesMax);
    case CompressionCodec.zstd:
      return decompressZstd(bytes, outputBytesMax);
  }
  throw new CompressionError(`Cannot decompress: unknown codec "${codec}"`);
}
