import { describe, expect, test } from "bun:test";
import { Reader } from "../../src/protocol/reader.ts";
import { Writer } from "../../src/protocol/writer.ts";
import { CorruptRecordError } from "../../src/records/errors.ts";
import { VarintReader, varintSize, varlongSize, writeVarint, writeVarlong } from "../../src/records/varint.ts";

const int32Values = [0, 1, -1, 63, -64, 64, -65, 127, 128, -129, 300, 2 ** 31 - 1, -(2 ** 31)];
const int64Values = [...int32Values, 2 ** 31, 2 ** 40 + 5, -(2 ** 40) - 7, 1_700_000_000_123, -1_700_000_000_123, 2 ** 53 - 1, -(2 ** 53 - 1)];

// The protocol Writer/Reader (BigInt based) serve as the independent reference encoding.
describe("varint", () => {
  test("varlong encodes like the protocol Writer and decodes back, up to ±(2^53 - 1)", () => {
    for (const value of int64Values) {
      const reference = new Writer().writeVarlong(value).finish();
      const bytes = new Uint8Array(10);
      const end = writeVarlong(bytes, 0, value);
      expect(Array.from(bytes.subarray(0, end))).toEqual(Array.from(reference));
      expect(varlongSize(value)).toBe(end);
      const reader = new VarintReader(reference, 0, reference.length);
      expect(reader.readVarlong()).toBe(value);
      expect(reader.position).toBe(reference.length);
    }
  });

  test("varint encodes like the protocol Writer and decodes back", () => {
    for (const value of int32Values) {
      const reference = new Writer().writeVarint(value).finish();
      const bytes = new Uint8Array(5);
      const end = writeVarint(bytes, 0, value);
      expect(Array.from(bytes.subarray(0, end))).toEqual(Array.from(reference));
      expect(varintSize(value)).toBe(end);
      expect(new VarintReader(reference, 0, reference.length).readVarint()).toBe(new Reader(reference).readVarint());
      expect(new VarintReader(reference, 0, reference.length).readVarint()).toBe(value);
    }
  });

  test("fails on truncation and on overlong encodings", () => {
    expect(() => new VarintReader(Uint8Array.of(0x80), 0, 1).readVarint()).toThrow(CorruptRecordError);
    expect(() => new VarintReader(Uint8Array.of(0x80, 0x80), 0, 2).readVarlong()).toThrow(/truncated/);
    expect(() => new VarintReader(new Uint8Array(6).fill(0xff), 0, 6).readVarint()).toThrow(/longer than 5/);
    expect(() => new VarintReader(new Uint8Array(11).fill(0xff), 0, 11).readVarlong()).toThrow(/longer than 10/);
  });

  test("reads raw views within bounds only", () => {
    const reader = new VarintReader(Uint8Array.of(1, 2, 3, 4), 1, 3);
    expect(Array.from(reader.readRaw(2))).toEqual([2, 3]);
    expect(() => reader.readRaw(1)).toThrow(CorruptRecordError);
    expect(() => reader.skip(-1)).toThrow(CorruptRecordError);
  });
});
