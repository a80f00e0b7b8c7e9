// Zstandard through node:zlib, which Bun implements natively. node:zlib (not Bun.zstd*) is
// used because its decompressor honours maxOutputLength, so the output stays bounded even
// when the frame does not declare its size. (The zstd WebAssembly packages on npm fail
// inside a `bun build --compile` binary, so they are not an option.)

import { zstdCompressSync, zstdDecompressSync } from "node:zlib";
import { CompressionError, DecompressedSizeError } from "../errors.ts";

export function compressZstd(bytes: Uint8Array): Uint8Array {
  return zstdCompressSync(bytes);
}

/** Decompresses zstd frames, refusing to produce more than `outputBytesMax` bytes. */
export function decompressZstd(bytes: Uint8Array, outputBytesMax: number): Uint8Array {
  let output: Uint8Array;
  try {
    output = zstdDecompressSync(bytes, { maxOutputLength: Math.max(outputBytesMax, 1) });
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") throw new DecompressedSizeError("zstd", outputBytesMax);
    throw new CompressionError(`Cannot decompress zstd data: ${(error as Error).message}`);
  }
  // maxOutputLength cannot be 0, so an empty allowance is checked here.
  if (output.length > outputBytesMax) throw new DecompressedSizeError("zstd", outputBytesMax);
  return output;
}
