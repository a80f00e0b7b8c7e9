import { describe, expect, test } from "bun:test";
import { ConfigSource, ConfigType, ResourceType } from "../../../src/engine/config-resources.ts";
import { handleDescribeConfigs } from "../../../src/engine/handlers/describe-configs.ts";
import { ErrorCode } from "../../../src/protocol/errors.ts";
import { DescribeConfigs, type DescribeConfigsRequest, type DescribeConfigsResponse } from "../../../src/protocol/messages/describe-configs.ts";
import { Writer } from "../../../src/protocol/writer.ts";
import { type EngineFixture, engineFixture } from "../fixtures.ts";

async function describeConfigs(fixture: EngineFixture, request: DescribeConfigsRequest, apiVersion = 4): Promise<DescribeConfigsResponse> {
  const response = await handleDescribeConfigs(request, fixture.ctx(apiVersion));
  if (response === null) throw new Error("Expected a response");
  return response;
}

describe("handleDescribeConfigs", () => {
  test("a topic's own values with TOPIC_CONFIG, the rest as defaults (serve flags included)", async () => {
    const fixture = await engineFixture({ config: { segmentBytes: 4096 } });
    await fixture.topics.create("orders", 1, { "retention.ms": "1000" });
    const response = await describeConfigs(fixture, { resources: [{ resourceType: ResourceType.topic, resourceName: "orders", configurationKeys: null }], includeSynonyms: true });
    const [result] = response.results;
    expect(result.errorCode).toBe(ErrorCode.NONE);
    const byName = new Map(result.configs.map((entry) => [entry.name, entry]));
    expect(byName.get("retention.ms")).toMatchObject({ value: "1000", configSource: ConfigSource.topicConfig, readOnly: false, configType: ConfigType.long });
    expect(byName.get("retention.ms")?.synonyms).toEqual([{ name: "retention.ms", value: "1000", source: ConfigSource.topicConfig }]);
    expect(byName.get("segment.bytes")).toMatchObject({ value: "4096", configSource: ConfigSource.defaultConfig, configType: ConfigType.int });
    expect(byName.get("cleanup.policy")?.configType).toBe(ConfigType.list);
    expect(result.configs.map((entry) => entry.name)).toEqual([...byName.keys()].sort());
  });

  test("every version's answer encodes; v0 flags defaults with is_default", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("orders", 1, { "retention.ms": "1000" });
    for (let version = 0; version <= 4; version++) {
      const response = await describeConfigs(fixture, { resources: [{ resourceType: ResourceType.topic, resourceName: "orders", configurationKeys: null }], includeSynonyms: version > 0 }, version);
      DescribeConfigs.encodeResponse(new Writer(), version, response);
      const defaults = response.results[0].configs.filter((entry) => entry.isDefault === true).length;
      expect(defaults > 0).toBe(version === 0);
    }
  });

  test("configuration_keys filters; unknown topics and resource types fail per resource", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("orders", 1);
    const response = await describeConfigs(fixture, {
      resources: [
        { resourceType: ResourceType.topic, resourceName: "orders", configurationKeys: ["segment.ms", "nope"] },
        { resourceType: ResourceType.topic, resourceName: "missing", configurationKeys: null },
        { resourceType: 3, resourceName: "group", configurationKeys: null },
      ],
    }, 0);
    expect(response.results[0].configs.map((entry) => entry.name)).toEqual(["segment.ms"]);
    expect(response.results[1]).toMatchObject({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, resourceName: "missing", configs: [] });
    expect(response.results[2].errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });

  test("the broker's configs are read-only; another broker id is refused", async () => {
    const fixture = await engineFixture({ config: { nodeId: 3, defaultPartitions: 6 } });
    const response = await describeConfigs(fixture, {
      resources: [
        { resourceType: ResourceType.broker, resourceName: "3", configurationKeys: null },
        { resourceType: ResourceType.broker, resourceName: "9", configurationKeys: null },
      ],
    });
    const numPartitions = response.results[0].configs.find((entry) => entry.name === "num.partitions");
    expect(numPartitions).toMatchObject({ value: "6", readOnly: true, configSource: ConfigSource.staticBrokerConfig });
    expect(response.results[1].errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });
});
