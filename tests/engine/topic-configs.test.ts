import { describe, expect, test } from "bun:test";
import { ConfigType } from "../../src/engine/config-resources.ts";
import { topicConfigDefinitions, topicConfigProblem } from "../../src/engine/topic-configs.ts";

describe("topicConfigProblem", () => {
  test("accepts no configs, and every default value", () => {
    expect(topicConfigProblem({})).toBeNull();
    const defaults = Object.fromEntries(Object.entries(topicConfigDefinitions).map(([key, definition]) => [key, definition.defaultValue]));
    expect(topicConfigProblem(defaults)).toBeNull();
  });

  test("accepts valid values of each kind", () => {
    expect(
      topicConfigProblem({
        "cleanup.policy": "compact, delete",
        "compression.type": "zstd",
        "retention.ms": "-1",
        "segment.bytes": "1048576",
        "message.timestamp.type": "LogAppendTime",
        "min.cleanable.dirty.ratio": "0.25",
        "search.enabled": "true",
      }),
    ).toBeNull();
  });

  test("names an unknown key", () => {
    expect(topicConfigProblem({ "retention.ms": "1", "no.such.config": "1" })).toBe('Unknown topic config "no.such.config"');
  });

  test("keys inherited from Object.prototype are unknown, not a crash", () => {
    for (const key of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
      const configs = Object.fromEntries([[key, "1"]]);
      expect(topicConfigProblem(configs)).toBe(`Unknown topic config "${key}"`);
    }
  });

  test("a key without a value is invalid", () => {
    expect(topicConfigProblem({ "retention.ms": null })).toBe('Topic config "retention.ms" has no value');
  });

  test("names the key and the bad value", () => {
    const cases: Array<[string, string, string]> = [
      ["retention.ms", "1h", '"1h" is not a whole number from -1 to 9007199254740991'],
      ["retention.ms", "", '"" is not a whole number from -1 to 9007199254740991'],
      ["retention.bytes", "-2", '"-2" is not a whole number from -1 to 9007199254740991'],
      ["segment.bytes", "0", '"0" is not a whole number from 1 to 2147483647'],
      ["segment.bytes", "4294967296", '"4294967296" is not a whole number from 1 to 2147483647'],
      ["delete.retention.ms", "-1", '"-1" is not a whole number from 0 to 9007199254740991'],
      ["min.insync.replicas", "-1", '"-1" is not a positive whole number'],
      ["search.enabled", "yes", '"yes" is not true or false'],
      ["compression.type", "brotli", '"brotli" is not one of producer, uncompressed, gzip, snappy, lz4, zstd'],
      ["message.timestamp.type", "logappendtime", '"logappendtime" is not one of CreateTime, LogAppendTime'],
      ["cleanup.policy", "delete,forever", '"delete,forever" is not a list of delete, compact'],
      ["cleanup.policy", "", '"" is not a list of delete, compact'],
      ["min.cleanable.dirty.ratio", "1.5", '"1.5" is not a number between 0 and 1'],
      ["min.cleanable.dirty.ratio", " ", '" " is not a number between 0 and 1'],
      ["min.cleanable.dirty.ratio", "half", '"half" is not a number between 0 and 1'],
    ];
    for (const [key, value, detail] of cases) {
      expect(topicConfigProblem({ [key]: value })).toBe(`Invalid value for topic config "${key}": ${detail}`);
    }
  });

  test("accepts every topic config Kafka 3.9 accepts, including those chronik does not act on", () => {
    expect(
      topicConfigProblem({
        "compression.gzip.level": "9",
        "compression.lz4.level": "17",
        "compression.zstd.level": "-5",
        "file.delete.delay.ms": "60000",
        "flush.messages": "1",
        "flush.ms": "1000",
        "follower.replication.throttled.replicas": "0:1, 1:2",
        "leader.replication.throttled.replicas": "*",
        "index.interval.bytes": "4096",
        "local.retention.bytes": "-2",
        "local.retention.ms": "-2",
        "max.compaction.lag.ms": "9223372036854775807",
        "message.downconversion.enable": "false",
        "message.format.version": "3.0-IV1",
        "message.timestamp.after.max.ms": "3600000",
        "message.timestamp.before.max.ms": "3600000",
        "preallocate": "true",
        "remote.log.copy.disable": "false",
        "remote.log.delete.on.disable": "false",
        "remote.storage.enable": "false",
        "segment.index.bytes": "10485760",
        "segment.jitter.ms": "0",
        "unclean.leader.election.enable": "true",
      }),
    ).toBeNull();
    for (const version of ["0.10.2", "2.8", "2.8-IV1", "3.0", "0.11.0-IV2"]) {
      expect(topicConfigProblem({ "message.format.version": version })).toBeNull();
    }
  });

  test("names the key and the bad value of the configs chronik does not act on", () => {
    const cases: Array<[string, string]> = [
      ["message.format.version", "banana"],
      ["message.downconversion.enable", "1"],
      ["flush.messages", "0"],
      ["segment.index.bytes", "3"],
      ["local.retention.ms", "-3"],
      ["max.compaction.lag.ms", "0"],
      ["compression.gzip.level", "10"],
      ["compression.lz4.level", "0"],
      ["compression.zstd.level", "23"],
      ["follower.replication.throttled.replicas", "0-1"],
      ["preallocate", "yes"],
    ];
    for (const [key, value] of cases) {
      expect(topicConfigProblem({ [key]: value })).toStartWith(`Invalid value for topic config "${key}": "${value}" is not`);
    }
  });

  test("each config has Kafka's type for DescribeConfigs", () => {
    expect(topicConfigDefinitions["cleanup.policy"].type).toBe(ConfigType.list);
    expect(topicConfigDefinitions["follower.replication.throttled.replicas"].type).toBe(ConfigType.list);
    expect(topicConfigDefinitions["message.format.version"].type).toBe(ConfigType.string);
    expect(topicConfigDefinitions["preallocate"].type).toBe(ConfigType.boolean);
    expect(topicConfigDefinitions["segment.index.bytes"].type).toBe(ConfigType.int);
    expect(topicConfigDefinitions["flush.messages"].type).toBe(ConfigType.long);
    expect(topicConfigDefinitions["min.cleanable.dirty.ratio"].type).toBe(ConfigType.double);
  });
});
