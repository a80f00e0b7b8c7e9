#!/usr/bin/env bun
// chronik: a Kafka-compatible event streaming broker with built-in search, in one executable.
// This file only assembles the command line from src/commands.

import { Command } from "@commander-js/extra-typings";
import { serveCommand } from "./src/commands/serve.ts";
import { produceCommand } from "./src/commands/produce.ts";
import { consumeCommand } from "./src/commands/consume.ts";
import { searchCommand } from "./src/commands/search.ts";
import { topCommand } from "./src/commands/top.ts";
import { userCommand } from "./src/commands/user.ts";
import { aclCommand } from "./src/commands/acl.ts";
import { groupCommand } from "./src/commands/group.ts";
import { topicCommand } from "./src/commands/topic.ts";
import { txnCommand } from "./src/commands/txn.ts";
import { inspectCommand } from "./src/commands/inspect.ts";
import { benchCommand } from "./src/commands/bench.ts";
import { completionCommand } from "./src/commands/completion.ts";
import packageJson from "./package.json" with { type: "json" };

const program = new Command("chronik")
  .description("Kafka-compatible event streaming broker with built-in full-text search")
  .version(packageJson.version)
  .showHelpAfterError("(run with --help for usage)")
  .addCommand(serveCommand())
  .addCommand(produceCommand())
  .addCommand(consumeCommand())
  .addCommand(topicCommand())
  .addCommand(inspectCommand())
  .addCommand(benchCommand())
  .addCommand(searchCommand())
  .addCommand(groupCommand())
  .addCommand(txnCommand())
  .addCommand(topCommand())
  .addCommand(userCommand())
  .addCommand(aclCommand());

// Completion scripts are generated from the finished command tree, so this one comes last.
program.addCommand(completionCommand(() => program));

await program.parseAsync(process.argv);
