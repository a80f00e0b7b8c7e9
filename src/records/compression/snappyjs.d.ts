// Types for snappyjs 0.7 (raw Snappy blocks), which ships none.
declare module "snappyjs" {
  /** Compresses into one raw Snappy block. */
  export function compress(uncompressed: Uint8Array): Uint8Array;
  /** Decompresses one raw Snappy block; throws when its declared length exceeds `maxLength`. */
  export function uncompress(compressed: Uint8Array, maxLength?: number): Uint8Array;
}
