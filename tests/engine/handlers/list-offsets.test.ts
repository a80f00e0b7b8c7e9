import { describe, expect, test } from "bun:test";
import { OffsetSpec, handleListOffsets } from "../../../src/engine/handlers/list-offsets.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import { buildRecordBatch } from "../../../src/records/record-batch.ts";
import type { ListOffsetsResponse } from "../../../src/protocol/messages/list-offsets.ts";
import { type EngineFixture, batchOf, engineFixture } from "../fixtures.ts";

async function listOffsets(fixture: EngineFixture, topic: string, queries: Array<[partition: number, timestamp: number]>): Promise<ListOffsetsResponse> {
  const response = await handleListOffsets(
    {
      replicaId: -1,
      isolationLevel: 0,
      topics: [{ name: topic, partitions: queries.map(([partitionIndex, timestamp]) => ({ partitionIndex, currentLeaderEpoch: -1, timestamp })) }],
    },
    fixture.ctx(7),
  );
  if (response === null) throw new Error("Expected a list offsets response, got none");
  return response;
}

/** [offset, timestamp] answered for one query on partition 0. */
async function lookup(fixture: EngineFixture, topic: string, timestamp: number): Promise<[number, number]> {
  const response = await listOffsets(fixture, topic, [[0, timestamp]]);
  const answer = response.topics[0].partitions[0];
  expect(answer.errorCode).toBe(ErrorCode.NONE);
  return [answer.offset!, answer.timestamp!];
}

/** Offsets 0-4 with timestamps 100, 200 | 300, 400 | 500 in three batches. */
async function timedTopic(fixture: EngineFixture) {
  const topic = await fixture.topics.create("timed", 1);
  await topic.partitions[0].append(batchOf(["a", "b"], { timestamps: [100, 200] }));
  await topic.partitions[0].append(batchOf(["c", "d"], { timestamps: [300, 400] }));
  await topic.partitions[0].append(batchOf(["e"], { timestamps: [500] }));
  return topic;
}

describe("handleListOffsets", () => {
  test("earliest and latest are the log start and the high watermark", async () => {
    const fixture = await engineFixture();
    const topic = await timedTopic(fixture);
    expect(await lookup(fixture, "timed", OffsetSpec.earliest)).toEqual([0, -1]);
    expect(await lookup(fixture, "timed", OffsetSpec.latest)).toEqual([5, -1]);
    await topic.partitions[0].log.advanceLogStartOffset(3);
    expect(await lookup(fixture, "timed", OffsetSpec.earliest)).toEqual([3, -1]);
  });

  test("an empty partition has earliest = latest = 0 and no max timestamp", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("empty", 1);
    expect(await lookup(fixture, "empty", OffsetSpec.earliest)).toEqual([0, -1]);
    expect(await lookup(fixture, "empty", OffsetSpec.latest)).toEqual([0, -1]);
    expect(await lookup(fixture, "empty", OffsetSpec.maxTimestamp)).toEqual([-1, -1]);
    expect(await lookup(fixture, "empty", 0)).toEqual([-1, -1]);
  });

  test("max timestamp (-3) is the record with the largest timestamp, wherever it sits", async () => {
    const fixture = await engineFixture();
    await timedTopic(fixture);
    expect(await lookup(fixture, "timed", OffsetSpec.maxTimestamp)).toEqual([4, 500]);
    const topic = await fixture.topics.create("unordered", 1);
    await topic.partitions[0].append(batchOf(["a", "b", "c"], { timestamps: [100, 900, 200] }));
    await topic.partitions[0].append(batchOf(["d"], { timestamps: [300] }));
    expect(await lookup(fixture, "unordered", OffsetSpec.maxTimestamp)).toEqual([1, 900]);
  });

  test("a timestamp finds the first record at or after it, across batches", async () => {
    const fixture = await engineFixture();
    await timedTopic(fixture);
    expect(await lookup(fixture, "timed", 0)).toEqual([0, 100]);
    expect(await lookup(fixture, "timed", 100)).toEqual([0, 100]);
    expect(await lookup(fixture, "timed", 200)).toEqual([1, 200]);
    expect(await lookup(fixture, "timed", 201)).toEqual([2, 300]);
    expect(await lookup(fixture, "timed", 400)).toEqual([3, 400]);
    expect(await lookup(fixture, "timed", 450)).toEqual([4, 500]);
    expect(await lookup(fixture, "timed", 500)).toEqual([4, 500]);
  });

  test("a timestamp lookup skips records below the log start", async () => {
    const fixture = await engineFixture();
    const topic = await timedTopic(fixture);
    await topic.partitions[0].log.advanceLogStartOffset(1);
    expect(await lookup(fixture, "timed", 0)).toEqual([1, 200]);
  });

  test("a timestamp after every record is offset -1, timestamp -1", async () => {
    const fixture = await engineFixture();
    await timedTopic(fixture);
    expect(await lookup(fixture, "timed", 501)).toEqual([-1, -1]);
  });

  test("answers several partitions in request order", async () => {
    const fixture = await engineFixture();
    await timedTopic(fixture);
    const response = await listOffsets(fixture, "timed", [
      [0, OffsetSpec.latest],
      [3, OffsetSpec.latest],
      [0, 300],
    ]);
    expect(response.topics[0].name).toBe("timed");
    expect(response.topics[0].partitions.map((p) => [p.partitionIndex, p.errorCode, p.offset])).toEqual([
      [0, ErrorCode.NONE, 5],
      [3, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1],
      [0, ErrorCode.NONE, 2],
    ]);
  });

  test("an unknown topic is UNKNOWN_TOPIC_OR_PARTITION and is not created", async () => {
    const fixture = await engineFixture({ config: { autoCreateTopics: true } });
    const response = await listOffsets(fixture, "nowhere", [[0, OffsetSpec.latest]]);
    expect(response.topics[0].partitions[0]).toMatchObject({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, offset: -1, timestamp: -1 });
    expect(fixture.topics.get("nowhere")).toBeUndefined();
  });

  test("a negative timestamp other than the special ones is INVALID_REQUEST", async () => {
    const fixture = await engineFixture();
    await timedTopic(fixture);
    const response = await listOffsets(fixture, "timed", [[0, -7]]);
    expect(response.topics[0].partitions[0].errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });
});

describe("handleListOffsets with transactions", () => {
  test("latest is the last stable offset for read_committed, the high watermark for read_uncommitted", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("txn", 1);
    const partition = fixture.topics.get("txn")!.partitions[0];
    await partition.append(batchOf(["plain"]));
    await partition.append(buildRecordBatch({ records: [{ value: "open" }], producerId: 1, producerEpoch: 0, baseSequence: 0, transactional: true }));
    const latest = async (isolationLevel: number) => {
      const request = { replicaId: -1, isolationLevel, topics: [{ name: "txn", partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] }] };
      const response = await handleListOffsets(request, fixture.ctx(7));
      return response!.topics[0].partitions[0].offset;
    };
    expect(await latest(1)).toBe(1);
    expect(await latest(0)).toBe(2);
  });
});
