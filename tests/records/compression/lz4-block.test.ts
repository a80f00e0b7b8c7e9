import { describe, expect, test } from "bun:test";
import { CompressionError } from "../../../src/records/errors.ts";
import { compressBlock, compressBlockBound, decompressBlock } from "../../../src/records/compression/lz4-block.ts";
import { sampleNoise, sampleText } from "./sample-content.ts";

function roundTrip(input: Uint8Array): Uint8Array {
  const compressed = new Uint8Array(compressBlockBound(input.length));
  const length = compressBlock(input, 0, input.length, compressed, new Int32Array(1 << 12));
  const output = new Uint8Array(input.length);
  const end = decompressBlock(compressed, 0, length, output, 0, output.length, 0);
  expect(end).toBe(input.length);
  return output;
}

describe("lz4 block", () => {
  test("round-trips text, noise, runs and tiny inputs", () => {
    const text = sampleText().subarray(0, 65536);
    for (const input of [text, sampleNoise(5000), new Uint8Array(70000).fill(7), Uint8Array.of(1, 2, 3), new Uint8Array(0)]) {
      expect(roundTrip(input)).toEqual(input);
    }
  });

  test("compresses repetitive text", () => {
    const input = sampleText().subarray(0, 65536);
    const compressed = new Uint8Array(compressBlockBound(input.length));
    expect(compressBlock(input, 0, input.length, compressed, new Int32Array(1 << 12))).toBeLessThan(input.length / 2);
  });

  test("keeps the last match 12 bytes and the last literals 5 bytes from the end", () => {
    // A match candidate 10 bytes before the end: lz4js encodes it there, which the
    // reference decoder rejects for a full-size block.
    const input = new Uint8Array(65536);
    input.set(new TextEncoder().encode("ABCDE"), 0);
    input.set(new TextEncoder().encode("ABCDEFGHIJ"), input.length - 10);
    expect(roundTrip(input)).toEqual(input);
  });

  test("reports output overflow as -1", () => {
    const input = new Uint8Array(1000).fill(1);
    const compressed = new Uint8Array(compressBlockBound(input.length));
    const length = compressBlock(input, 0, input.length, compressed, new Int32Array(1 << 12));
    expect(decompressBlock(compressed, 0, length, new Uint8Array(999), 0, 999, 0)).toBe(-1);
  });

  test("rejects a match offset before the window", () => {
    // token: 1 literal, match length 4; literal "a"; offset 2 (only 1 byte written so far).
    const block = Uint8Array.of(0x10, 0x61, 0x02, 0x00, 0x00);
    expect(() => decompressBlock(block, 0, block.length, new Uint8Array(64), 0, 64, 0)).toThrow(CompressionError);
  });

  test("rejects literals that run past the block", () => {
    const block = Uint8Array.of(0x50, 0x61, 0x62);
    expect(() => decompressBlock(block, 0, block.length, new Uint8Array(64), 0, 64, 0)).toThrow(/literals run past/);
  });
});
