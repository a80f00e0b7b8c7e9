import { describe, expect, test } from "bun:test";
import { batchesRetained, fromSnapshotEntry, lastSequenceOf, noProducerEpoch, PartitionProducers, type ProducedBatch, toSnapshotEntry } from "../../src/engine/producer-state.ts";
import { decodeProducerSnapshot, encodeProducerSnapshot } from "../../src/storage/producer-snapshot.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";

const batch = (baseSequence: number, recordCount = 10, producerEpoch = 0, producerId = 7): ProducedBatch => ({ producerId, producerEpoch, baseSequence, recordCount });

/** Checks and, when it may be appended, records `produced` at the next offsets; returns the check. */
function append(producers: PartitionProducers, produced: ProducedBatch, log: { end: number }) {
  const check = producers.check(produced);
  if (check.kind === "append") {
    producers.record(produced, log.end, log.end + produced.recordCount - 1, 1_000 + log.end);
    log.end += produced.recordCount;
  }
  return check;
}

describe("PartitionProducers", () => {
  test("a producer's batches follow each other; a retry of any of its last five is answered with its first offsets", () => {
    const producers = new PartitionProducers();
    const log = { end: 100 };
    // A producer the partition does not know may start anywhere (KIP-360).
    expect(append(producers, batch(30), log)).toEqual({ kind: "append" });
    for (let i = 1; i <= 6; i++) expect(append(producers, batch(30 + 10 * i), log)).toEqual({ kind: "append" });
    expect(producers.entry(7)!.batches.length).toBe(batchesRetained);
    // The batch at sequences 50..59 was written at offsets 120..129.
    expect(producers.check(batch(50))).toEqual({ kind: "duplicate", batch: { firstSeq: 50, lastSeq: 59, firstOffset: 120, lastOffset: 129, maxTimestamp: 1_120 } });
    // Older than the last five: no longer recognised, and out of sequence.
    expect(producers.check(batch(40))).toMatchObject({ kind: "refused", errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
    // A gap, or the same start with another length, is out of sequence too.
    expect(producers.check(batch(110))).toMatchObject({ kind: "refused", errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
    expect(producers.check(batch(50, 5))).toMatchObject({ kind: "refused", errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
    expect(append(producers, batch(100), log)).toEqual({ kind: "append" });
    expect(log.end).toBe(180);
  });

  test("an older epoch is refused; a new epoch starts at sequence 0 and forgets the old batches", () => {
    const producers = new PartitionProducers();
    const log = { end: 0 };
    append(producers, batch(0, 5, 3), log);
    expect(producers.check(batch(5, 5, 2))).toMatchObject({ kind: "refused", errorCode: ErrorCode.INVALID_PRODUCER_EPOCH });
    expect(producers.check(batch(5, 5, 4))).toMatchObject({ kind: "refused", errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
    expect(append(producers, batch(0, 5, 4), log)).toEqual({ kind: "append" });
    expect(producers.entry(7)).toMatchObject({ epoch: 4, batches: [{ firstSeq: 0, lastSeq: 4, firstOffset: 5 }] });
    // The old epoch's batch at 0..4 is not a duplicate of the new one's.
    expect(producers.check(batch(0, 5, 3))).toMatchObject({ kind: "refused", errorCode: ErrorCode.INVALID_PRODUCER_EPOCH });
  });

  test("sequences wrap from 2^31 − 1 to 0", () => {
    expect(lastSequenceOf(0x7fff_fff0, 0x20)).toBe(0x0f);
    const producers = new PartitionProducers();
    const log = { end: 0 };
    append(producers, batch(0x7fff_fff6, 10), log);
    expect(producers.entry(7)!.batches[0].lastSeq).toBe(0x7fff_ffff);
    expect(append(producers, batch(0, 3), log)).toEqual({ kind: "append" });
    expect(producers.check(batch(1, 3))).toMatchObject({ kind: "refused", errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
  });

  test("a loaded entry recognises its batch; without batches it expects 0, or anything when its epoch is unknown", () => {
    const producers = new PartitionProducers();
    producers.load({ producerId: 7, epoch: 1, batches: [{ firstSeq: 20, lastSeq: 29, firstOffset: 500, lastOffset: 509, maxTimestamp: 9 }], coordinatorEpoch: -1, currentTxnFirstOffset: -1, lastTimestamp: 9 });
    expect(producers.check(batch(20, 10, 1))).toMatchObject({ kind: "duplicate", batch: { firstOffset: 500 } });
    expect(producers.check(batch(30, 10, 1))).toEqual({ kind: "append" });
    producers.load({ producerId: 8, epoch: 2, batches: [], coordinatorEpoch: 0, currentTxnFirstOffset: -1, lastTimestamp: 9 });
    expect(producers.check(batch(4, 1, 2, 8))).toMatchObject({ kind: "refused", errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
    expect(producers.check(batch(0, 1, 2, 8))).toEqual({ kind: "append" });
    producers.load({ producerId: 9, epoch: noProducerEpoch, batches: [], coordinatorEpoch: -1, currentTxnFirstOffset: -1, lastTimestamp: 9 });
    expect(producers.check(batch(4, 1, 0, 9))).toEqual({ kind: "append" });
  });

  test("producers idle for the expiration are forgotten, unless a transaction of theirs is open", () => {
    const producers = new PartitionProducers();
    producers.record(batch(0, 1, 0, 1), 0, 0, 1_000);
    producers.record(batch(0, 1, 0, 2), 1, 1, 5_000);
    producers.load({ producerId: 3, epoch: 0, batches: [], coordinatorEpoch: 0, currentTxnFirstOffset: 2, lastTimestamp: 0 });
    expect(producers.expire(4_999, 4_000)).toBe(0);
    expect(producers.expire(5_000, 4_000)).toBe(1);
    expect([...producers.entries()].map((entry) => entry.producerId).sort()).toEqual([2, 3]);
    // Forgotten, producer 1 may start again anywhere.
    expect(producers.check(batch(77, 1, 0, 1))).toEqual({ kind: "append" });
  });

  test("a snapshot keeps each producer's last batch: after reloading it, a retry of that batch is still recognised", () => {
    const producers = new PartitionProducers();
    const log = { end: 0 };
    for (const base of [0x7fff_fff7, 0x7fff_fffb, 0x7fff_ffff]) expect(append(producers, batch(base, 4, 2), log)).toEqual({ kind: "append" });
    producers.load({ producerId: 9, epoch: 1, batches: [], coordinatorEpoch: 4, currentTxnFirstOffset: 3, lastTimestamp: 77 });
    const bytes = encodeProducerSnapshot([...producers.entries()].map(toSnapshotEntry));
    const reloaded = new PartitionProducers();
    for (const entry of decodeProducerSnapshot(bytes)) reloaded.load(fromSnapshotEntry(entry));
    // The last batch wrapped: sequences 2^31 − 1, 0, 1, 2 at offsets 8..11.
    expect(reloaded.entry(7)).toEqual({ producerId: 7, epoch: 2, batches: [{ firstSeq: 0x7fff_ffff, lastSeq: 2, firstOffset: 8, lastOffset: 11, maxTimestamp: 1_008 }], coordinatorEpoch: -1, currentTxnFirstOffset: -1, lastTimestamp: 1_008 });
    expect(reloaded.check(batch(0x7fff_ffff, 4, 2))).toMatchObject({ kind: "duplicate", batch: { firstOffset: 8 } });
    expect(reloaded.check(batch(3, 4, 2))).toEqual({ kind: "append" });
    expect(reloaded.entry(9)).toEqual(producers.entry(9));
  });
});
