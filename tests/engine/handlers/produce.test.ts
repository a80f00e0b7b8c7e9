import { describe, expect, test } from "bun:test";
import { BrokerMetrics } from "../../../src/engine/broker-metrics.ts";
import type { HandlerContext } from "../../../src/engine/handler-context.ts";
import type { TopicRegistry } from "../../../src/engine/topic-registry.ts";
import { handleProduce } from "../../../src/engine/handlers/produce.ts";
import { MetricsRegistry } from "../../../src/metrics/registry.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import type { ProduceRequest, ProduceResponse } from "../../../src/protocol/messages/produce.ts";
import { BatchField, resealBatchCrc } from "../../../src/records/batch-header.ts";
import { TimestampType, buildRecordBatch, decodeRecordBatches } from "../../../src/records/record-batch.ts";
import { type EngineFixture, batchOf, concat, engineFixture, recordingLogger, recordsOf } from "../fixtures.ts";

function produceRequest(topic: string, partitions: Array<[number, Uint8Array | null]>, fields: Partial<ProduceRequest> = {}): ProduceRequest {
  return {
    transactionalId: null,
    acks: -1,
    timeoutMs: 30_000,
    topicData: [{ name: topic, partitionData: partitions.map(([index, records]) => ({ index, records })) }],
    ...fields,
  };
}

async function produce(fixture: EngineFixture, request: ProduceRequest, apiVersion = 9, overrides: Partial<HandlerContext> = {}): Promise<ProduceResponse> {
  const response = await handleProduce(request, fixture.ctx(apiVersion, overrides));
  if (response === null) throw new Error("Expected a produce response, got none");
  return response;
}

function partitionResult(response: ProduceResponse, topicIndex = 0, partitionIndex = 0) {
  return response.responses[topicIndex].partitionResponses[partitionIndex];
}

async function storedRecords(fixture: EngineFixture, topic: string, partition = 0) {
  const log = fixture.topics.get(topic)!.partitions[partition].log;
  return recordsOf((await log.read(log.logStartOffset, 1 << 20)).bytes);
}

describe("handleProduce", () => {
  test("assigns offsets sequentially across requests", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("orders", 1);
    const first = await produce(fixture, produceRequest("orders", [[0, batchOf(["a", "b", "c"])]]));
    const second = await produce(fixture, produceRequest("orders", [[0, batchOf(["d", "e"])]]));
    expect(partitionResult(first)).toEqual({
      index: 0,
      errorCode: ErrorCode.NONE,
      baseOffset: 0,
      logAppendTimeMs: -1,
      logStartOffset: 0,
      recordErrors: [],
      errorMessage: null,
    });
    expect(partitionResult(second).baseOffset).toBe(3);
    expect(second.responses[0].name).toBe("orders");
    expect(await storedRecords(fixture, "orders")).toEqual([
      [0, "a"],
      [1, "b"],
      [2, "c"],
      [3, "d"],
      [4, "e"],
    ]);
  });

  test("answers each partition of each topic", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("left", 2);
    await fixture.topics.create("right", 1);
    const response = await produce(fixture, {
      transactionalId: null,
      acks: 1,
      timeoutMs: 1000,
      topicData: [
        { name: "left", partitionData: [{ index: 1, records: batchOf(["l1"]) }, { index: 0, records: batchOf(["l0", "l0'"]) }] },
        { name: "right", partitionData: [{ index: 0, records: batchOf(["r0"]) }] },
      ],
    });
    expect(response.responses.map((topic) => [topic.name, topic.partitionResponses.map((p) => [p.index, p.errorCode, p.baseOffset])])).toEqual([
      ["left", [[1, 0, 0], [0, 0, 0]]],
      ["right", [[0, 0, 0]]],
    ]);
    expect(await storedRecords(fixture, "left", 0)).toEqual([
      [0, "l0"],
      [1, "l0'"],
    ]);
  });

  test("acks=0 appends and returns no response", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("fire", 1);
    const response = await handleProduce(produceRequest("fire", [[0, batchOf(["x"])]], { acks: 0 }), fixture.ctx(9));
    expect(response).toBeNull();
    expect(fixture.releaseCount).toBe(1);
    expect(await storedRecords(fixture, "fire")).toEqual([[0, "x"]]);
  });

  test("acks other than 0, 1 and -1 fail every partition with INVALID_REQUIRED_ACKS and append nothing", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("orders", 2);
    const response = await produce(fixture, {
      ...produceRequest("orders", [[0, batchOf(["a"])], [1, batchOf(["b"])]], { acks: 2 }),
      topicData: [
        { name: "orders", partitionData: [{ index: 0, records: batchOf(["a"]) }, { index: 1, records: batchOf(["b"]) }] },
        { name: "never-created", partitionData: [{ index: 0, records: batchOf(["c"]) }] },
      ],
    });
    const codes = response.responses.flatMap((topic) => topic.partitionResponses.map((p) => [p.errorCode, p.baseOffset]));
    expect(codes).toEqual([
      [ErrorCode.INVALID_REQUIRED_ACKS, -1],
      [ErrorCode.INVALID_REQUIRED_ACKS, -1],
      [ErrorCode.INVALID_REQUIRED_ACKS, -1],
    ]);
    expect(fixture.topics.get("orders")!.partitions.map((p) => p.log.logEndOffset)).toEqual([0, 0]);
    expect(fixture.topics.get("never-created")).toBeUndefined();
  });

  test("a batch with a bad CRC is CORRUPT_MESSAGE and nothing is appended", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("orders", 1);
    const corrupt = batchOf(["a", "b"]);
    corrupt[corrupt.length - 1] ^= 0xff;
    const response = await produce(fixture, produceRequest("orders", [[0, corrupt]]));
    expect(partitionResult(response)).toMatchObject({ errorCode: ErrorCode.CORRUPT_MESSAGE, baseOffset: -1 });
    expect(partitionResult(response).errorMessage).toContain("CRC");
    expect(fixture.topics.get("orders")!.partitions[0].log.logEndOffset).toBe(0);
  });

  test("a partition without records is CORRUPT_MESSAGE", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("orders", 1);
    for (const records of [null, new Uint8Array(0)]) {
      const response = await produce(fixture, produceRequest("orders", [[0, records]]));
      expect(partitionResult(response).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    }
  });

  test("two batches for one partition are INVALID_RECORD and nothing is appended", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("orders", 1);
    const response = await produce(fixture, produceRequest("orders", [[0, concat(batchOf(["a"]), batchOf(["b"]))]]));
    expect(partitionResult(response)).toMatchObject({ errorCode: ErrorCode.INVALID_RECORD, baseOffset: -1 });
    expect(partitionResult(response).errorMessage).toContain("got 2");
    expect(fixture.topics.get("orders")!.partitions[0].log.logEndOffset).toBe(0);
  });

  test("a batch above the topic's max.message.bytes is MESSAGE_TOO_LARGE", async () => {
    const fixture = await engineFixture();
    const batch = batchOf(["x".repeat(200)]);
    await fixture.topics.create("small", 1, { "max.message.bytes": String(batch.length - 1) });
    const response = await produce(fixture, produceRequest("small", [[0, batch]]));
    expect(partitionResult(response).errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    await fixture.topics.create("roomy", 1, { "max.message.bytes": String(batch.length) });
    const accepted = await produce(fixture, produceRequest("roomy", [[0, batchOf(["x".repeat(200)])]]));
    expect(partitionResult(accepted).errorCode).toBe(ErrorCode.NONE);
  });

  test("a partition the topic does not have is UNKNOWN_TOPIC_OR_PARTITION; the others are appended", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("orders", 1);
    const response = await produce(fixture, produceRequest("orders", [[0, batchOf(["a"])], [1, batchOf(["b"])], [-1, batchOf(["c"])]]));
    expect(response.responses[0].partitionResponses.map((p) => [p.index, p.errorCode])).toEqual([
      [0, ErrorCode.NONE],
      [1, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      [-1, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    expect(await storedRecords(fixture, "orders")).toEqual([[0, "a"]]);
  });

  test("an unknown topic is created with the default partition count when auto-creation is on", async () => {
    const fixture = await engineFixture({ config: { autoCreateTopics: true, defaultPartitions: 3 } });
    const response = await produce(fixture, produceRequest("fresh", [[2, batchOf(["a"])]]));
    expect(partitionResult(response).errorCode).toBe(ErrorCode.NONE);
    expect(fixture.topics.get("fresh")!.partitions).toHaveLength(3);
    expect(await storedRecords(fixture, "fresh", 2)).toEqual([[0, "a"]]);
  });

  test("an unknown topic is UNKNOWN_TOPIC_OR_PARTITION when auto-creation is off", async () => {
    const fixture = await engineFixture({ config: { autoCreateTopics: false } });
    const response = await produce(fixture, produceRequest("fresh", [[0, batchOf(["a"])]]));
    expect(partitionResult(response).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(fixture.topics.get("fresh")).toBeUndefined();
  });

  test("an illegal topic name is INVALID_TOPIC_EXCEPTION and creates nothing", async () => {
    const fixture = await engineFixture();
    const response = await produce(fixture, produceRequest("bad name", [[0, batchOf(["a"])]]));
    expect(partitionResult(response).errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    expect(fixture.topics.list()).toEqual([]);
  });

  test("a transactional id needs transactional batches, and a coordinator to check them against", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("orders", 1);
    const plain = partitionResult(await produce(fixture, produceRequest("orders", [[0, batchOf(["a"])]], { transactionalId: "tx-1" })));
    expect(plain).toMatchObject({ errorCode: ErrorCode.INVALID_RECORD, errorMessage: "A request with a transactional id carries transactional batches only" });
    const batch = buildRecordBatch({ records: [{ value: "t" }], producerId: 4, producerEpoch: 0, baseSequence: 0, transactional: true });
    const noCoordinator = partitionResult(await produce(fixture, produceRequest("orders", [[0, batch]], { transactionalId: "tx-1" })));
    expect(noCoordinator).toMatchObject({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE });
    expect(fixture.topics.get("orders")!.partitions[0].log.logEndOffset).toBe(0);
  });

  test("a LogAppendTime topic stamps the context's time into the batch and the response", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("stamped", 1, { "message.timestamp.type": "LogAppendTime" });
    const stampedAt = 1_700_000_123_456;
    const response = await produce(fixture, produceRequest("stamped", [[0, batchOf(["a", "b"], { timestamps: [5, 6] })]]), 9, { now: () => stampedAt });
    expect(partitionResult(response).logAppendTimeMs).toBe(stampedAt);
    const log = fixture.topics.get("stamped")!.partitions[0].log;
    const [batch] = decodeRecordBatches((await log.read(0, 1 << 20)).bytes);
    expect(batch.timestampType).toBe(TimestampType.logAppendTime);
    expect(batch.header.maxTimestamp).toBe(stampedAt);
    expect(batch.records.map((record) => record.timestamp)).toEqual([stampedAt, stampedAt]);
  });

  test("a CreateTime topic keeps the producer's timestamps", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("created", 1);
    const response = await produce(fixture, produceRequest("created", [[0, batchOf(["a"], { timestamps: [42] })]]));
    expect(partitionResult(response).logAppendTimeMs).toBe(-1);
    const [batch] = decodeRecordBatches((await fixture.topics.get("created")!.partitions[0].log.read(0, 1 << 20)).bytes);
    expect(batch.timestampType).toBe(TimestampType.createTime);
    expect(batch.records[0].timestamp).toBe(42);
  });

  test("a CreateTime batch whose header max timestamp is -1 (old sarama) is stored with its records' max and a valid CRC", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("sarama", 1);
    const batch = batchOf(["a", "b", "c"], { timestamps: [1000, 1007, 1003] });
    new DataView(batch.buffer, batch.byteOffset).setBigInt64(BatchField.maxTimestamp, -1n);
    resealBatchCrc(batch, 0, batch.length);
    expect(partitionResult(await produce(fixture, produceRequest("sarama", [[0, batch]]))).errorCode).toBe(ErrorCode.NONE);
    const log = fixture.topics.get("sarama")!.partitions[0].log;
    const [stored] = decodeRecordBatches((await log.read(0, 1 << 20)).bytes);
    expect(stored.header.maxTimestamp).toBe(1007);
    expect(await log.offsetForTimestamp(1005)).toEqual({ offset: 1, timestamp: 1007 });
  });

  test("releases the connection once, before the appends are durable", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("orders", 1);
    const log = fixture.topics.get("orders")!.partitions[0].log;
    let finishAppend!: () => void;
    const append = log.append.bind(log);
    log.append = async (batches, options) => {
      await new Promise<void>((resolve) => (finishAppend = resolve));
      return append(batches, options);
    };
    let releasedBeforeAnswer = false;
    const answered = handleProduce(produceRequest("orders", [[0, batchOf(["a"])]]), fixture.ctx(9, {
      releaseConnection: () => {
        fixture.releaseCount++;
        releasedBeforeAnswer = true;
      },
    }));
    for (let tick = 0; tick < 10 && !releasedBeforeAnswer; tick++) await Promise.resolve();
    expect(releasedBeforeAnswer).toBe(true);
    finishAppend();
    expect(partitionResult((await answered)!).baseOffset).toBe(0);
    expect(fixture.releaseCount).toBe(1);
  });

  test("releases the connection on failures too", async () => {
    const fixture = await engineFixture({ config: { autoCreateTopics: false } });
    await produce(fixture, produceRequest("missing", [[0, batchOf(["a"])]]));
    await produce(fixture, produceRequest("missing", [[0, batchOf(["a"])]], { acks: 5 }));
    await produce(fixture, produceRequest("missing", [[0, batchOf(["a"])]], { transactionalId: "tx" }));
    expect(fixture.releaseCount).toBe(3);
  });

  test("a failing log answers KAFKA_STORAGE_ERROR, never success, and logs why", async () => {
    const logger = recordingLogger();
    const fixture = await engineFixture({ logger });
    const topic = await fixture.topics.create("broken", 1);
    await topic.partitions[0].log.close();
    const response = await produce(fixture, produceRequest("broken", [[0, batchOf(["a"])]]));
    expect(partitionResult(response)).toMatchObject({ errorCode: ErrorCode.KAFKA_STORAGE_ERROR, baseOffset: -1 });
    expect(logger.lines).toContain("error Cannot append to partition");
  });

  test("patches the base offset into the stored batch, leaving the CRC valid", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("orders", 1);
    await produce(fixture, produceRequest("orders", [[0, batchOf(["a", "b"])]]));
    const batch = batchOf(["c"]);
    const crcBefore = new DataView(batch.buffer).getUint32(BatchField.crc);
    await produce(fixture, produceRequest("orders", [[0, batch]]));
    const log = fixture.topics.get("orders")!.partitions[0].log;
    const decoded = decodeRecordBatches((await log.read(2, 1 << 20)).bytes);
    expect(decoded.map((b) => [b.header.baseOffset, b.header.crc])).toEqual([[2, crcBefore]]);
  });
});

describe("handleProduce per-topic record rules", () => {
  test("message.timestamp.difference.max.ms rejects a far CreateTime with INVALID_TIMESTAMP", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("strict-time", 1, { "message.timestamp.difference.max.ms": "60000" });
    // The broker's time is the context's: a record is measured against it, not against the wall clock.
    const clock = { now: () => 50_000_000 };
    const stale = await produce(fixture, produceRequest("strict-time", [[0, batchOf(["old"], { timestamps: [50_000_000 - 60_001] })]]), 9, clock);
    expect(partitionResult(stale).errorCode).toBe(ErrorCode.INVALID_TIMESTAMP);
    const fresh = await produce(fixture, produceRequest("strict-time", [[0, batchOf(["new"], { timestamps: [50_000_000 - 60_000] })]]), 9, clock);
    expect(partitionResult(fresh).errorCode).toBe(ErrorCode.NONE);
    expect((await storedRecords(fixture, "strict-time")).map(([, value]) => value)).toEqual(["new"]);
  });

  test("a compacted topic refuses records without a key with INVALID_RECORD", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("table", 1, { "cleanup.policy": "compact" });
    const keyless = await produce(fixture, produceRequest("table", [[0, batchOf(["no key"])]]));
    expect(partitionResult(keyless).errorCode).toBe(ErrorCode.INVALID_RECORD);
  });

  test("the broker-wide default timestamp type applies to topics without their own", async () => {
    const fixture = await engineFixture({ config: { messageTimestampType: "LogAppendTime" } });
    await fixture.topics.create("stamped", 1);
    const response = await produce(fixture, produceRequest("stamped", [[0, batchOf(["x"], { timestamps: [5] })]]));
    expect(partitionResult(response).logAppendTimeMs).toBeGreaterThan(5);
  });
});

/** A legacy (magic 1) message set of one message, as Produce v2 clients send it. */
function legacyMessageSet(value: string): Uint8Array {
  const valueBytes = Buffer.from(value);
  const messageSize = 4 + 1 + 1 + 8 + 4 + 4 + valueBytes.length;
  const bytes = Buffer.alloc(12 + messageSize);
  bytes.writeBigInt64BE(0n, 0);
  bytes.writeInt32BE(messageSize, 8);
  bytes.writeInt8(1, 16); // magic, after the crc at 12
  bytes.writeBigInt64BE(BigInt(Date.now()), 18);
  bytes.writeInt32BE(-1, 26); // null key
  bytes.writeInt32BE(valueBytes.length, 30);
  valueBytes.copy(bytes, 34);
  return bytes;
}

describe("handleProduce v0–v2 (advertised so that librdkafka enables gzip, snappy and lz4)", () => {
  test("a legacy message set gets UNSUPPORTED_FOR_MESSAGE_FORMAT and nothing is stored", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("legacy", 1);
    const response = await produce(fixture, produceRequest("legacy", [[0, legacyMessageSet("x".repeat(100))]]), 2);
    expect(partitionResult(response).errorCode).toBe(ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT);
    expect(await storedRecords(fixture, "legacy")).toEqual([]);
  });

  test("a v2 record batch in a Produce v2 request gets INVALID_RECORD and nothing is stored", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("legacy", 1);
    const response = await produce(fixture, produceRequest("legacy", [[0, batchOf(["a"])]]), 2);
    expect(partitionResult(response).errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(await storedRecords(fixture, "legacy")).toEqual([]);
  });
});

describe("handleProduce with idempotent producers", () => {
  const idempotent = (baseSequence: number, values: string[], producerEpoch = 0) =>
    buildRecordBatch({ records: values.map((value) => ({ value })), producerId: 42, producerEpoch, baseSequence });

  test("a retried batch is answered with its original offsets and stored once", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("orders", 1);
    const first = await produce(fixture, produceRequest("orders", [[0, idempotent(0, ["a", "b"])]]));
    const retry = await produce(fixture, produceRequest("orders", [[0, idempotent(0, ["a", "b"])]]));
    expect(partitionResult(first)).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0 });
    expect(partitionResult(retry)).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0, logAppendTimeMs: -1 });
    expect(await storedRecords(fixture, "orders")).toEqual([[0, "a"], [1, "b"]]);
  });

  test("a gap in sequences gets OUT_OF_ORDER_SEQUENCE_NUMBER and an old epoch INVALID_PRODUCER_EPOCH, with messages", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("orders", 1);
    await produce(fixture, produceRequest("orders", [[0, idempotent(0, ["a"], 3)]]));
    const gap = partitionResult(await produce(fixture, produceRequest("orders", [[0, idempotent(2, ["c"], 3)]])));
    expect(gap).toMatchObject({ errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, baseOffset: -1 });
    expect(gap.errorMessage).toContain("does not follow its last sequence 0");
    const fenced = partitionResult(await produce(fixture, produceRequest("orders", [[0, idempotent(1, ["b"], 2)]])));
    expect(fenced).toMatchObject({ errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, baseOffset: -1 });
    expect(await storedRecords(fixture, "orders")).toEqual([[0, "a"]]);
  });

  test("a transactional batch without the request's transactional id is INVALID_RECORD", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("orders", 1);
    const batch = buildRecordBatch({ records: [{ value: "t" }], producerId: 4, producerEpoch: 0, baseSequence: 0, transactional: true });
    const result = partitionResult(await produce(fixture, produceRequest("orders", [[0, batch]])));
    expect(result).toMatchObject({ errorCode: ErrorCode.INVALID_RECORD, errorMessage: "A transactional batch needs the request's transactional id" });
  });
});

describe("handleProduce metrics", () => {
  test("records and bytes appended are counted per topic; a producer's retry of a written batch is not counted again", async () => {
    const fixture = await engineFixture();
    const registry = new MetricsRegistry();
    const metrics = new BrokerMetrics(registry);
    const batch = buildRecordBatch({ records: ["a", "b", "c"].map((value) => ({ value })), producerId: 42, producerEpoch: 0, baseSequence: 0 });
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await handleProduce(produceRequest("counted", [[0, batch.slice()]]), fixture.ctx(9, { metrics }));
      expect(partitionResult(response!).errorCode).toBe(ErrorCode.NONE);
    }
    const refused = await handleProduce(produceRequest("counted", [[5, batchOf(["x"])]]), fixture.ctx(9, { metrics }));
    expect(partitionResult(refused!).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const families = await registry.gather();
    const series = (name: string) => families.find((family) => family.name === name)?.series;
    expect(series("chronik_produced_records_total")).toEqual([{ labels: ["counted"], value: 3 }]);
    expect(series("chronik_produced_bytes_total")).toEqual([{ labels: ["counted"], value: batch.length }]);
  });

});

describe("handleProduce and topic deletion", () => {
  test("a topic deleted between its lookup and the append is UNKNOWN_TOPIC_OR_PARTITION, not a logged storage failure (found by the request fuzzer)", async () => {
    const logger = recordingLogger();
    const fixture = await engineFixture({ logger });
    const topic = await fixture.topics.create("doomed", 1);
    await fixture.topics.delete("doomed");
    // The lookup still sees the topic (as a request that looked it up just before the delete did).
    let lookups = 0;
    const topics = { get: (name: string) => (lookups++ === 0 ? topic : fixture.topics.get(name)) } as unknown as TopicRegistry;
    const response = await produce(fixture, produceRequest("doomed", [[0, batchOf(["a"])]]), 9, { topics });
    expect(partitionResult(response).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(logger.lines.filter((line) => line.startsWith("error"))).toEqual([]);
  });
});

