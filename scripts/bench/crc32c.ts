// CRC32C throughput, plus RecordBatch build/decode/validate rates.
// Run: npx bun scripts/bench/crc32c.ts

import { CompressionCodec, compressionCodecName } from "../../src/records/compression/index.ts";
import { crc32c } from "../../src/records/crc32c.ts";
import { buildRecordBatch, decodeRecordBatches, validateBatchesForAppend } from "../../src/records/record-batch.ts";

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

// RecordBatch rates: 1,000 records of ~100 bytes per batch, as a busy producer sends.
const recordsPerBatch = 1000;
const batchRounds = 200;
const records = Array.from({ length: recordsPerBatch }, (_, i) => ({
  key: `user-${i % 97}`,
  value: `{"seq":${i},"level":"info","msg":"request served in ${i % 50} ms","path":"/api/items/${i}"}`,
  headers: [{ key: "trace", value: `t-${i}` }],
  timestamp: 1_700_000_000_000 + i,
}));

/** Records per second over `batchRounds` runs, after as many warm-up runs (JIT tiers settle first). */
function recordsPerSecond(run: () => void): number {
  for (let round = 0; round < batchRounds; round++) run();
  const started = performance.now();
  for (let round = 0; round < batchRounds; round++) run();
  return (recordsPerBatch * batchRounds) / ((performance.now() - started) / 1000);
}

const format = (rate: number) => `${(rate / 1e6).toFixed(2)} M records/s`;
for (const codec of [CompressionCodec.none, CompressionCodec.lz4, CompressionCodec.zstd]) {
  const name = compressionCodecName(codec);
  const batch = buildRecordBatch({ records, compression: codec });
  const build = recordsPerSecond(() => buildRecordBatch({ records, compression: codec }));
  const decode = recordsPerSecond(() => decodeRecordBatches(batch));
  const validate = recordsPerSecond(() => validateBatchesForAppend(batch, { batchBytesMax: 16 * mebibyte }));
  console.log(
    `batch ${name} (${batch.length} bytes): build ${format(build)}, decode ${format(decode)}, validate ${format(validate)}`,
  );
}
