import { describe, expect, test } from "bun:test";
import { CorruptRecordError } from "../../src/records/errors.ts";
import { readRecord, recordBodySize, skipRecord, writeRecord, type EncodableRecord } from "../../src/records/record.ts";
import { VarintReader, varintSize } from "../../src/records/varint.ts";

const encoder = new TextEncoder();

function encode(record: EncodableRecord): Uint8Array {
  const bodySize = recordBodySize(record);
  const bytes = new Uint8Array(varintSize(bodySize) + bodySize);
  expect(writeRecord(bytes, 0, record, bodySize)).toBe(bytes.length);
  return bytes;
}

const sample: EncodableRecord = {
  offsetDelta: 3,
  timestampDelta: -250,
  key: encoder.encode("user-1"),
  value: null,
  headers: [
    { key: encoder.encode("trace"), value: encoder.encode("abc") },
    { key: encoder.encode("empty"), value: null },
  ],
};

describe("record", () => {
  test("matches Kafka's documented layout byte for byte", () => {
    const bytes = encode({ offsetDelta: 1, timestampDelta: 2, key: null, value: Uint8Array.of(0xaa), headers: [] });
    // length 7 -> 14, attributes 0, timestampDelta 2 -> 4, offsetDelta 1 -> 2, key null -> 1, value length 1 -> 2, 0xaa, 0 headers
    expect(Array.from(bytes)).toEqual([14, 0, 4, 2, 1, 2, 0xaa, 0]);
  });

  test("writes and reads back keys, null values and headers", () => {
    const bytes = encode(sample);
    const reader = new VarintReader(bytes, 0, bytes.length);
    const record = readRecord(reader);
    expect(reader.position).toBe(bytes.length);
    expect(record.offsetDelta).toBe(3);
    expect(record.timestampDelta).toBe(-250);
    expect(new TextDecoder().decode(record.key!)).toBe("user-1");
    expect(record.value).toBeNull();
    expect(record.headers.map((header) => [header.key, header.value && new TextDecoder().decode(header.value)])).toEqual([
      ["trace", "abc"],
      ["empty", null],
    ]);
  });

  test("skipRecord steps over the same bytes and returns the offset delta", () => {
    const bytes = encode(sample);
    const reader = new VarintReader(bytes, 0, bytes.length);
    expect(skipRecord(reader)).toBe(3);
    expect(reader.position).toBe(bytes.length);
    expect(reader.end).toBe(bytes.length);
  });

  test("rejects a record whose length does not match its fields", () => {
    const bytes = encode(sample);
    const longer = Uint8Array.from([bytes[0] + 2, ...bytes.subarray(1), 0, 0]);
    expect(() => readRecord(new VarintReader(longer, 0, longer.length))).toThrow(/left over/);
    expect(() => skipRecord(new VarintReader(longer, 0, longer.length))).toThrow(/left over/);
    const shorter = Uint8Array.from([bytes[0] - 2, ...bytes.subarray(1, bytes.length - 2)]);
    expect(() => readRecord(new VarintReader(shorter, 0, shorter.length))).toThrow(CorruptRecordError);
    expect(() => skipRecord(new VarintReader(shorter, 0, shorter.length))).toThrow(CorruptRecordError);
  });
});
