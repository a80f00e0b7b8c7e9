// CRC32C (Castagnoli), as RecordBatch v2 uses over attributes..end of batch.
// Slicing-by-16: sixteen 256-entry tables let the loop consume 16 bytes per step.
// Measured on Bun (scripts/bench/crc32c.ts) this runs about 1.5x faster than
// slicing-by-8; reading aligned words through an Int32Array view was no faster
// for batch-sized inputs (the view allocation eats the gain), so bytes are read directly.

const polynomialReversed = 0x82f63b78;
const tableCount = 16;

function buildTables(): Int32Array[] {
  const tables = Array.from({ length: tableCount }, () => new Int32Array(256));
  for (let n = 0; n < 256; n++) {
    let crc = n;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ polynomialReversed : crc >>> 1;
    tables[0][n] = crc;
  }
  for (let n = 0; n < 256; n++) {
    let crc = tables[0][n];
    for (let t = 1; t < tableCount; t++) {
      crc = tables[0][crc & 0xff] ^ (crc >>> 8);
      tables[t][n] = crc;
    }
  }
  return tables;
}

// One binding per table: separate typed arrays index faster than one flat table with offsets.
const [t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14, t15] = buildTables();

/** CRC32C of `bytes[start, end)`, continuing from `previous` (0 for a fresh checksum). */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length, previous = 0): number {
  let crc = ~previous;
  let i = start;
  const fastEnd = end - ((end - i) & 15);
  while (i < fastEnd) {
    const low = (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24)) ^ crc;
    crc =
      t15[low & 0xff] ^
      t14[(low >>> 8) & 0xff] ^
      t13[(low >>> 16) & 0xff] ^
      t12[low >>> 24] ^
      t11[bytes[i + 4]] ^
      t10[bytes[i + 5]] ^
      t9[bytes[i + 6]] ^
      t8[bytes[i + 7]] ^
      t7[bytes[i + 8]] ^
      t6[bytes[i + 9]] ^
      t5[bytes[i + 10]] ^
      t4[bytes[i + 11]] ^
      t3[bytes[i + 12]] ^
      t2[bytes[i + 13]] ^
      t1[bytes[i + 14]] ^
      t0[bytes[i + 15]];
    i += 16;
  }
  while (i < end) crc = t0[(crc ^ bytes[i++]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}
