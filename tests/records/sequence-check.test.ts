import { describe, expect, test } from "bun:test";
import { Attributes, type BatchHeader } from "../../src/records/batch-header.ts";
import { ProducerSequenceCheck } from "../../src/records/sequence-check.ts";

function header(producerId: number, epoch: number, baseSequence: number, count: number, baseOffset: number, attributes = 0): BatchHeader {
  return {
    baseOffset, batchLength: 100, partitionLeaderEpoch: 0, magic: 2, crc: 0, attributes, lastOffsetDelta: count - 1,
    baseTimestamp: 0, maxTimestamp: 0, producerId, producerEpoch: epoch, baseSequence, recordCount: count,
  };
}

describe("ProducerSequenceCheck", () => {
  test("continuing sequences, producers interleaved, a new epoch at 0, wrap-around and plain batches pass", () => {
    const check = new ProducerSequenceCheck();
    const problems = [
      header(1, 0, 0, 5, 0), header(2, 0, 7, 2, 5), header(1, 0, 5, 5, 7), header(-1, -1, -1, 3, 12),
      header(2, 0, 9, 1, 15), header(1, 1, 0, 2, 16), header(3, 0, 0x7fff_fffe, 2, 18), header(3, 0, 0, 1, 20),
      header(1, 1, 0, 1, 21, Attributes.control | Attributes.transactional),
    ].map((entry) => check.check(entry));
    expect(problems).toEqual(Array(9).fill(null));
  });

  test("a duplicate, a gap, an older epoch and a new epoch off 0 are named", () => {
    const check = new ProducerSequenceCheck();
    check.check(header(1, 2, 0, 5, 0));
    expect(check.check(header(1, 2, 0, 5, 5))).toContain("repeats sequences 0-4");
    expect(check.check(header(1, 2, 9, 1, 10))).toContain("ended at 4: sequences are missing");
    expect(check.check(header(1, 1, 10, 1, 11))).toContain("older than 2");
    expect(check.check(header(1, 3, 4, 1, 12))).toContain("new epoch at sequence 4, not 0");
  });

  test("gaps below the compacted offset are expected, duplicates are not", () => {
    const check = new ProducerSequenceCheck();
    check.check(header(1, 0, 0, 5, 0));
    expect(check.check(header(1, 0, 9, 1, 9), 100)).toBeNull();
    expect(check.check(header(1, 0, 9, 1, 10), 100)).toContain("repeats");
  });
});
