import { describe, expect, test } from "bun:test";
import { crc32c } from "../../src/records/crc32c.ts";
import { CorruptSnapshotError, decodeProducerSnapshot, encodeProducerSnapshot, type ProducerSnapshotEntry, producerSnapshotFileName } from "../../src/storage/producer-snapshot.ts";

const entry: ProducerSnapshotEntry = {
  producerId: 4_000_000_001,
  epoch: 3,
  lastSequence: 129,
  lastOffset: 70_000,
  offsetDelta: 9,
  timestamp: 1_714_521_600_123,
  coordinatorEpoch: -1,
  currentTxnFirstOffset: -1,
};

/** Kafka's layout written out field by field, independently of the encoder. */
function handWritten(entries: ProducerSnapshotEntry[]): Uint8Array {
  const hex: string[] = ["0001", "00000000", entries.length.toString(16).padStart(8, "0")];
  const int = (value: number, bytes: number) => (BigInt.asUintN(bytes * 8, BigInt(value))).toString(16).padStart(bytes * 2, "0");
  for (const e of entries) {
    hex.push(int(e.producerId, 8), int(e.epoch, 2), int(e.lastSequence, 4), int(e.lastOffset, 8), int(e.offsetDelta, 4), int(e.timestamp, 8), int(e.coordinatorEpoch, 4), int(e.currentTxnFirstOffset, 8));
  }
  const bytes = Uint8Array.from(Buffer.from(hex.join(""), "hex"));
  new DataView(bytes.buffer).setUint32(2, crc32c(bytes, 6));
  return bytes;
}

describe("producer snapshots", () => {
  test("are Kafka's version 1 layout, and read back", () => {
    const entries = [entry, { ...entry, producerId: 12, epoch: 0, lastSequence: -1, lastOffset: -1, offsetDelta: 0, coordinatorEpoch: 5, currentTxnFirstOffset: 69_990 }];
    const bytes = encodeProducerSnapshot(entries);
    expect(bytes.length).toBe(10 + 2 * 46);
    expect(Buffer.from(bytes).toString("hex")).toBe(Buffer.from(handWritten(entries)).toString("hex"));
    expect(decodeProducerSnapshot(bytes)).toEqual(entries);
    expect(decodeProducerSnapshot(encodeProducerSnapshot([]))).toEqual([]);
    expect(producerSnapshotFileName(70_010)).toBe("00000000000000070010.snapshot");
  });

  test("damage is named in one line: size, version, CRC, count", () => {
    const bytes = encodeProducerSnapshot([entry]);
    const damaged = (change: (copy: Uint8Array) => Uint8Array) => () => decodeProducerSnapshot(change(bytes.slice()));
    expect(damaged((copy) => copy.subarray(0, 8))).toThrow("less than its 10-byte header");
    expect(damaged((copy) => ((copy[1] = 2), copy))).toThrow("version 2");
    expect(damaged((copy) => ((copy[20] ^= 1), copy))).toThrow(CorruptSnapshotError);
    expect(damaged((copy) => ((copy[20] ^= 1), copy))).toThrow("CRC");
    const short = bytes.subarray(0, bytes.length - 1).slice();
    new DataView(short.buffer).setUint32(2, crc32c(short, 6));
    expect(() => decodeProducerSnapshot(short)).toThrow("1 entries do not fill its 55 bytes");
  });
});
