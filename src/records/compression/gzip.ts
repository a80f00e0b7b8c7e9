// gzip (RFC 1952) through node:zlib, which Bun implements natively.

import { gunzipSync, gzipSync } from "node:zlib";
import { CompressionError, DecompressedSizeError } from "../errors.ts";

export function compressGzip(bytes: Uint8Array): Uint8Array {
  return gzipSync(bytes);
}

/** Decompresses gzip (several concatenated members are allowed), refusing more than `outputBytesMax` bytes. */
export function decompressGzip(bytes: Uint8Array, outputBytesMax: number): Uint8Array {
  let output: Uint8Array;
  try {
    output = gunzipSync(bytes, { maxOutputLength: Math.max(outputBytesMax, 1) });
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") throw new DecompressedSizeError("gzip", outputBytesMax);
    throw new CompressionError(`Cannot decompress gzip data: ${(error as Error).message}`);
  }
  // maxOutputLength cannot be 0, so an empty allowance is checked here.
  if (output.length > outputBytesMax) throw new DecompressedSizeError("gzip", outputBytesMax);
  return output;
}
