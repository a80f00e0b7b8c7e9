import { describe, expect, test } from "bun:test";
import { userCommand } from "../../src/commands/user.ts";

describe("chronik user", () => {
  test("set, delete and list take --data or the client commands' connection flags, none of them required", () => {
    const command = userCommand();
    expect(command.commands.map((entry) => entry.name())).toEqual(["set", "delete", "list"]);
    for (const subcommand of command.commands) {
      const flags = subcommand.options.map((option) => option.flags);
      expect(flags, subcommand.name()).toEqual(expect.arrayContaining(["--data <dir>", "-b, --brokers <list>", "-X, --set <key=value>", "--config <file>", "--log-level <level>"]));
      expect(subcommand.options.filter((option) => option.mandatory).map((option) => option.flags), subcommand.name()).toEqual([]);
    }
  });

  test("set defaults to SCRAM-SHA-512 and 4096 iterations, and refuses iterations outside Kafka's bounds", async () => {
    const command = userCommand().exitOverride();
    const set = command.commands.find((entry) => entry.name() === "set")!;
    set.exitOverride().configureOutput({ writeErr: () => {} });
    set.action(() => {});
    await command.parseAsync(["set", "bob", "-b", "broker:9092", "-X", "security.protocol=sasl_plaintext"], { from: "user" });
    expect(set.opts()).toMatchObject({ mechanism: "SCRAM-SHA-512", iterations: 4096, brokers: "broker:9092", set: ["security.protocol=sasl_plaintext"] });
    expect(set.opts().data).toBeUndefined();
    await expect(command.parseAsync(["set", "bob", "--iterations", "16385"], { from: "user" })).rejects.toThrow("Iterations must be from 4096 to 16384");
  });
});
