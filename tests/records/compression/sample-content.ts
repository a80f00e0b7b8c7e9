// Deterministic sample inputs shared by the compression tests (and used to make the
// committed lz4 fixtures, so the fixtures can be checked byte for byte).

/** About 150 KB of log-like text: compressible, and longer than two 64 KiB LZ4 blocks. */
export function sampleText(): Uint8Array {
  const lines: string[] = [];
  for (let i = 0; i < 2000; i++) {
    const level = ["info", "warn", "error", "debug"][i % 4];
    lines.push(`{"seq":${i},"level":"${level}","user":{"id":${(i * 7919) % 1000}},"msg":"request ${i % 13} served"}`);
  }
  return new TextEncoder().encode(lines.join("\n"));
}

/** Incompressible pseudo-random bytes (xorshift32), so encoders must store blocks uncompressed. */
export function sampleNoise(length: number, seed = 0x2545f491): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state & 0xff;
  }
  return bytes;
}
