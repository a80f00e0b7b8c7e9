// xxHash32, as the LZ4 frame format uses for its header, block and content checksums.
// Reference: https://github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md

const prime1 = 0x9e3779b1;
const prime2 = 0x85ebca77;
const prime3 = 0xc2b2ae3d;
const prime4 = 0x27d4eb2f;
const prime5 = 0x165667b1;

function rotateLeft(value: number, bits: number): number {
  return (value << bits) | (value >>> (32 - bits));
}

function readUint32LE(bytes: Uint8Array, at: number): number {
  return bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24);
}

function round(accumulator: number, lane: number): number {
  return Math.imul(rotateLeft((accumulator + Math.imul(lane, prime2)) | 0, 13), prime1);
}

/** xxHash32 of `bytes[start, end)` with `seed` (LZ4 uses seed 0), as an unsigned 32-bit number. */
export function xxhash32(bytes: Uint8Array, start = 0, end = bytes.length, seed = 0): number {
  let i = start;
  let hash: number;
  if (end - start >= 16) {
    let v1 = (seed + prime1 + prime2) | 0;
    let v2 = (seed + prime2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - prime1) | 0;
    const stripesEnd = end - 16;
    while (i <= stripesEnd) {
      v1 = round(v1, readUint32LE(bytes, i));
      v2 = round(v2, readUint32LE(bytes, i + 4));
      v3 = round(v3, readUint32LE(bytes, i + 8));
      v4 = round(v4, readUint32LE(bytes, i + 12));
      i += 16;
    }
    hash = (rotateLeft(v1, 1) + rotateLeft(v2, 7) + rotateLeft(v3, 12) + rotateLeft(v4, 18)) | 0;
  } else {
    hash = (seed + prime5) | 0;
  }
  hash = (hash + (end - start)) | 0;
  while (i + 4 <= end) {
    hash = Math.imul(rotateLeft((hash + Math.imul(readUint32LE(bytes, i), prime3)) | 0, 17), prime4);
    i += 4;
  }
  while (i < end) {
    hash = Math.imul(rotateLeft((hash + Math.imul(bytes[i], prime5)) | 0, 11), prime1);
    i++;
  }
  hash = Math.imul(hash ^ (hash >>> 15), prime2);
  hash = Math.imul(hash ^ (hash >>> 13), prime3);
  return (hash ^ (hash >>> 16)) >>> 0;
}
