// What the admin commands (`chronik topic …`, `chronik group …`) share: the common client flags,
// a cluster opened for one subcommand and closed after it, and plain-text tables.

import { Command } from "@commander-js/extra-typings";
import type { Cluster } from "../client/index.ts";
import { brokersHelp, collect, configHelp, logLevels, openCluster, resolveClientSettings, runClientCommand, setHelp } from "./client-command.ts";
import { choice } from "./options.ts";

export const outputFormats = ["table", "json"] as const;
export type OutputFormat = (typeof outputFormats)[number];

export interface AdminOptions {
  brokers?: string;
  set: string[];
  config?: string;
  logLevel: (typeof logLevels)[number];
  format: OutputFormat;
}

/** Runs `body` with a cluster from the common flags, closing it afterwards; errors become one line and exit 1. */
export async function withCluster(commandName: string, options: AdminOptions, body: (cluster: Cluster) => Promise<void>): Promise<void> {
  await runClientCommand(commandName, async () => {
    const cluster = openCluster(resolveClientSettings(options));
    try {
      await body(cluster);
    } finally {
      cluster.close();
    }
  });
}

const formatHelp = "table (for people) or json (for scripts)";

/** A subcommand with the flags every admin subcommand takes, spelled the same in `topic` and `group` (-f, --format). */
export function adminSubcommand(name: string) {
  return new Command(name)
    .option("-f, --format <format>", formatHelp, choice(outputFormats), "table" as OutputFormat)
    .option("-b, --brokers <list>", brokersHelp)
    .option("-X, --set <key=value>", setHelp, collect, [] as string[])
    .option("--config <file>", configHelp)
    .option("--log-level <level>", "debug, info, warn or error", choice(logLevels), "warn" as (typeof logLevels)[number]);
}

/** Left-aligned columns separated by two spaces, header first, as kafka-consumer-groups.sh prints them. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => row[column].length)));
  const line = (cells: readonly string[]) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]))).join("  ").trimEnd();
  return [line(headers), ...rows.map(line)].join("\n") + "\n";
}
