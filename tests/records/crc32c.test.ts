import { describe, expect, test } from "bun:test";
import { crc32c } from "../../src/records/crc32c.ts";

// Byte-at-a-time reference, independent of the sliced tables under test.
function crc32cReference(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return ~crc >>> 0;
}

describe("crc32c", () => {
  test("matches the standard check value for \"123456789\"", () => {
    expect(crc32c(new TextEncoder().encode("123456789"))).toBe(0xe3069283);
  });

  test("matches the RFC 3720 vector for 32 zero bytes", () => {
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
  });

  test("matches the RFC 3720 vector for 32 bytes of 0xff", () => {
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
  });

  test("is 0 for empty input", () => {
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  test("agrees with a bitwise reference at every length and alignment up to 70 bytes", () => {
    const bytes = Uint8Array.from({ length: 80 }, (_, i) => (i * 151 + 7) & 0xff);
    for (let start = 0; start < 5; start++) {
      for (let end = start; end <= start + 70; end++) {
        expect(crc32c(bytes, start, end)).toBe(crc32cReference(bytes.subarray(start, end)));
      }
    }
  });

  test("continues a checksum across chunks", () => {
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 31) & 0xff);
    const whole = crc32c(bytes);
    const first = crc32c(bytes, 0, 333);
    expect(crc32c(bytes, 333, 1000, first)).toBe(whole);
  });
});
