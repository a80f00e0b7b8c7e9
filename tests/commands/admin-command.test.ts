import { describe, expect, test } from "bun:test";
import { groupCommand } from "../../src/commands/group.ts";
import { topicCommand } from "../../src/commands/topic.ts";

describe("admin subcommands", () => {
  test("--format is spelled the same (-f, --format) in every topic and group subcommand", () => {
    const subcommands = [topicCommand(), groupCommand()].flatMap((parent) => parent.commands.map((command) => ({ name: `${parent.name()} ${command.name()}`, command })));
    expect(subcommands.length).toBeGreaterThanOrEqual(10);
    for (const { name, command } of subcommands) {
      const format = command.options.find((option) => option.long === "--format");
      expect(format?.flags, name).toBe("-f, --format <format>");
    }
  });

  test("topic list takes -f json like group list", async () => {
    const command = topicCommand();
    const list = command.commands.find((entry) => entry.name() === "list")!;
    list.action(() => {});
    await command.parseAsync(["list", "-f", "json"], { from: "user" });
    expect(list.opts().format).toBe("json");
  });
});
