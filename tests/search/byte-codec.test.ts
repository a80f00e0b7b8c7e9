import { describe, expect, test } from "bun:test";
import { ByteWriter, compareBytes, readVarint, widthOf } from "../../src/search/byte-codec.ts";

describe("varints", () => {
  test("values up to 2^53 round-trip", () => {
    const values = [0, 1, 127, 128, 16_383, 16_384, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 5, Number.MAX_SAFE_INTEGER];
    const writer = new ByteWriter(4);
    for (const value of values) writer.varint(value);
    const cursor = { at: 0 };
    expect(values.map(() => readVarint(writer.bytes, cursor))).toEqual(values);
    expect(cursor.at).toBe(writer.length);
  });
});

test("bytes compare as unsigned, shorter first", () => {
  const bytes = (...values: number[]) => Uint8Array.from(values);
  expect(compareBytes(bytes(1, 2), 0, 2, bytes(1, 2, 0), 0, 3)).toBeLessThan(0);
  expect(compareBytes(bytes(0xff), 0, 1, bytes(0x7f), 0, 1)).toBeGreaterThan(0);
  expect(compareBytes(bytes(9, 1, 2), 1, 3, bytes(1, 2), 0, 2)).toBe(0);
});

test("widths are the narrowest of 1, 2 and 4 bytes", () => {
  expect([0, 255, 256, 65_535, 65_536, 2 ** 32 - 1].map(widthOf)).toEqual([1, 1, 2, 2, 4, 4]);
});
