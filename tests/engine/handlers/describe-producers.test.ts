import { describe, expect, test } from "bun:test";
import { handleDescribeProducers } from "../../../src/engine/handlers/describe-producers.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import { buildRecordBatch } from "../../../src/records/record-batch.ts";
import { engineFixture } from "../fixtures.ts";

describe("DescribeProducers", () => {
  test("each partition's active producers: epoch, last sequence, last timestamp and open transaction start", async () => {
    const engine = await engineFixture();
    const topic = await engine.topics.create("out", 2);
    const idempotent = { producerId: 7, producerEpoch: 2 };
    const transactional = { producerId: 9, producerEpoch: 0 };
    await topic.partitions[0].append(buildRecordBatch({ records: [{ value: "a", timestamp: 5_000 }, { value: "b", timestamp: 5_001 }], ...idempotent, baseSequence: 0 }));
    await topic.partitions[0].append(buildRecordBatch({ records: [{ value: "c", timestamp: 6_000 }], ...idempotent, baseSequence: 2 }));
    await topic.partitions[0].append(buildRecordBatch({ records: [{ value: "t", timestamp: 7_000 }], ...transactional, baseSequence: 0, transactional: true }));
    // A batch without a producer id leaves no producer state.
    await topic.partitions[1].append(buildRecordBatch({ records: [{ value: "plain" }] }));
    const response = await handleDescribeProducers({ topics: [{ name: "out", partitionIndexes: [0, 1] }] }, engine.ctx(0));
    const [p0, p1] = response!.topics[0].partitions;
    expect(p0.errorCode).toBe(ErrorCode.NONE);
    expect(p0.errorMessage).toBeNull();
    expect([...p0.activeProducers].sort((a, b) => a.producerId - b.producerId)).toEqual([
      { producerId: 7, producerEpoch: 2, lastSequence: 2, lastTimestamp: 6_000, coordinatorEpoch: -1, currentTxnStartOffset: -1 },
      { producerId: 9, producerEpoch: 0, lastSequence: 0, lastTimestamp: 7_000, coordinatorEpoch: -1, currentTxnStartOffset: 3 },
    ]);
    expect(p1).toEqual({ partitionIndex: 1, errorCode: ErrorCode.NONE, errorMessage: null, activeProducers: [] });
  });

  test("an unknown topic or partition is UNKNOWN_TOPIC_OR_PARTITION, per partition", async () => {
    const engine = await engineFixture();
    await engine.topics.create("out", 1);
    const response = await handleDescribeProducers({ topics: [{ name: "out", partitionIndexes: [0, 3, -1] }, { name: "missing", partitionIndexes: [0] }] }, engine.ctx(0));
    expect(response!.topics.map((topic) => [topic.name, topic.partitions.map((partition) => [partition.partitionIndex, partition.errorCode])])).toEqual([
      [
        "out",
        [
          [0, ErrorCode.NONE],
          [3, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
          [-1, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
        ],
      ],
      ["missing", [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
    ]);
  });
});
