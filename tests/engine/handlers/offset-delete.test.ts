import { afterEach, describe, expect, test } from "bun:test";
import { handleConsumerGroupHeartbeat } from "../../../src/engine/handlers/consumer-group-heartbeat.ts";
import { handleJoinGroup } from "../../../src/engine/handlers/join-group.ts";
import { handleOffsetDelete } from "../../../src/engine/handlers/offset-delete.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import type { OffsetDeleteResponse } from "../../../src/protocol/messages/offset-delete.ts";
import { engineFixture, recordingLogger } from "../fixtures.ts";
import { type GroupFixture, groupFixture, testInitialDelayMs } from "../groups/group-fixture.ts";
import { failGroupLogWrites, joinRequest, stableGroup } from "./group-handler-fixture.ts";

let fixture: GroupFixture | undefined;
afterEach(() => {
  fixture?.coordinator.close();
  fixture = undefined;
});

const simpleCommit = { memberId: "", groupInstanceId: null, generationId: -1 };

/** Group "g" has committed orders/0, orders/1 and payments/0. */
async function withOffsets(): Promise<GroupFixture> {
  fixture = await groupFixture();
  await fixture.topics.create("orders", 2);
  await fixture.topics.create("payments", 1);
  const offsets = [
    { topic: "orders", partition: 0 },
    { topic: "orders", partition: 1 },
    { topic: "payments", partition: 0 },
  ].map((entry) => ({ ...entry, offset: 4, leaderEpoch: -1, metadata: null }));
  expect(await fixture.coordinator.commitOffsets("g", simpleCommit, offsets)).toBe(ErrorCode.NONE);
  return fixture;
}

function request(groupId: string, topics: Record<string, number[]>) {
  return { groupId, topics: Object.entries(topics).map(([name, partitions]) => ({ name, partitions: partitions.map((partitionIndex) => ({ partitionIndex })) })) };
}

function codes(response: OffsetDeleteResponse | null): Array<[string, number, number]> {
  return response!.topics.flatMap((topic) => topic.partitions.map((partition): [string, number, number] => [topic.name, partition.partitionIndex, partition.errorCode]));
}

const committed = (fixture: GroupFixture) => fixture.coordinator.offsets.list("g").map(({ topic, partition }) => `${topic}/${partition}`);

describe("OffsetDelete", () => {
  test("an Empty group's offsets are deleted for the partitions asked, durably; unknown partitions are UNKNOWN_TOPIC_OR_PARTITION", async () => {
    const fixture = await withOffsets();
    const response = await handleOffsetDelete(request("g", { orders: [0, 2, -1], missing: [0] }), fixture.ctx(0));
    expect(response!.errorCode).toBe(ErrorCode.NONE);
    expect(codes(response)).toEqual([
      ["orders", 0, ErrorCode.NONE],
      ["orders", 2, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ["orders", -1, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ["missing", 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    expect(committed(fixture)).toEqual(["orders/1", "payments/0"]);
    const reopened = await fixture.reopen();
    expect(reopened.offsets.get("g", "orders", 0)).toBeUndefined();
    expect(reopened.offsets.get("g", "orders", 1)?.offset).toBe(4);
    reopened.close();
  });

  test("a partition without a committed offset is answered NONE", async () => {
    const fixture = await withOffsets();
    await handleOffsetDelete(request("g", { payments: [0] }), fixture.ctx(0));
    expect(codes(await handleOffsetDelete(request("g", { payments: [0] }), fixture.ctx(0)))).toEqual([["payments", 0, ErrorCode.NONE]]);
  });

  test("a topic a classic consumer member subscribes to is GROUP_SUBSCRIBED_TO_TOPIC; other topics are deleted", async () => {
    const fixture = await withOffsets();
    await stableGroup(fixture, "g", ["orders"]);
    const response = await handleOffsetDelete(request("g", { orders: [0], payments: [0] }), fixture.ctx(0));
    expect(response!.errorCode).toBe(ErrorCode.NONE);
    expect(codes(response)).toEqual([
      ["orders", 0, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC],
      ["payments", 0, ErrorCode.NONE],
    ]);
    expect(committed(fixture)).toEqual(["orders/0", "orders/1"]);
  });

  test("a topic a consumer (KIP-848) group member subscribes to is GROUP_SUBSCRIBED_TO_TOPIC", async () => {
    fixture = await groupFixture();
    await fixture.topics.create("orders", 1);
    await fixture.topics.create("payments", 1);
    const joined = await handleConsumerGroupHeartbeat({ groupId: "g", memberId: "m", memberEpoch: 0, rebalanceTimeoutMs: 10_000, subscribedTopicNames: ["payments"] }, fixture.ctx(1));
    expect(joined!.errorCode).toBe(ErrorCode.NONE);
    expect(codes(await handleOffsetDelete(request("g", { orders: [0], payments: [0] }), fixture.ctx(0)))).toEqual([
      ["orders", 0, ErrorCode.NONE],
      ["payments", 0, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC],
    ]);
  });

  test("a group of another protocol type with members is NON_EMPTY_GROUP and nothing is deleted", async () => {
    const fixture = await withOffsets();
    // A Connect group's metadata says nothing about topics: its offsets cannot be judged unused.
    const joining = handleJoinGroup(joinRequest("g", { protocolType: "connect", protocols: [{ name: "sessioned", metadata: new Uint8Array([1]) }] }), fixture.ctx(3));
    await fixture.scheduler.advance(2 * testInitialDelayMs);
    expect((await joining)!.errorCode).toBe(ErrorCode.NONE);
    expect(await handleOffsetDelete(request("g", { orders: [0] }), fixture.ctx(0))).toEqual({ errorCode: ErrorCode.NON_EMPTY_GROUP, throttleTimeMs: 0, topics: [] });
    expect(committed(fixture)).toEqual(["orders/0", "orders/1", "payments/0"]);
  });

  test("a group that does not exist is GROUP_ID_NOT_FOUND", async () => {
    const fixture = await withOffsets();
    expect(await handleOffsetDelete(request("absent", { orders: [0] }), fixture.ctx(0))).toEqual({ errorCode: ErrorCode.GROUP_ID_NOT_FOUND, throttleTimeMs: 0, topics: [] });
  });

  test("without a coordinator: COORDINATOR_NOT_AVAILABLE; an empty group id: INVALID_GROUP_ID", async () => {
    const engine = await engineFixture();
    expect((await handleOffsetDelete(request("g", { orders: [0] }), engine.ctx(0)))!.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const fixture = await withOffsets();
    expect(await handleOffsetDelete(request("", { orders: [0] }), fixture.ctx(0))).toEqual({ errorCode: ErrorCode.INVALID_GROUP_ID, throttleTimeMs: 0, topics: [] });
  });

  test("when the tombstones cannot be written: COORDINATOR_NOT_AVAILABLE, logged, and the offsets stay", async () => {
    const fixture = await withOffsets();
    failGroupLogWrites(fixture);
    const logger = recordingLogger();
    expect(await handleOffsetDelete(request("g", { orders: [0] }), fixture.ctx(0, { logger }))).toEqual({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, throttleTimeMs: 0, topics: [] });
    expect(committed(fixture)).toEqual(["orders/0", "orders/1", "payments/0"]);
    expect(logger.lines.some((line) => line.startsWith("error Cannot delete committed offsets"))).toBe(true);
  });
});
