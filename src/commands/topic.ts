// `chronik topic`: create, list, describe, delete topics, add partitions and change configs,
// like `rpk topic`. Tables for people by default, `--format json` for scripts. Each topic's
// outcome is reported; any failure makes the exit code non-zero.

import { Command, InvalidArgumentError } from "@commander-js/extra-typings";
import { Admin, type Cluster, ConfigAdmin, type ConfigChanges, ConfigResourceType, listOffsets, OffsetSpec, type TopicInfo } from "../client/index.ts";
import type { KafkaProtocolError } from "../protocol/errors.ts";
import { adminSubcommand, type AdminOptions, type OutputFormat, renderTable, withCluster } from "./admin-command.ts";
import { collect, CommandError } from "./client-command.ts";
import { choice, parsePositiveInteger } from "./options.ts";

function parseConfigEntry(value: string, previous: Record<string, string>): Record<string, string> {
  const equals = value.indexOf("=");
  if (equals <= 0) throw new InvalidArgumentError(`Config "${value}" is not key=value`);
  return { ...previous, [value.slice(0, equals)]: value.slice(equals + 1) };
}

/** One row per topic outcome; throws (exit 1) when any failed, after printing them all. */
function reportOutcomes(format: OutputFormat, outcomes: Array<{ name: string; error: KafkaProtocolError | null }>, extra: Record<string, string> = {}): void {
  if (format === "json") {
    process.stdout.write(`${JSON.stringify(outcomes.map((outcome) => ({ topic: outcome.name, ...extra, error: outcome.error?.message ?? null })))}\n`);
  } else {
    process.stdout.write(renderTable(["TOPIC", "STATUS"], outcomes.map((outcome) => [outcome.name, outcome.error === null ? "OK" : outcome.error.message])));
  }
  const failed = outcomes.filter((outcome) => outcome.error !== null).length;
  if (failed > 0) throw new CommandError(`${failed} of ${outcomes.length} topics failed`);
}

function createCommand() {
  return adminSubcommand("create")
    .description("Create topics")
    .argument("<topics...>", "names of the topics to create")
    .option("-p, --partitions <n>", "partitions per topic (default: the broker's)", parsePositiveInteger)
    .option("-r, --replicas <n>", "replication factor (default: the broker's)", parsePositiveInteger)
    .option("-c, --topic-config <key=value>", "topic config, repeatable (e.g. -c retention.ms=3600000 -c cleanup.policy=compact)", parseConfigEntry, {} as Record<string, string>)
    .option("-d, --dry-run", "ask the broker to validate only; nothing is created")
    .addHelpText("after", "\nExamples:\n  chronik topic create events -p 6\n  chronik topic create users -p 3 -c cleanup.policy=compact --dry-run\n")
    .action(async (topics, options) => {
      await withCluster("topic create", options, async (cluster) => {
        const results = await new Admin(cluster).createTopics(
          topics.map((name) => ({ name, partitions: options.partitions, replicationFactor: options.replicas, configs: options.topicConfig })),
          { validateOnly: options.dryRun === true },
        );
        reportOutcomes(options.format, results, options.dryRun ? { dryRun: "true" } : {});
      });
    });
}

function listCommand() {
  return adminSubcommand("list")
    .description("List topics with their partition and replica counts")
    .option("-i, --internal", "include internal topics (__consumer_offsets)")
    .option("-r, --regex <pattern>", "only topics whose whole name matches")
    .addHelpText("after", "\nExamples:\n  chronik topic list\n  chronik topic list -r 'logs-.*' --format json | jq -r '.[].name'\n")
    .action(async (options) => {
      await withCluster("topic list", options, async (cluster) => {
        let pattern: RegExp | null = null;
        try {
          pattern = options.regex === undefined ? null : new RegExp(`^(?:${options.regex})$`);
        } catch (error) {
          throw new CommandError(`"${options.regex}" is not a regular expression: ${(error as Error).message}`);
        }
        const topics = (await new Admin(cluster).listTopics()).filter(
          (topic) => (options.internal || !topic.internal) && (pattern === null || pattern.test(topic.name)),
        );
        const rows = topics.map((topic) => ({ name: topic.name, partitions: topic.partitions.length, replicas: replicasOf(topic), internal: topic.internal }));
        if (options.format === "json") process.stdout.write(`${JSON.stringify(rows)}\n`);
        else process.stdout.write(renderTable(["NAME", "PARTITIONS", "REPLICAS"], rows.map((row) => [row.name, String(row.partitions), String(row.replicas)])));
      });
    });
}

function replicasOf(topic: TopicInfo): number {
  return Math.max(0, ...topic.partitions.map((partition) => partition.replicas.length));
}

function describeCommand() {
  return adminSubcommand("describe")
    .description("Show a topic's summary, configs and partitions (leader, offsets)")
    .argument("<topics...>", "topics to describe")
    .addHelpText("after", "\nExamples:\n  chronik topic describe events\n  chronik topic describe events --format json | jq '.partitions[].highWatermark'\n")
    .action(async (topics, options) => {
      await withCluster("topic describe", options, async (cluster) => {
        const described = [];
        for (const name of topics) described.push(await describeTopic(cluster, name));
        if (options.format === "json") {
          process.stdout.write(`${JSON.stringify(described.length === 1 ? described[0] : described)}\n`);
          return;
        }
        process.stdout.write(described.map(renderDescription).join("\n"));
      });
    });
}

interface TopicDescription {
  name: string;
  topicId: string;
  internal: boolean;
  partitionCount: number;
  replicas: number;
  configs: Array<{ name: string; value: string | null; source: string }>;
  partitions: Array<{ partition: number; leader: number; epoch: number; replicas: number[]; isr: number[]; logStartOffset: number; highWatermark: number }>;
}

async function describeTopic(cluster: Cluster, name: string): Promise<TopicDescription> {
  const info = await cluster.topic(name);
  const partitions = info.partitions.map((partition) => partition.partition);
  const [configs, earliest, latest] = await Promise.all([
    new ConfigAdmin(cluster).describeConfigs(ConfigResourceType.topic, [name]),
    listOffsets(cluster, name, { partitions, timestamp: OffsetSpec.earliest }),
    listOffsets(cluster, name, { partitions, timestamp: OffsetSpec.latest }),
  ]);
  const [configResult] = configs;
  if (configResult?.error) throw configResult.error;
  return {
    name,
    topicId: info.topicId,
    internal: info.internal,
    partitionCount: info.partitions.length,
    replicas: replicasOf(info),
    configs: (configResult?.value ?? []).map((entry) => ({ name: entry.name, value: entry.value, source: entry.source })),
    partitions: info.partitions.map((partition) => ({
      partition: partition.partition,
      leader: partition.leaderId,
      epoch: partition.leaderEpoch,
      replicas: partition.replicas,
      isr: partition.isr,
      logStartOffset: earliest.get(partition.partition)?.offset ?? -1,
      highWatermark: latest.get(partition.partition)?.offset ?? -1,
    })),
  };
}

function renderDescription(topic: TopicDescription): string {
  const summary = renderTable(["NAME", "ID", "PARTITIONS", "REPLICAS", "INTERNAL"], [[topic.name, topic.topicId, String(topic.partitionCount), String(topic.replicas), String(topic.internal)]]);
  const configs = renderTable(["KEY", "VALUE", "SOURCE"], topic.configs.map((entry) => [entry.name, entry.value ?? "", entry.source]));
  const partitions = renderTable(
    ["PARTITION", "LEADER", "EPOCH", "REPLICAS", "ISR", "LOG-START-OFFSET", "HIGH-WATERMARK"],
    topic.partitions.map((partition) => [
      String(partition.partition),
      String(partition.leader),
      String(partition.epoch),
      partition.replicas.join(","),
      partition.isr.join(","),
      String(partition.logStartOffset),
      String(partition.highWatermark),
    ]),
  );
  return `SUMMARY\n${summary}\nCONFIGS\n${configs}\nPARTITIONS\n${partitions}`;
}

function deleteCommand() {
  return adminSubcommand("delete")
    .description("Delete topics and all their records")
    .argument("<topics...>", "topics to delete")
    .addHelpText("after", "\nExample:\n  chronik topic delete scratch-1 scratch-2\n")
    .action(async (topics, options) => {
      await withCluster("topic delete", options, async (cluster) => {
        reportOutcomes(options.format, await new Admin(cluster).deleteTopics(topics));
      });
    });
}

function addPartitionsCommand() {
  return adminSubcommand("add-partitions")
    .description("Add partitions to topics (keys may map to other partitions afterwards)")
    .argument("<topics...>", "topics to grow")
    .requiredOption("-n, --num <n>", "how many partitions to add to each topic", parsePositiveInteger)
    .option("-d, --dry-run", "ask the broker to validate only")
    .addHelpText("after", "\nExample:\n  chronik topic add-partitions events -n 3\n")
    .action(async (topics, options) => {
      await withCluster("topic add-partitions", options, async (cluster) => {
        const counts: Record<string, number> = {};
        for (const name of topics) counts[name] = (await cluster.topic(name)).partitions.length + options.num;
        const results = await new ConfigAdmin(cluster).createPartitions(counts, { validateOnly: options.dryRun === true });
        reportOutcomes(options.format, results);
      });
    });
}

function alterConfigCommand() {
  return adminSubcommand("alter-config")
    .description("Set or reset topic configs (others keep their values)")
    .argument("<topics...>", "topics to change")
    .option("-s, --set-config <key=value>", "config to set, repeatable", parseConfigEntry, {} as Record<string, string>)
    .option("-d, --delete <key>", "config to reset to its default, repeatable", collect, [] as string[])
    .option("--dry-run", "ask the broker to validate only")
    .addHelpText("after", "\nExamples:\n  chronik topic alter-config events -s retention.ms=86400000\n  chronik topic alter-config events -d retention.ms\n")
    .action(async (topics, options) => {
      await withCluster("topic alter-config", options, async (cluster) => {
        const changes: ConfigChanges = { ...options.setConfig };
        for (const key of options.delete) changes[key] = null;
        if (Object.keys(changes).length === 0) throw new CommandError("Nothing to change: use -s key=value or -d key");
        const admin = new ConfigAdmin(cluster);
        const outcomes = [];
        for (const name of topics) outcomes.push({ name, error: await admin.alterTopicConfigs(name, changes, { validateOnly: options.dryRun === true }) });
        reportOutcomes(options.format, outcomes);
      });
    });
}

export function topicCommand() {
  return new Command("topic")
    .description("Create, list, describe and delete topics; add partitions; change configs")
    .addCommand(createCommand())
    .addCommand(listCommand())
    .addCommand(describeCommand())
    .addCommand(deleteCommand())
    .addCommand(addPartitionsCommand())
    .addCommand(alterConfigCommand());
}
