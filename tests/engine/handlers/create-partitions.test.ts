import { describe, expect, test } from "bun:test";
import { handleCreatePartitions } from "../../../src/engine/handlers/create-partitions.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import type { CreatePartitionsRequest, CreatePartitionsResponse } from "../../../src/protocol/messages/create-partitions.ts";
import { batchOf, type EngineFixture, engineFixture } from "../fixtures.ts";

async function createPartitions(fixture: EngineFixture, topics: CreatePartitionsRequest["topics"], validateOnly = false): Promise<CreatePartitionsResponse> {
  const response = await handleCreatePartitions({ topics, timeoutMs: 30_000, validateOnly }, fixture.ctx(3));
  if (response === null) throw new Error("Expected a response");
  return response;
}

describe("handleCreatePartitions", () => {
  test("grows a topic: new partitions are writable, the meta says so, old data stays", async () => {
    const fixture = await engineFixture();
    const orders = await fixture.topics.create("orders", 2);
    await orders.partitions[0].append(batchOf(["kept"]));
    const response = await createPartitions(fixture, [{ name: "orders", count: 5, assignments: null }]);
    expect(response.results).toEqual([{ name: "orders", errorCode: ErrorCode.NONE, errorMessage: null }]);
    expect(orders.partitions.map((partition) => partition.index)).toEqual([0, 1, 2, 3, 4]);
    expect(orders.meta.partitionCount).toBe(5);
    expect(fixture.backend.metas.get("orders")?.partitionCount).toBe(5);
    expect((await orders.partitions[4].append(batchOf(["new"]))).baseOffset).toBe(0);
    expect(orders.partitions[0].log.highWatermark).toBe(1);
  });

  test("a count that does not grow, bad assignments, unknown topics and duplicates fail per topic", async () => {
    const fixture = await engineFixture({ config: { nodeId: 0 } });
    await fixture.topics.create("orders", 3);
    const response = await createPartitions(fixture, [
      { name: "orders", count: 3, assignments: null },
      { name: "orders-x", count: 4, assignments: null },
    ]);
    expect(response.results.map((result) => result.errorCode)).toEqual([ErrorCode.INVALID_PARTITIONS, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    expect(response.results[0].errorMessage).toBe('Topic "orders" has 3 partitions: the new count must be larger, not 3');
    const assigned = await createPartitions(fixture, [{ name: "orders", count: 5, assignments: [{ brokerIds: [0] }, { brokerIds: [7] }] }]);
    expect(assigned.results[0]).toMatchObject({ errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: "Broker 7 does not exist" });
    const short = await createPartitions(fixture, [{ name: "orders", count: 5, assignments: [{ brokerIds: [0] }] }]);
    expect(short.results[0].errorCode).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    const twice = await createPartitions(fixture, [{ name: "orders", count: 4, assignments: null }, { name: "orders", count: 5, assignments: null }]);
    expect(twice.results).toEqual([{ name: "orders", errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Topic "orders" appears more than once in the request' }]);
    expect(fixture.topics.get("orders")?.partitions).toHaveLength(3);
  });

  test("an empty assignment list means automatic, like null", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("orders", 1);
    expect((await createPartitions(fixture, [{ name: "orders", count: 3, assignments: [] }])).results[0].errorCode).toBe(ErrorCode.NONE);
    expect(fixture.topics.get("orders")?.partitions).toHaveLength(3);
  });

  test("validate_only adds nothing", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("orders", 1);
    expect((await createPartitions(fixture, [{ name: "orders", count: 4, assignments: null }], true)).results[0].errorCode).toBe(ErrorCode.NONE);
    expect(fixture.topics.get("orders")?.partitions).toHaveLength(1);
  });
});
