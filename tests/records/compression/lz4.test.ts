import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compressLz4, decompressLz4 } from "../../../src/records/compression/lz4.ts";
import { xxhash32 } from "../../../src/records/compression/xxhash32.ts";
import { CompressionError, DecompressedSizeError } from "../../../src/records/errors.ts";
import { sampleNoise, sampleText } from "./sample-content.ts";

const fixtures = join(import.meta.dir, "..", "fixtures");
const bytesMax = 64 * 1024 * 1024;
const lz4Cli = spawnSync("lz4", ["--version"]).status === 0;

function mixedContent(): Uint8Array {
  const text = sampleText();
  const noise = sampleNoise(70_000);
  const mixed = new Uint8Array(text.length + noise.length);
  mixed.set(text, 0);
  mixed.set(noise, text.length);
  return mixed;
}

describe("lz4 frame", () => {
  test("round-trips text, noise and empty input", () => {
    for (const input of [sampleText(), mixedContent(), new Uint8Array(0)]) {
      expect(decompressLz4(compressLz4(input), bytesMax)).toEqual(input);
    }
  });

  test("writes the frame Java's producer writes: independent 64 KiB blocks, valid header checksum", () => {
    const frame = compressLz4(sampleText());
    expect(Array.from(frame.subarray(0, 6))).toEqual([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40]);
    expect(frame[6]).toBe((xxhash32(frame, 4, 6) >>> 8) & 0xff);
  });

  for (const name of ["text_b4_blockchecksum", "text_b4_linked", "text_b4_contentsize", "text_hc_blockchecksum"]) {
    test(`decodes the lz4 CLI fixture "${name}"`, () => {
      const frame = new Uint8Array(readFileSync(join(fixtures, `${name}.lz4`)));
      expect(decompressLz4(frame, bytesMax)).toEqual(sampleText());
    });
  }

  test("rejects a frame whose block checksum does not match", () => {
    const frame = new Uint8Array(readFileSync(join(fixtures, "text_b4_blockchecksum.lz4")));
    frame[100] ^= 0xff;
    expect(() => decompressLz4(frame, bytesMax)).toThrow(/block checksum mismatch/);
  });

  test("rejects a bad header checksum, bad magic and truncation", () => {
    const frame = compressLz4(sampleText());
    const badHeader = frame.slice();
    badHeader[6] ^= 1;
    expect(() => decompressLz4(badHeader, bytesMax)).toThrow(/header checksum/);
    const badMagic = frame.slice();
    badMagic[0] = 0;
    expect(() => decompressLz4(badMagic, bytesMax)).toThrow(/magic/);
    expect(() => decompressLz4(frame.subarray(0, frame.length - 10), bytesMax)).toThrow(CompressionError);
  });

  test("stops at the output bound instead of allocating a bomb", () => {
    const frame = compressLz4(new Uint8Array(10_000_000));
    expect(frame.length).toBeLessThan(100_000);
    expect(() => decompressLz4(frame, 1_000_000)).toThrow(DecompressedSizeError);
    expect(decompressLz4(frame, 10_000_000).length).toBe(10_000_000);
  });

  test.skipIf(!lz4Cli)("interoperates with the lz4 CLI both ways, including block checksums", () => {
    const dir = mkdtempSync(join(tmpdir(), "chronik-lz4-"));
    try {
      const input = mixedContent();
      writeFileSync(join(dir, "input"), input);
      for (const flags of [["-B4", "-BX"], ["-B5", "-BD"], ["-B4", "--content-size", "--no-frame-crc"]]) {
        const made = spawnSync("lz4", ["-q", "-f", ...flags, join(dir, "input"), join(dir, "input.lz4")]);
        expect(made.status).toBe(0);
        expect(decompressLz4(new Uint8Array(readFileSync(join(dir, "input.lz4"))), bytesMax)).toEqual(input);
      }
      const edge = new Uint8Array(65536);
      edge.set(new TextEncoder().encode("ABCDE"), 0);
      edge.set(new TextEncoder().encode("ABCDEFGHIJ"), edge.length - 10);
      for (const content of [input, edge]) {
        writeFileSync(join(dir, "ours.lz4"), compressLz4(content));
        const read = spawnSync("lz4", ["-d", "-q", "-f", join(dir, "ours.lz4"), join(dir, "ours")]);
        expect(read.status).toBe(0);
        expect(Uint8Array.from(readFileSync(join(dir, "ours")))).toEqual(Uint8Array.from(content));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
