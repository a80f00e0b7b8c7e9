import { describe, expect, test } from "bun:test";
import { ProtocolDecodeError, Reader } from "../../src/protocol/reader.ts";
import { Writer } from "../../src/protocol/writer.ts";

function written(write: (writer: Writer) => void): Uint8Array {
  const writer = new Writer(4);
  write(writer);
  return writer.finish().slice();
}

describe("Reader and Writer primitives", () => {
  test("fixed-width integers round trip at their limits", () => {
    const bytes = written((w) =>
      w.writeInt8(-128).writeInt8(127).writeInt16(-32768).writeUint16(65535).writeInt32(-2147483648).writeUint32(4294967295),
    );
    const reader = new Reader(bytes);
    expect([reader.readInt8(), reader.readInt8(), reader.readInt16(), reader.readUint16()]).toEqual([-128, 127, -32768, 65535]);
    expect([reader.readInt32(), reader.readUint32()]).toEqual([-2147483648, 4294967295]);
    expect(reader.remaining).toBe(0);
  });

  test("int64 keeps -1, other negatives and values beyond 32 bits", () => {
    const values = [-1, 0, 1, -2, 2 ** 32, -(2 ** 32) - 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 1_700_000_000_000];
    const bytes = written((w) => values.forEach((value) => w.writeInt64(value)));
    expect(Array.from(bytes.subarray(0, 8))).toEqual([255, 255, 255, 255, 255, 255, 255, 255]);
    const reader = new Reader(bytes);
    expect(values.map(() => reader.readInt64())).toEqual(values);
  });

  test("unsigned varints use the shortest encoding and round trip at byte boundaries", () => {
    expect(Array.from(written((w) => w.writeUnsignedVarint(0)))).toEqual([0]);
    expect(Array.from(written((w) => w.writeUnsignedVarint(127)))).toEqual([0x7f]);
    expect(Array.from(written((w) => w.writeUnsignedVarint(128)))).toEqual([0x80, 0x01]);
    expect(Array.from(written((w) => w.writeUnsignedVarint(300)))).toEqual([0xac, 0x02]);
    const values = [0, 1, 127, 128, 16383, 16384, 2097151, 2097152, 268435455, 268435456, 4294967295];
    const reader = new Reader(written((w) => values.forEach((value) => w.writeUnsignedVarint(value))));
    expect(values.map(() => reader.readUnsignedVarint())).toEqual(values);
  });

  test("signed varints and varlongs zig-zag", () => {
    expect(Array.from(written((w) => w.writeVarint(-1)))).toEqual([1]);
    expect(Array.from(written((w) => w.writeVarint(1)))).toEqual([2]);
    const ints = [0, -1, 1, -64, 64, 2147483647, -2147483648];
    const longs = [0, -1, 1, 2 ** 40, -(2 ** 40), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    const reader = new Reader(
      written((w) => {
        ints.forEach((value) => w.writeVarint(value));
        longs.forEach((value) => w.writeVarlong(value));
      }),
    );
    expect(ints.map(() => reader.readVarint())).toEqual(ints);
    expect(longs.map(() => reader.readVarlong())).toEqual(longs);
  });

  test("a varint longer than five bytes is rejected", () => {
    const reader = new Reader(new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]));
    expect(() => reader.readUnsignedVarint()).toThrow(ProtocolDecodeError);
  });

  test("strings: classic, compact, nullable and non-ASCII", () => {
    const bytes = written((w) =>
      w
        .writeString("héllo")
        .writeNullableString(null)
        .writeCompactString("")
        .writeCompactNullableString(null)
        .writeCompactString("kafka"),
    );
    expect(Array.from(bytes.subarray(0, 2))).toEqual([0, 6]);
    const reader = new Reader(bytes);
    expect(reader.readString()).toBe("héllo");
    expect(reader.readNullableString()).toBeNull();
    expect(reader.readCompactString()).toBe("");
    expect(reader.readCompactNullableString()).toBeNull();
    expect(reader.readCompactString()).toBe("kafka");
    expect(reader.remaining).toBe(0);
  });

  test("a null where a non-nullable string is expected is an error", () => {
    expect(() => new Reader(written((w) => w.writeNullableString(null))).readString()).toThrow(ProtocolDecodeError);
    expect(() => new Reader(written((w) => w.writeCompactNullableString(null))).readCompactString()).toThrow(
      ProtocolDecodeError,
    );
  });

  test("bytes round trip as views, null as -1 or 0", () => {
    const payload = new Uint8Array([1, 2, 3]);
    const bytes = written((w) =>
      w.writeBytes(payload).writeNullableBytes(null).writeCompactBytes(payload).writeCompactNullableBytes(null),
    );
    const reader = new Reader(bytes);
    const first = reader.readBytes();
    expect(first.buffer).toBe(bytes.buffer);
    expect(Array.from(first)).toEqual([1, 2, 3]);
    expect(reader.readNullableBytes()).toBeNull();
    expect(Array.from(reader.readCompactBytes())).toEqual([1, 2, 3]);
    expect(reader.readCompactNullableBytes()).toBeNull();
  });

  test("array lengths: -1 and 0 are null, lengths beyond the frame are rejected", () => {
    const reader = new Reader(written((w) => w.writeArrayLength(null).writeCompactArrayLength(null).writeCompactArrayLength(0)));
    expect(reader.readArrayLength()).toBe(-1);
    expect(reader.readCompactArrayLength()).toBe(-1);
    expect(reader.readCompactArrayLength()).toBe(0);
    expect(() => new Reader(written((w) => w.writeInt32(1000))).readArrayLength()).toThrow(ProtocolDecodeError);
  });

  test("uuids are 32 lowercase hex digits", () => {
    const uuid = "0123456789abcdef0123456789abcdef";
    expect(new Reader(written((w) => w.writeUuid(uuid))).readUuid()).toBe(uuid);
    expect(new Reader(written((w) => w.writeUuid("01234567-89AB-CDEF-0123-456789ABCDEF"))).readUuid()).toBe(uuid);
  });

  test("tagged fields: known tags get a bounded reader, unknown ones are skipped", () => {
    const bytes = written((w) =>
      w.writeTaggedFields([
        [0, new Uint8Array([0, 0, 0, 42])],
        [5, new Uint8Array([9, 9, 9])],
      ]).writeInt8(7),
    );
    const reader = new Reader(bytes);
    const seen: Array<[number, number]> = [];
    reader.readTaggedFields((tag, field) => {
      if (tag === 0) seen.push([tag, field.readInt32()]);
    });
    expect(seen).toEqual([[0, 42]]);
    expect(reader.readInt8()).toBe(7);
  });

  test("reading past the end is a decode error", () => {
    expect(() => new Reader(new Uint8Array([0, 1, 2])).readInt32()).toThrow(ProtocolDecodeError);
  });
});
