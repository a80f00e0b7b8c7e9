import { afterEach, describe, expect, test } from "bun:test";
import { handleProduce } from "../../../src/engine/handlers/produce.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import type { ProduceRequest, ProduceResponse } from "../../../src/protocol/messages/produce.ts";
import { type EngineFixture, batchOf, engineFixture, recordsOf } from "../fixtures.ts";
import { acl, Operation, PatternType, removeAclFolders, ResourceType, securedBy } from "./authorization-fixture.ts";

afterEach(removeAclFolders);

function produceRequest(topics: string[], fields: Partial<ProduceRequest> = {}): ProduceRequest {
  return {
    transactionalId: null,
    acks: -1,
    timeoutMs: 30_000,
    topicData: topics.map((name) => ({ name, partitionData: [{ index: 0, records: batchOf([`to ${name}`]) }] })),
    ...fields,
  };
}

function errorCodes(response: ProduceResponse | null): Array<[string, number]> {
  return response!.responses.map((topic) => [topic.name, topic.partitionResponses[0].errorCode]);
}

async function stored(fixture: EngineFixture, topic: string) {
  const log = fixture.topics.get(topic)!.partitions[0].log;
  return recordsOf((await log.read(log.logStartOffset, 1 << 20)).bytes);
}

describe("Produce authorization", () => {
  test("without WRITE on a topic: TOPIC_AUTHORIZATION_FAILED and nothing appended; the writable topic beside it is written", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("orders", 1);
    await fixture.topics.create("payments", 1);
    // READ and DESCRIBE do not let a principal write.
    const secured = await securedBy([acl({ resourceName: "orders", operation: Operation.ALL }), acl({ resourceName: "payments" }), acl({ resourceName: "payments", operation: Operation.DESCRIBE })]);
    const response = await handleProduce(produceRequest(["payments", "orders"]), fixture.ctx(9, secured));
    expect(errorCodes(response)).toEqual([
      ["payments", ErrorCode.TOPIC_AUTHORIZATION_FAILED],
      ["orders", ErrorCode.NONE],
    ]);
    expect(await stored(fixture, "payments")).toEqual([]);
    expect(await stored(fixture, "orders")).toEqual([[0, "to orders"]]);
  });

  test("a refused topic that does not exist is not auto-created", async () => {
    const fixture = await engineFixture({ config: { autoCreateTopics: true } });
    const secured = await securedBy([acl({ resourceType: ResourceType.CLUSTER, resourceName: "kafka-cluster", operation: Operation.CREATE })]);
    const response = await handleProduce(produceRequest(["fresh"]), fixture.ctx(9, secured));
    expect(errorCodes(response)).toEqual([["fresh", ErrorCode.TOPIC_AUTHORIZATION_FAILED]]);
    expect(fixture.topics.get("fresh")).toBeUndefined();
    expect(fixture.backend.createCount).toBe(0);
  });

  test("WRITE without CREATE on a missing topic: not created, UNKNOWN_TOPIC_OR_PARTITION", async () => {
    const fixture = await engineFixture({ config: { autoCreateTopics: true } });
    const secured = await securedBy([acl({ resourceName: "fresh", operation: Operation.WRITE })]);
    const response = await handleProduce(produceRequest(["fresh"]), fixture.ctx(9, secured));
    expect(errorCodes(response)).toEqual([["fresh", ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]);
    expect(fixture.topics.get("fresh")).toBeUndefined();
  });

  test("a prefixed WRITE grant covers the topics under the prefix", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("logs-eu", 1);
    await fixture.topics.create("metrics", 1);
    const secured = await securedBy([acl({ resourceName: "logs-", patternType: PatternType.PREFIXED, operation: Operation.WRITE })]);
    const response = await handleProduce(produceRequest(["logs-eu", "metrics"]), fixture.ctx(9, secured));
    expect(errorCodes(response)).toEqual([
      ["logs-eu", ErrorCode.NONE],
      ["metrics", ErrorCode.TOPIC_AUTHORIZATION_FAILED],
    ]);
  });

  test("a transactional produce without WRITE on its transactional id: TRANSACTIONAL_ID_AUTHORIZATION_FAILED everywhere, nothing appended", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("orders", 1);
    const secured = await securedBy([acl({ operation: Operation.WRITE }), acl({ resourceType: ResourceType.TRANSACTIONAL_ID, resourceName: "other-txn", operation: Operation.WRITE })]);
    const response = await handleProduce(produceRequest(["orders"], { transactionalId: "txn-1" }), fixture.ctx(9, secured));
    expect(errorCodes(response)).toEqual([["orders", ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED]]);
    expect(await stored(fixture, "orders")).toEqual([]);
  });

  test("without an authorizer every topic may be written", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("orders", 1);
    const response = await handleProduce(produceRequest(["orders"]), fixture.ctx(9, { requester: { principal: "User:alice", host: "127.0.0.1" } }));
    expect(errorCodes(response)).toEqual([["orders", ErrorCode.NONE]]);
  });
});
