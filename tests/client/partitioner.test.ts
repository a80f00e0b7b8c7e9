import { describe, expect, test } from "bun:test";
import { crc32PartitionForKey, murmur2, partitionForKey, Partitioner, toPositive } from "../../src/client/partitioner.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("murmur2", () => {
  // Kafka's own vectors, from clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java.
  const vectors: Array<[string, number]> = [
    ["21", -973932308],
    ["foobar", -790332482],
    ["a-little-bit-long-string", -985981536],
    ["a-little-bit-longer-string", -1486304829],
    ["lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971],
    ["abc", 479470107],
  ];
  for (const [key, expected] of vectors) {
    test(`matches the Java client for "${key}"`, () => {
      expect(murmur2(bytes(key))).toBe(expected);
    });
  }

  test("hashes every tail length differently", () => {
    const seen = new Set([1, 2, 3, 4, 5].map((length) => murmur2(new Uint8Array(length).fill(0xff))));
    expect(seen.size).toBe(5);
  });

  test("agrees with kafkajs's independent implementation on bytes above 0x7f", async () => {
    // A variable path: kafkajs ships no types for its internals.
    const kafkajsPath = "kafkajs/src/producer/partitioners/default/murmur2.js";
    const kafkajsMurmur2 = (await import(kafkajsPath)).default as (key: Buffer) => number;
    for (let length = 0; length < 40; length++) {
      const key = Buffer.alloc(length);
      for (let i = 0; i < length; i++) key[i] = (i * 97 + length * 31) & 0xff;
      expect(murmur2(key)).toBe(kafkajsMurmur2(key));
    }
  });
});

describe("partitionForKey", () => {
  test("uses toPositive, not Math.abs", () => {
    expect(toPositive(-790332482)).toBe(-790332482 & 0x7fffffff);
    expect(partitionForKey(bytes("foobar"), 7)).toBe((-790332482 & 0x7fffffff) % 7);
  });
});

describe("Partitioner", () => {
  test("sends keyed records by hash and unkeyed records stickily", () => {
    const partitioner = new Partitioner({ stickyBytes: 100 });
    expect(partitioner.partition("t", bytes("abc"), 10, 5)).toBe(479470107 % 5);
    const first = partitioner.partition("t", null, 60, 5);
    expect(partitioner.partition("t", null, 60, 5)).toBe(first);
    expect(partitioner.partition("t", null, 60, 5)).toBe((first + 1) % 5);
  });
});

describe("partitioner strategies", () => {
  test("crc32 is librdkafka's consistent partitioner: IEEE CRC-32 of the key", () => {
    // CRC-32 of "123456789" is the standard check value 0xcbf43926.
    expect(crc32PartitionForKey(bytes("123456789"), 1000)).toBe(0xcbf43926 % 1000);
    const partitioner = new Partitioner({ stickyBytes: 100, strategy: "crc32" });
    expect(partitioner.partition("t", bytes("123456789"), 10, 7)).toBe(0xcbf43926 % 7);
    // Empty keys are unkeyed for librdkafka: they stick like null keys.
    const first = partitioner.partition("t", new Uint8Array(0), 10, 7);
    expect(partitioner.partition("t", null, 10, 7)).toBe(first);
  });

  test("random ignores keys and reaches every partition", () => {
    const partitioner = new Partitioner({ stickyBytes: 100, strategy: "random" });
    const seen = new Set(Array.from({ length: 500 }, () => partitioner.partition("t", bytes("same"), 10, 4)));
    expect(seen).toEqual(new Set([0, 1, 2, 3]));
  });
});
