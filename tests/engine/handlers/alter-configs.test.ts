import { describe, expect, test } from "bun:test";
import { ResourceType } from "../../../src/engine/config-resources.ts";
import { handleAlterConfigs } from "../../../src/engine/handlers/alter-configs.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import type { AlterConfigsRequest, AlterConfigsResponse } from "../../../src/protocol/messages/alter-configs.ts";
import { type EngineFixture, engineFixture, recordingLogger } from "../fixtures.ts";

async function alterConfigs(fixture: EngineFixture, request: AlterConfigsRequest): Promise<AlterConfigsResponse> {
  const response = await handleAlterConfigs(request, fixture.ctx(2));
  if (response === null) throw new Error("Expected a response");
  return response;
}

const topic = (name: string, configs: Record<string, string | null>) => ({
  resourceType: ResourceType.topic,
  resourceName: name,
  configs: Object.entries(configs).map(([key, value]) => ({ name: key, value })),
});

describe("handleAlterConfigs", () => {
  test("replaces the whole set, stores it in the meta and keeps the rest default", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("orders", 1, { "retention.ms": "1000", "segment.ms": "5000" });
    const response = await alterConfigs(fixture, { resources: [topic("orders", { "retention.ms": "2000" })], validateOnly: false });
    expect(response.responses).toEqual([{ errorCode: ErrorCode.NONE, errorMessage: null, resourceType: ResourceType.topic, resourceName: "orders" }]);
    expect(fixture.topics.get("orders")?.meta.configs).toEqual({ "retention.ms": "2000" });
    expect(fixture.backend.metas.get("orders")?.configs).toEqual({ "retention.ms": "2000" });
  });

  test("validate_only checks without changing anything", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("orders", 1, { "retention.ms": "1000" });
    const response = await alterConfigs(fixture, { resources: [topic("orders", { "retention.ms": "5" })], validateOnly: true });
    expect(response.responses[0].errorCode).toBe(ErrorCode.NONE);
    expect(fixture.topics.get("orders")?.meta.configs).toEqual({ "retention.ms": "1000" });
  });

  test("unknown keys, bad values, unknown topics and broker resources fail per resource", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("orders", 1);
    const response = await alterConfigs(fixture, {
      resources: [
        topic("orders", { "colour.scheme": "dark" }),
        topic("orders", { "cleanup.policy": "shred" }),
        topic("orders", { "retention.ms": null }),
        topic("missing", {}),
        { resourceType: ResourceType.broker, resourceName: "0", configs: [] },
      ],
      validateOnly: false,
    });
    expect(response.responses.map((entry) => entry.errorCode)).toEqual([
      ErrorCode.INVALID_CONFIG,
      ErrorCode.INVALID_CONFIG,
      ErrorCode.INVALID_CONFIG,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.INVALID_REQUEST,
    ]);
    expect(response.responses[0].errorMessage).toBe('Unknown topic config "colour.scheme"');
    expect(fixture.topics.get("orders")?.meta.configs).toEqual({});
  });

  test("a topic deleted while its change waits for its turn answers UNKNOWN_TOPIC_OR_PARTITION, not a logged failure (found by the request fuzzer)", async () => {
    const logger = recordingLogger();
    const fixture = await engineFixture({ logger });
    await fixture.topics.create("orders", 1);
    // An earlier change holds the topic's turn until released.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let writing!: () => void;
    const holdingTurn = new Promise<void>((resolve) => (writing = resolve));
    const writeTopicMeta = fixture.backend.writeTopicMeta.bind(fixture.backend);
    fixture.backend.writeTopicMeta = async (meta) => {
      writing();
      await held;
      await writeTopicMeta(meta);
    };
    const earlier = fixture.topics.setConfigs("orders", { "retention.ms": "1000" });
    await holdingTurn;
    const altered = handleAlterConfigs({ resources: [topic("orders", { "retention.ms": "2000" })], validateOnly: false }, fixture.ctx(2));
    const deleted = fixture.topics.delete("orders");
    release();
    await Promise.all([earlier, deleted]);
    expect((await altered)?.responses.map((r) => r.errorCode)).toEqual([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    expect(logger.lines.filter((line) => line.startsWith("error"))).toEqual([]);
  });
});
