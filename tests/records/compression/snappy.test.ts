import { describe, expect, test } from "bun:test";
import { compress as compressRaw } from "snappyjs";
import { compressSnappy, decompressSnappy } from "../../../src/records/compression/snappy.ts";
import { CompressionError, DecompressedSizeError } from "../../../src/records/errors.ts";
import { sampleNoise, sampleText } from "./sample-content.ts";

const bytesMax = 64 * 1024 * 1024;

/** A xerial frame as snappy-java writes it, built independently of the code under test. */
function xerialFrame(input: Uint8Array, chunkBytes: number): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.of(0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1)];
  for (let start = 0; start < input.length; start += chunkBytes) {
    const chunk = compressRaw(input.subarray(start, start + chunkBytes));
    const length = new Uint8Array(4);
    new DataView(length.buffer).setInt32(0, chunk.length);
    parts.push(length, chunk);
  }
  return Uint8Array.from(parts.flatMap((part) => Array.from(part)));
}

describe("snappy", () => {
  test("unwraps a xerial frame with several chunks", () => {
    const input = sampleText();
    expect(decompressSnappy(xerialFrame(input, 32 * 1024), bytesMax)).toEqual(input);
  });

  test("accepts a plain raw snappy block, as librdkafka sends", () => {
    const input = sampleText();
    expect(decompressSnappy(compressRaw(input), bytesMax)).toEqual(input);
  });

  test("compresses with xerial framing and round-trips", () => {
    for (const input of [sampleText(), sampleNoise(40_000), new Uint8Array(0)]) {
      const framed = compressSnappy(input);
      expect(Array.from(framed.subarray(0, 8))).toEqual([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
      expect(decompressSnappy(framed, bytesMax)).toEqual(input);
    }
  });

  test("stops at the output bound, raw and framed", () => {
    const zeros = new Uint8Array(5_000_000);
    expect(() => decompressSnappy(compressRaw(zeros), 1_000_000)).toThrow(DecompressedSizeError);
    expect(() => decompressSnappy(compressSnappy(zeros), 1_000_000)).toThrow(DecompressedSizeError);
  });

  test("rejects a xerial chunk that runs past the end", () => {
    const framed = compressSnappy(sampleText());
    expect(() => decompressSnappy(framed.subarray(0, framed.length - 3), bytesMax)).toThrow(CompressionError);
  });
});
