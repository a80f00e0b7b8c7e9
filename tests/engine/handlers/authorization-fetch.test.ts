import { afterEach, describe, expect, test } from "bun:test";
import { handleFetch } from "../../../src/engine/handlers/fetch.ts";
import { zeroTopicId } from "../../../src/engine/topic-lookup.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import type { FetchRequest } from "../../../src/protocol/messages/fetch.ts";
import { batchOf, engineFixture, recordsOf } from "../fixtures.ts";
import { acl, Operation, Permission, removeAclFolders, securedBy } from "./authorization-fixture.ts";

afterEach(removeAclFolders);

function fetchRequest(topics: string[]): FetchRequest {
  return {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: topics.map((topic) => ({
      topic,
      topicId: zeroTopicId,
      partitions: [0, 1].map((partition) => ({ partition, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 })),
    })),
    forgottenTopicsData: [],
    rackId: "",
  };
}

describe("Fetch authorization", () => {
  test("without READ on a topic every partition answers TOPIC_AUTHORIZATION_FAILED with no records; a readable topic beside it is fetched", async () => {
    const fixture = await engineFixture();
    for (const name of ["orders", "payments"]) {
      const topic = await fixture.topics.create(name, 2);
      await topic.partitions[0].log.append(batchOf([`${name} 0`]));
    }
    // DESCRIBE and WRITE do not let a principal read.
    const secured = await securedBy([acl(), acl({ resourceName: "payments", operation: Operation.WRITE })]);
    const response = await handleFetch(fetchRequest(["payments", "orders"]), fixture.ctx(12, secured));
    const [payments, orders] = response!.responses;
    expect(payments.partitions.map((p) => [p.partitionIndex, p.errorCode, recordsOf(p.records)])).toEqual([
      [0, ErrorCode.TOPIC_AUTHORIZATION_FAILED, []],
      [1, ErrorCode.TOPIC_AUTHORIZATION_FAILED, []],
    ]);
    expect(orders.partitions.map((p) => [p.partitionIndex, p.errorCode, recordsOf(p.records)])).toEqual([
      [0, ErrorCode.NONE, [[0, "orders 0"]]],
      [1, ErrorCode.NONE, []],
    ]);
  });

  test("a DENY READ for the host the request comes from refuses it", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("orders", 2);
    const secured = await securedBy([acl(), acl({ host: "127.0.0.1", permission: Permission.DENY })]);
    const response = await handleFetch(fetchRequest(["orders"]), fixture.ctx(12, secured));
    expect(response!.responses[0].partitions.map((p) => p.errorCode)).toEqual([ErrorCode.TOPIC_AUTHORIZATION_FAILED, ErrorCode.TOPIC_AUTHORIZATION_FAILED]);
    const elsewhere = await handleFetch(fetchRequest(["orders"]), fixture.ctx(12, { ...secured, requester: { principal: "User:alice", host: "10.0.0.5" } }));
    expect(elsewhere!.responses[0].partitions.map((p) => p.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
  });
});
