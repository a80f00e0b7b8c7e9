import { describe, expect, test } from "bun:test";
import {
  CompressionCodec,
  compress,
  compressionCodecByName,
  compressionCodecName,
  decompress,
  isCompressionCodec,
} from "../../../src/records/compression/index.ts";
import { CompressionError, DecompressedSizeError } from "../../../src/records/errors.ts";
import { sampleNoise, sampleText } from "./sample-content.ts";

const codecs = Object.values(CompressionCodec);
const bytesMax = 64 * 1024 * 1024;

describe("compression", () => {
  for (const codec of codecs) {
    const name = compressionCodecName(codec);

    test(`${name} round-trips text, noise and empty input`, () => {
      for (const input of [sampleText(), sampleNoise(10_000), new Uint8Array(0)]) {
        expect(decompress(codec, compress(codec, input), bytesMax)).toEqual(input);
      }
    });

    if (codec === CompressionCodec.none) continue;

    test(`${name} shrinks repetitive text`, () => {
      expect(compress(codec, sampleText()).length).toBeLessThan(sampleText().length / 3);
    });

    test(`${name} refuses to decompress past the bound`, () => {
      const bomb = compress(codec, new Uint8Array(8_000_000));
      expect(() => decompress(codec, bomb, 1_000_000)).toThrow(DecompressedSizeError);
      expect(() => decompress(codec, compress(codec, Uint8Array.of(1)), 0)).toThrow(DecompressedSizeError);
    });

    test(`${name} rejects garbage with a CompressionError`, () => {
      expect(() => decompress(codec, sampleNoise(200), bytesMax)).toThrow(CompressionError);
    });
  }

  test("names and ids map both ways", () => {
    expect(codecs.map(compressionCodecName)).toEqual(["none", "gzip", "snappy", "lz4", "zstd"]);
    expect(compressionCodecByName("zstd")).toBe(CompressionCodec.zstd);
    expect(compressionCodecByName("brotli")).toBeUndefined();
    expect(isCompressionCodec(4)).toBe(true);
    expect(isCompressionCodec(5)).toBe(false);
  });
});
