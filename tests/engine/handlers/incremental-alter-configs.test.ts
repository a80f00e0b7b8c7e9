import { describe, expect, test } from "bun:test";
import { ResourceType } from "../../../src/engine/config-resources.ts";
import { ConfigOperation, handleIncrementalAlterConfigs } from "../../../src/engine/handlers/incremental-alter-configs.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import type { IncrementalAlterConfigsResponse } from "../../../src/protocol/messages/incremental-alter-configs.ts";
import { type EngineFixture, engineFixture } from "../fixtures.ts";

type Change = [string, number, string | null];

async function alter(fixture: EngineFixture, name: string, changes: Change[], validateOnly = false): Promise<IncrementalAlterConfigsResponse> {
  const request = {
    resources: [{ resourceType: ResourceType.topic, resourceName: name, configs: changes.map(([key, configOperation, value]) => ({ name: key, configOperation, value })) }],
    validateOnly,
  };
  const response = await handleIncrementalAlterConfigs(request, fixture.ctx(1));
  if (response === null) throw new Error("Expected a response");
  return response;
}

describe("handleIncrementalAlterConfigs", () => {
  test("SET and DELETE change only the named keys", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("orders", 1, { "retention.ms": "1000", "segment.ms": "5000" });
    const response = await alter(fixture, "orders", [["retention.ms", ConfigOperation.set, "2000"], ["segment.ms", ConfigOperation.delete, null], ["max.message.bytes", ConfigOperation.set, "2048"]]);
    expect(response.responses[0].errorCode).toBe(ErrorCode.NONE);
    expect(fixture.topics.get("orders")?.meta.configs).toEqual({ "retention.ms": "2000", "max.message.bytes": "2048" });
    expect(fixture.backend.metas.get("orders")?.configs).toEqual({ "retention.ms": "2000", "max.message.bytes": "2048" });
  });

  test("APPEND and SUBTRACT work on list configs, starting from the default", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("table", 1);
    await alter(fixture, "table", [["cleanup.policy", ConfigOperation.append, "compact"]]);
    expect(fixture.topics.get("table")?.meta.configs["cleanup.policy"]).toBe("delete,compact");
    await alter(fixture, "table", [["cleanup.policy", ConfigOperation.subtract, "delete"]]);
    expect(fixture.topics.get("table")?.meta.configs["cleanup.policy"]).toBe("compact");
    const scalar = await alter(fixture, "table", [["retention.ms", ConfigOperation.append, "5"]]);
    expect(scalar.responses[0]).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG, errorMessage: 'Topic config "retention.ms" is not a list: APPEND and SUBTRACT need one' });
  });

  test("bad values, unknown operations and validate_only leave the configs alone", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("orders", 1, { "retention.ms": "1000" });
    expect((await alter(fixture, "orders", [["retention.ms", ConfigOperation.set, "soon"]])).responses[0].errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect((await alter(fixture, "orders", [["retention.ms", 7, "1"]])).responses[0].errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect((await alter(fixture, "orders", [["retention.ms", ConfigOperation.set, "9"]], true)).responses[0].errorCode).toBe(ErrorCode.NONE);
    expect((await alter(fixture, "absent", [["retention.ms", ConfigOperation.set, "9"]])).responses[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(fixture.topics.get("orders")?.meta.configs).toEqual({ "retention.ms": "1000" });
  });
});
