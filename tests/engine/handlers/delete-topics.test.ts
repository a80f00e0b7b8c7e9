import { describe, expect, test } from "bun:test";
import { handleDeleteTopics } from "../../../src/engine/handlers/delete-topics.ts";
import { zeroTopicId } from "../../../src/engine/topic-lookup.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import type { DeleteTopicsRequest, DeleteTopicsResponse } from "../../../src/protocol/messages/delete-topics.ts";
import { type EngineFixture, engineFixture, recordingLogger } from "../fixtures.ts";

async function deleteTopics(fixture: EngineFixture, request: Omit<DeleteTopicsRequest, "timeoutMs">, apiVersion: number): Promise<DeleteTopicsResponse> {
  const response = await handleDeleteTopics({ timeoutMs: 30_000, ...request }, fixture.ctx(apiVersion));
  if (response === null) throw new Error("Expected a delete topics response, got none");
  return response;
}

const missingId = "0123456789abcdef0123456789abcdef";

describe("handleDeleteTopics", () => {
  test("v5 deletes by name, answering with the topic id", async () => {
    const fixture = await engineFixture();
    const orders = await fixture.topics.create("orders", 2);
    await fixture.topics.create("kept", 1);
    const response = await deleteTopics(fixture, { topicNames: ["orders"] }, 5);
    expect(response.responses).toEqual([{ name: "orders", topicId: orders.meta.topicId, errorCode: ErrorCode.NONE, errorMessage: null }]);
    expect(fixture.topics.get("orders")).toBeUndefined();
    expect(fixture.backend.metas.has("orders")).toBe(false);
    expect(fixture.topics.list().map((topic) => topic.meta.name)).toEqual(["kept"]);
  });

  test("v5 answers an unknown name with UNKNOWN_TOPIC_OR_PARTITION, per topic", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("orders", 1);
    const response = await deleteTopics(fixture, { topicNames: ["missing", "orders"] }, 5);
    expect(response.responses.map((r) => [r.name, r.errorCode, r.errorMessage])).toEqual([
      ["missing", ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'Topic "missing" does not exist'],
      ["orders", ErrorCode.NONE, null],
    ]);
  });

  test("v6 deletes by id or by name", async () => {
    const fixture = await engineFixture();
    const byId = await fixture.topics.create("by-id", 1);
    const byName = await fixture.topics.create("by-name", 1);
    const response = await deleteTopics(
      fixture,
      {
        topics: [
          { name: null, topicId: byId.meta.topicId },
          { name: "by-name", topicId: zeroTopicId },
        ],
      },
      6,
    );
    expect(response.responses).toEqual([
      { name: "by-id", topicId: byId.meta.topicId, errorCode: ErrorCode.NONE, errorMessage: null },
      { name: "by-name", topicId: byName.meta.topicId, errorCode: ErrorCode.NONE, errorMessage: null },
    ]);
    expect(fixture.topics.list()).toEqual([]);
  });

  test("v6 answers an unknown id with UNKNOWN_TOPIC_ID and an unknown name with UNKNOWN_TOPIC_OR_PARTITION", async () => {
    const fixture = await engineFixture();
    const response = await deleteTopics(
      fixture,
      {
        topics: [
          { name: null, topicId: missingId },
          { name: "missing", topicId: zeroTopicId },
        ],
      },
      6,
    );
    expect(response.responses).toEqual([
      { name: null, topicId: missingId, errorCode: ErrorCode.UNKNOWN_TOPIC_ID, errorMessage: `Topic id "${missingId}" does not exist` },
      { name: "missing", topicId: zeroTopicId, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'Topic "missing" does not exist' },
    ]);
  });

  test("a topic named twice is deleted once; the second answer is unknown", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("orders", 1);
    const response = await deleteTopics(fixture, { topicNames: ["orders", "orders"] }, 4);
    expect(response.responses.map((r) => r.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
  });

  test("a storage failure is UNKNOWN_SERVER_ERROR, logged", async () => {
    const logger = recordingLogger();
    const fixture = await engineFixture({ logger });
    await fixture.topics.create("stuck", 1);
    fixture.backend.deleteTopic = async () => {
      throw new Error("Read-only file system");
    };
    const response = await deleteTopics(fixture, { topicNames: ["stuck"] }, 5);
    expect(response.responses[0]).toMatchObject({ name: "stuck", errorCode: ErrorCode.UNKNOWN_SERVER_ERROR });
    expect(logger.lines).toContain("error Cannot delete topic");
  });
});
