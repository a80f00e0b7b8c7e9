import { expect, test } from "bun:test";
import { handleDeleteRecords } from "../../../src/engine/handlers/delete-records.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import type { DeleteRecordsResponse } from "../../../src/protocol/messages/delete-records.ts";
import type { TopicRegistry } from "../../../src/engine/topic-registry.ts";
import { type EngineFixture, batchOf, engineFixture, recordingLogger } from "../fixtures.ts";

async function deleteRecords(fixture: EngineFixture, topic: string, partitions: Array<[number, number]>): Promise<DeleteRecordsResponse> {
  const request = { topics: [{ name: topic, partitions: partitions.map(([partitionIndex, offset]) => ({ partitionIndex, offset })) }], timeoutMs: 1000 };
  const response = await handleDeleteRecords(request, fixture.ctx(2));
  if (response === null) throw new Error("Expected a DeleteRecords response");
  return response;
}

async function fixtureWithRecords(): Promise<EngineFixture> {
  const fixture = await engineFixture();
  const topic = await fixture.topics.create("events", 2);
  await topic.partitions[0].log.append(batchOf(["a", "b", "c", "d", "e"]));
  return fixture;
}

test("moves the log start offset and answers the new low watermark", async () => {
  const fixture = await fixtureWithRecords();
  const response = await deleteRecords(fixture, "events", [[0, 3]]);
  expect(response.topics[0].partitions).toEqual([{ partitionIndex: 0, lowWatermark: 3, errorCode: ErrorCode.NONE }]);
  expect(fixture.topics.get("events")!.partitions[0].log.logStartOffset).toBe(3);
  // An offset below the start changes nothing.
  expect((await deleteRecords(fixture, "events", [[0, 1]])).topics[0].partitions[0].lowWatermark).toBe(3);
});

test("offset -1 deletes up to the high watermark", async () => {
  const fixture = await fixtureWithRecords();
  const response = await deleteRecords(fixture, "events", [[0, -1]]);
  expect(response.topics[0].partitions[0]).toEqual({ partitionIndex: 0, lowWatermark: 5, errorCode: ErrorCode.NONE });
});

test("an offset past the high watermark is OFFSET_OUT_OF_RANGE, an unknown partition UNKNOWN_TOPIC_OR_PARTITION", async () => {
  const fixture = await fixtureWithRecords();
  const response = await deleteRecords(fixture, "events", [[0, 6], [7, 1]]);
  expect(response.topics[0].partitions).toEqual([
    { partitionIndex: 0, lowWatermark: -1, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE },
    { partitionIndex: 7, lowWatermark: -1, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION },
  ]);
  expect((await deleteRecords(fixture, "nothing", [[0, 1]])).topics[0].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
});

test("records of the internal __consumer_offsets topic are not deleted: INVALID_TOPIC_EXCEPTION", async () => {
  const fixture = await engineFixture();
  const topic = await fixture.topics.create("__consumer_offsets", 1);
  await topic.partitions[0].log.append(batchOf(["commit"]));
  const response = await deleteRecords(fixture, "__consumer_offsets", [[0, -1]]);
  expect(response.topics[0].partitions[0]).toEqual({ partitionIndex: 0, lowWatermark: -1, errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION });
  expect(topic.partitions[0].log.logStartOffset).toBe(0);
});

test("a topic deleted between its lookup and the deletion is UNKNOWN_TOPIC_OR_PARTITION, not a logged storage failure (found by the request fuzzer)", async () => {
  const logger = recordingLogger();
  const fixture = await engineFixture({ logger });
  const topic = await fixture.topics.create("doomed", 1);
  await topic.partitions[0].log.append(batchOf(["a", "b"]));
  await fixture.topics.delete("doomed");
  // The lookup still sees the topic (as a request that looked it up just before the delete did).
  let lookups = 0;
  const topics = { get: (name: string) => (lookups++ === 0 ? topic : fixture.topics.get(name)) } as unknown as TopicRegistry;
  const request = { topics: [{ name: "doomed", partitions: [{ partitionIndex: 0, offset: 1 }] }], timeoutMs: 1000 };
  const response = await handleDeleteRecords(request, fixture.ctx(2, { topics }));
  expect(response?.topics[0].partitions).toEqual([{ partitionIndex: 0, lowWatermark: -1, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }]);
  expect(logger.lines.filter((line) => line.startsWith("error"))).toEqual([]);
});
