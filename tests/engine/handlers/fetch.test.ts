import { describe, expect, test } from "bun:test";
import { handleFetch } from "../../../src/engine/handlers/fetch.ts";
import { handleProduce } from "../../../src/engine/handlers/produce.ts";
import { zeroTopicId } from "../../../src/engine/topic-lookup.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import { buildRecordBatch } from "../../../src/records/record-batch.ts";
import type { FetchRequest, FetchResponse, FetchResponsePartitionData } from "../../../src/protocol/messages/fetch.ts";
import type { HandlerContext } from "../../../src/engine/handler-context.ts";
import { eventually } from "../../support/wait.ts";
import { ManualScheduler } from "../groups/manual-scheduler.ts";
import { type EngineFixture, baseOffsetsOf, batchOf, engineFixture, recordsOf } from "../fixtures.ts";

interface PartitionFetch {
  partition?: number;
  offset?: number;
  partitionMaxBytes?: number;
}

function fetchRequest(topic: string, partitions: PartitionFetch[], fields: Partial<FetchRequest> = {}): FetchRequest {
  return {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 50 * 1024 * 1024,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic,
        topicId: zeroTopicId,
        partitions: partitions.map(({ partition = 0, offset = 0, partitionMaxBytes = 1024 * 1024 }) => ({
          partition,
          currentLeaderEpoch: -1,
          fetchOffset: offset,
          lastFetchedEpoch: -1,
          logStartOffset: -1,
          partitionMaxBytes,
        })),
      },
    ],
    forgottenTopicsData: [],
    rackId: "",
    ...fields,
  };
}

async function fetch(fixture: EngineFixture, request: FetchRequest, apiVersion = 12, overrides: Partial<HandlerContext> = {}): Promise<FetchResponse> {
  const response = await handleFetch(request, fixture.ctx(apiVersion, overrides));
  if (response === null) throw new Error("Expected a fetch response, got none");
  return response;
}

/** Resolves once the fetch has parked: its max-wait timer is set on `clock`. */
function parked(clock: ManualScheduler): Promise<unknown> {
  return eventually(() => clock.pending === 1, "the fetch parks on its max-wait timer", { waitMs: 5000, pollMs: 1 });
}

/** The fetch, and whether it has answered yet. */
function watched(polled: Promise<FetchResponse>): { polled: Promise<FetchResponse>; answered: () => boolean } {
  let answered = false;
  void polled.then(() => (answered = true));
  return { polled, answered: () => answered };
}

function onlyPartition(response: FetchResponse): FetchResponsePartitionData {
  expect(response.responses).toHaveLength(1);
  expect(response.responses[0].partitions).toHaveLength(1);
  return response.responses[0].partitions[0];
}

/** A topic whose partitions hold batches of the given values, appended in order. */
async function topicWith(fixture: EngineFixture, name: string, batchesPerPartition: string[][][]) {
  const topic = await fixture.topics.create(name, batchesPerPartition.length);
  for (const [index, batches] of batchesPerPartition.entries()) {
    for (const values of batches) await topic.partitions[index].append(batchOf(values));
  }
  return topic;
}

function produceOne(fixture: EngineFixture, topic: string, value: string) {
  return handleProduce(
    { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: 0, records: batchOf([value]) }] }] },
    fixture.ctx(9),
  );
}

describe("handleFetch", () => {
  test("returns whole stored batches from the fetch offset with the partition's offsets", async () => {
    const fixture = await engineFixture();
    await topicWith(fixture, "orders", [[["a", "b"], ["c"], ["d", "e", "f"]]]);
    const partition = onlyPartition(await fetch(fixture, fetchRequest("orders", [{ offset: 2 }])));
    expect(partition).toMatchObject({ partitionIndex: 0, errorCode: ErrorCode.NONE, highWatermark: 6, lastStableOffset: 6, logStartOffset: 0 });
    expect(partition.abortedTransactions).toBeNull();
    expect(baseOffsetsOf(partition.records)).toEqual([2, 3]);
    expect(recordsOf(partition.records)).toEqual([
      [2, "c"],
      [3, "d"],
      [4, "e"],
      [5, "f"],
    ]);
  });

  test("an offset in the middle of a batch returns that whole batch", async () => {
    const fixture = await engineFixture();
    await topicWith(fixture, "orders", [[["a", "b"], ["c", "d", "e"]]]);
    const partition = onlyPartition(await fetch(fixture, fetchRequest("orders", [{ offset: 3 }])));
    expect(baseOffsetsOf(partition.records)).toEqual([2]);
    expect(recordsOf(partition.records).map(([offset]) => offset)).toEqual([2, 3, 4]);
  });

  test("partition_max_bytes below one batch still returns that one batch, and only it", async () => {
    const fixture = await engineFixture();
    await topicWith(fixture, "orders", [[["a".repeat(100)], ["b".repeat(100)]]]);
    const partition = onlyPartition(await fetch(fixture, fetchRequest("orders", [{ partitionMaxBytes: 10 }])));
    expect(baseOffsetsOf(partition.records)).toEqual([0]);
  });

  test("max_bytes bounds the response across partitions, but the first partition with data gets a batch", async () => {
    const fixture = await engineFixture();
    await topicWith(fixture, "orders", [[["a".repeat(100)], ["b".repeat(100)]], [["c".repeat(100)]], [["d".repeat(100)]]]);
    const batchBytes = batchOf(["a".repeat(100)]).length;
    const response = await fetch(
      fixture,
      fetchRequest("orders", [{ partition: 0 }, { partition: 1 }, { partition: 2 }], { maxBytes: batchBytes + 1 }),
    );
    const partitions = response.responses[0].partitions;
    expect(partitions.map((p) => [p.partitionIndex, p.errorCode, p.highWatermark, baseOffsetsOf(p.records)])).toEqual([
      [0, ErrorCode.NONE, 2, [0]],
      [1, ErrorCode.NONE, 1, []],
      [2, ErrorCode.NONE, 1, []],
    ]);
    for (const partition of partitions.slice(1)) expect(partition.records).toEqual(new Uint8Array(0));

    const tiny = await fetch(fixture, fetchRequest("orders", [{ partition: 1 }, { partition: 2 }], { maxBytes: 1 }));
    expect(tiny.responses[0].partitions.map((p) => baseOffsetsOf(p.records))).toEqual([[0], []]);

    // Only the first partition with data may exceed its partition_max_bytes.
    const perPartition = await fetch(fixture, fetchRequest("orders", [{ partition: 1 }, { partition: 2, partitionMaxBytes: 10 }]));
    expect(perPartition.responses[0].partitions.map((p) => baseOffsetsOf(p.records))).toEqual([[0], []]);
  });

  test("an offset past the high watermark or below the log start is OFFSET_OUT_OF_RANGE", async () => {
    const fixture = await engineFixture();
    const topic = await topicWith(fixture, "orders", [[["a", "b"], ["c"]]]);
    const past = onlyPartition(await fetch(fixture, fetchRequest("orders", [{ offset: 4 }])));
    expect(past).toMatchObject({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, highWatermark: 3, logStartOffset: 0 });
    expect(past.records).toEqual(new Uint8Array(0));
    await topic.partitions[0].log.advanceLogStartOffset(2);
    const below = onlyPartition(await fetch(fixture, fetchRequest("orders", [{ offset: 1 }])));
    expect(below).toMatchObject({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, highWatermark: 3, logStartOffset: 2 });
  });

  test("no data is an empty record set, never null", async () => {
    const fixture = await engineFixture();
    await topicWith(fixture, "orders", [[["a"]]]);
    const atEnd = onlyPartition(await fetch(fixture, fetchRequest("orders", [{ offset: 1 }])));
    expect(atEnd.errorCode).toBe(ErrorCode.NONE);
    expect(atEnd.records).toBeInstanceOf(Uint8Array);
    expect(atEnd.records!.length).toBe(0);
    const unknown = onlyPartition(await fetch(fixture, fetchRequest("nowhere", [{}])));
    expect(unknown.records).toBeInstanceOf(Uint8Array);
    expect(unknown.records!.length).toBe(0);
  });

  test("an unknown topic by name is UNKNOWN_TOPIC_OR_PARTITION, as is an unknown partition", async () => {
    const fixture = await engineFixture();
    await topicWith(fixture, "orders", [[["a"]]]);
    const unknownTopic = await fetch(fixture, fetchRequest("nowhere", [{}]));
    expect(unknownTopic.responses[0].topic).toBe("nowhere");
    expect(onlyPartition(unknownTopic)).toMatchObject({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, highWatermark: -1 });
    const unknownPartition = onlyPartition(await fetch(fixture, fetchRequest("orders", [{ partition: 5 }])));
    expect(unknownPartition).toMatchObject({ partitionIndex: 5, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
    expect(fixture.topics.get("nowhere")).toBeUndefined();
  });

  test("v13 finds topics by id, and an unknown id is UNKNOWN_TOPIC_ID", async () => {
    const fixture = await engineFixture();
    const topic = await topicWith(fixture, "orders", [[["a"]]]);
    const byId = fetchRequest("", [{}]);
    byId.topics[0] = { ...byId.topics[0], topic: undefined, topicId: topic.meta.topicId };
    const found = await fetch(fixture, byId, 13);
    expect(found.responses[0].topicId).toBe(topic.meta.topicId);
    expect(recordsOf(onlyPartition(found).records)).toEqual([[0, "a"]]);

    const missingId = "0123456789abcdef0123456789abcdef";
    const unknown = fetchRequest("", [{}]);
    unknown.topics[0] = { ...unknown.topics[0], topic: undefined, topicId: missingId };
    const answer = await fetch(fixture, unknown, 13);
    expect(answer.responses[0].topicId).toBe(missingId);
    expect(onlyPartition(answer).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_ID);
  });

  test("a fetch session id other than 0 is FETCH_SESSION_ID_NOT_FOUND", async () => {
    const fixture = await engineFixture();
    const response = await fetch(fixture, fetchRequest("orders", [{}], { sessionId: 7 }));
    expect(response).toMatchObject({ errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, responses: [] });
  });

  test("a long poll on an empty partition resolves as soon as a produce arrives", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("quiet", 1);
    const clock = new ManualScheduler();
    const polled = fetch(fixture, fetchRequest("quiet", [{}], { minBytes: 1, maxWaitMs: 5000 }), 12, clock.handlerClock);
    await parked(clock);
    await produceOne(fixture, "quiet", "wake up");
    const partition = onlyPartition(await polled);
    // Answered with no time passing, and its max-wait timer cancelled.
    expect(clock.pending).toBe(0);
    expect(recordsOf(partition.records)).toEqual([[0, "wake up"]]);
    expect(partition.highWatermark).toBe(1);
  });

  test("a long poll over several partitions wakes on data in any of them", async () => {
    const fixture = await engineFixture();
    const topic = await fixture.topics.create("wide", 3);
    const clock = new ManualScheduler();
    const polled = fetch(fixture, fetchRequest("wide", [{ partition: 0 }, { partition: 1 }, { partition: 2 }], { minBytes: 1, maxWaitMs: 5000 }), 12, clock.handlerClock);
    await parked(clock);
    await topic.partitions[2].append(batchOf(["third"]));
    const response = await polled;
    expect(clock.pending).toBe(0);
    expect(response.responses[0].partitions.map((p) => recordsOf(p.records))).toEqual([[], [], [[0, "third"]]]);
  });

  test("data appended between the read and the wait is not missed", async () => {
    const fixture = await engineFixture();
    const topic = await fixture.topics.create("racy", 1);
    const log = topic.partitions[0].log;
    const read = log.read.bind(log);
    let reads = 0;
    // The first read finds nothing; data lands right after it, before the fetch parks.
    log.read = async (offset, maxBytes) => {
      const result = await read(offset, maxBytes);
      if (reads++ === 0) await topic.partitions[0].append(batchOf(["late"]));
      return result;
    };
    // The clock never moves: only the data can end this fetch.
    const clock = new ManualScheduler();
    const partition = onlyPartition(await fetch(fixture, fetchRequest("racy", [{}], { minBytes: 1, maxWaitMs: 5000 }), 12, clock.handlerClock));
    expect(clock.pending).toBe(0);
    expect(recordsOf(partition.records)).toEqual([[0, "late"]]);
  });

  test("a long poll with nothing arriving answers an empty record set when the context's clock reaches max_wait", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("quiet", 1);
    const clock = new ManualScheduler();
    const { answered, polled } = watched(fetch(fixture, fetchRequest("quiet", [{}], { minBytes: 1, maxWaitMs: 200 }), 12, clock.handlerClock));
    await parked(clock);
    await clock.advance(199);
    expect(answered()).toBe(false);
    await clock.advance(1);
    const partition = onlyPartition(await polled);
    expect(partition.errorCode).toBe(ErrorCode.NONE);
    expect(partition.records).toEqual(new Uint8Array(0));
  });

  test("a long poll waits for min_bytes, answering with what it has at max_wait", async () => {
    const fixture = await engineFixture();
    await topicWith(fixture, "orders", [[["a"]]]);
    const clock = new ManualScheduler();
    const { answered, polled } = watched(fetch(fixture, fetchRequest("orders", [{}], { minBytes: 1 << 20, maxWaitMs: 100 }), 12, clock.handlerClock));
    await parked(clock);
    await clock.advance(99);
    expect(answered()).toBe(false);
    await clock.advance(1);
    expect(recordsOf(onlyPartition(await polled).records)).toEqual([[0, "a"]]);
  });

  test("data short of min_bytes wakes the poll, which parks again only for what is left of max_wait", async () => {
    const fixture = await engineFixture();
    const topic = await fixture.topics.create("trickle", 1);
    const clock = new ManualScheduler();
    const { answered, polled } = watched(fetch(fixture, fetchRequest("trickle", [{}], { minBytes: 1 << 20, maxWaitMs: 1000 }), 12, clock.handlerClock));
    await parked(clock);
    await clock.advance(400);
    await topic.partitions[0].append(batchOf(["small"]));
    await parked(clock);
    await clock.advance(599);
    expect(answered()).toBe(false);
    await clock.advance(1);
    expect(recordsOf(onlyPartition(await polled).records)).toEqual([[0, "small"]]);
  });

  test("an aborted signal ends the wait", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("quiet", 1);
    const aborter = new AbortController();
    const clock = new ManualScheduler();
    const polled = fetch(fixture, fetchRequest("quiet", [{}], { minBytes: 1, maxWaitMs: 5000 }), 12, { ...clock.handlerClock, signal: aborter.signal });
    await parked(clock);
    aborter.abort();
    const partition = onlyPartition(await polled);
    expect(clock.pending).toBe(0);
    expect(partition.records).toEqual(new Uint8Array(0));
  });

  test("a fetch of unknown partitions only does not wait", async () => {
    const fixture = await engineFixture();
    const clock = new ManualScheduler();
    await fetch(fixture, fetchRequest("nowhere", [{}], { minBytes: 1, maxWaitMs: 5000 }), 12, clock.handlerClock);
    expect(clock.pending).toBe(0);
  });

  test("a long poll parked on a topic that is then deleted answers UNKNOWN_TOPIC_OR_PARTITION at once, as Kafka does", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("doomed", 1);
    const clock = new ManualScheduler();
    const polled = fetch(fixture, fetchRequest("doomed", [{}], { minBytes: 1, maxWaitMs: 10_000 }), 12, clock.handlerClock);
    // Delete only once the fetch has parked on the partition's waiters, so that path is the one tested.
    await parked(clock);
    await fixture.topics.delete("doomed");
    const partition = onlyPartition(await polled);
    expect(clock.pending).toBe(0);
    expect(partition.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  test("a partition error answers at once even when other partitions could wait for data", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("quiet", 1);
    const clock = new ManualScheduler();
    const response = await fetch(fixture, fetchRequest("quiet", [{ partition: 0 }, { partition: 7 }], { minBytes: 1, maxWaitMs: 10_000 }), 12, clock.handlerClock);
    expect(clock.pending).toBe(0);
    expect(response.responses[0].partitions.map((p) => p.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
  });
});

describe("handleFetch with transactions", () => {
  const transactional = (producerId: number, values: string[]) =>
    buildRecordBatch({ records: values.map((value) => ({ value })), producerId, producerEpoch: 0, baseSequence: 0, transactional: true });
  const marker = (producerId: number, commit: boolean) => ({ producerId, producerEpoch: 0, commit, coordinatorEpoch: 0 });

  async function partitionWithTransactions(fixture: EngineFixture) {
    await fixture.topics.create("txn", 1);
    const partition = fixture.topics.get("txn")!.partitions[0];
    await partition.append(transactional(1, ["aborted-a", "aborted-b"]));
    await partition.append(batchOf(["plain"]));
    await partition.writeMarker(marker(1, false), 1_000);
    await partition.append(transactional(2, ["committed"]));
    await partition.writeMarker(marker(2, true), 1_000);
    await partition.append(transactional(3, ["open"]));
    return partition;
  }

  test("read_committed stops at the last stable offset and names the aborted transactions in what it returns", async () => {
    const fixture = await engineFixture();
    await partitionWithTransactions(fixture);
    const answer = onlyPartition(await fetch(fixture, fetchRequest("txn", [{}], { isolationLevel: 1 })));
    expect(answer).toMatchObject({ errorCode: ErrorCode.NONE, highWatermark: 7, lastStableOffset: 6 });
    expect(answer.abortedTransactions).toEqual([{ producerId: 1, firstOffset: 0 }]);
    // Control records are in the batches (clients skip them); the open transaction's are not.
    expect(recordsOf(answer.records).map(([, value]) => value)).not.toContain("open");
    expect(baseOffsetsOf(answer.records)).toEqual([0, 2, 3, 4, 5]);
    const later = onlyPartition(await fetch(fixture, fetchRequest("txn", [{ offset: 4 }], { isolationLevel: 1 })));
    expect(later.abortedTransactions).toEqual([]);
  });

  test("read_uncommitted sees everything, reports the last stable offset, and no aborted list", async () => {
    const fixture = await engineFixture();
    await partitionWithTransactions(fixture);
    const answer = onlyPartition(await fetch(fixture, fetchRequest("txn", [{}])));
    expect(answer).toMatchObject({ highWatermark: 7, lastStableOffset: 6, abortedTransactions: null });
    expect(baseOffsetsOf(answer.records)).toEqual([0, 2, 3, 4, 5, 6]);
  });
});
