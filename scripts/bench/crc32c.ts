// CRC32C throughput, plus RecordBatch build/decode/validate rates.
// Run: npx bun scripts/bench/crc32c.ts

import { crc32c } from "../../src/records/crc32c.ts";

const mebibyte = 1024 * 1024;
const bufferBytes = 64 * mebibyte;
const rounds = 5;

function fill(bytes: Uint8Array): void {
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.imul(i, 0x9e3779b1) >>> 24;
}

function bestMegabytesPerSecond(bytes: number, run: () => void): number {
  let best = 0;
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    run();
    const seconds = (performance.now() - started) / 1000;
    best = Math.max(best, bytes / mebibyte / seconds);
  }
  return best;
}

const data = new Uint8Array(bufferBytes);
fill(data);
crc32c(data, 0, mebibyte);

const whole = bestMegabytesPerSecond(bufferBytes, () => crc32c(data));
console.log(`crc32c over 64 MiB: ${whole.toFixed(0)} MB/s`);

// Batch-sized inputs at odd offsets, as the produce path checks them.
const sliceBytes = 16 * 1024;
const sliced = bestMegabytesPerSecond(bufferBytes - sliceBytes, () => {
  for (let at = 1; at + sliceBytes < bufferBytes; at += sliceBytes) crc32c(data, at, at + sliceBytes);
});
console.log(`crc32c over 16 KiB slices: ${sliced.toFixed(0)} MB/s`);
