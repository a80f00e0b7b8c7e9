import { describe, expect, test } from "bun:test";
import { xxhash32 } from "../../../src/records/compression/xxhash32.ts";

const encode = (text: string) => new TextEncoder().encode(text);

describe("xxhash32", () => {
  test("matches the reference values", () => {
    expect(xxhash32(encode(""))).toBe(0x02cc5d05);
    expect(xxhash32(encode("a"))).toBe(0x550d7456);
    expect(xxhash32(encode("abc"))).toBe(0x32d153ff);
    expect(xxhash32(encode("Nobody inspects the spammish repetition"))).toBe(0xe2293b2f);
  });

  test("hashes a sub-range like the same bytes on their own", () => {
    const bytes = encode("xxNobody inspects the spammish repetitionyy");
    expect(xxhash32(bytes, 2, bytes.length - 2)).toBe(0xe2293b2f);
  });

  test("depends on the seed", () => {
    expect(xxhash32(encode("abc"), 0, 3, 1)).not.toBe(xxhash32(encode("abc")));
  });
});
