import { describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { Command } from "@commander-js/extra-typings";
import { defaultBrokerConfig } from "../../src/engine/broker-config.ts";
import { brokerConfigFrom, serveOptions, serveSettings, type ServeOptions } from "../../src/commands/serve-options.ts";

/** The settled options of `args`, parsed by a command built from the table alone. */
function parse(args: string[]): ServeOptions {
  const command = new Command<[], ServeOptions>("serve").exitOverride();
  for (const option of serveOptions()) command.addOption(option);
  command.action(() => {});
  command.parse(args, { from: "user" });
  return command.opts();
}

describe("serveOptions", () => {
  test("one option per entry, plus --no-<flag> for switches that have one", () => {
    const flags = serveOptions().map((option) => option.long);
    const negations = Object.values(serveSettings).filter((setting) => "negation" in setting).length;
    expect(flags).toHaveLength(Object.keys(serveSettings).length + negations);
    expect(flags).toContain("--no-auto-create-topics");
    expect(new Set(flags).size).toBe(flags.length);
  });
});

describe("brokerConfigFrom", () => {
  test("no flags: the default BrokerConfig, the data folder made absolute", () => {
    expect(brokerConfigFrom(parse([]))).toEqual({ ...defaultBrokerConfig, dataDir: resolve(defaultBrokerConfig.dataDir) });
  });

  test("each flag lands on its key, renamed or converted where its entry says", () => {
    const config = brokerConfigFrom(parse(["--fsync-interval", "2s", "--message-max-bytes", "2MiB", "--offsets-retention-minutes", "10", "--connections-max-reauth-ms", "500", "--no-metrics", "--super-users", "User:a;User:b"]));
    expect(config.fsyncIntervalMs).toBe(2000);
    expect(config.batchBytesMax).toBe(2 * 1024 * 1024);
    expect(config.offsetsRetentionMs).toBe(600_000);
    expect(config.saslSessionLifetimeMs).toBe(500);
    expect(config.metrics).toBe(false);
    expect(config.superUsers).toEqual(["User:a", "User:b"]);
  });

  test("the advertised address is --host and --port unless given; localhost when listening everywhere", () => {
    expect(brokerConfigFrom(parse(["--host", "10.0.0.5", "--port", "9999"]))).toMatchObject({ advertisedHost: "10.0.0.5", advertisedPort: 9999 });
    expect(brokerConfigFrom(parse(["--port", "9999"]))).toMatchObject({ advertisedHost: "localhost", advertisedPort: 9999 });
    expect(brokerConfigFrom(parse(["--advertised-host", "kafka.example", "--advertised-port", "19092"]))).toMatchObject({ advertisedHost: "kafka.example", advertisedPort: 19092 });
  });

  test("settings serve uses itself stay out of BrokerConfig", () => {
    const config = brokerConfigFrom(parse(["--search-all-topics", "--log-level", "debug"]));
    expect(Object.keys(config)).not.toContain("searchAllTopics");
    expect(Object.keys(config)).not.toContain("logLevel");
  });
});
