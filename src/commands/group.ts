// `chronik group`: list consumer groups, describe one (members, assignments, committed offset,
// log end and lag per partition), reset its committed offsets, delete it. Tables for people by
// default, `--format json` for scripts. Column names follow kafka-consumer-groups.sh.

import { Command, InvalidArgumentError } from "@commander-js/extra-typings";
import { type Cluster, listOffsets, OffsetSpec } from "../client/index.ts";
import { type CommittedOffset, type GroupDescription, GroupAdmin } from "../client/group-admin.ts";
import { adminSubcommand, type AdminOptions, renderTable, withCluster } from "./admin-command.ts";
import { CommandError } from "./client-command.ts";
import { choice } from "./options.ts";

function write(text: string): void {
  process.stdout.write(text);
}

// ---- describe ----

export interface PartitionLag {
  topic: string;
  partition: number;
  /** null when the group has no committed offset for the partition. */
  committedOffset: number | null;
  /** null when the topic no longer exists. */
  logEndOffset: number | null;
  lag: number | null;
  memberId: string | null;
  clientId: string | null;
  host: string | null;
}

/** Log end offsets of the topics' partitions; a topic that is gone maps to null. */
async function logEndOffsets(cluster: Cluster, topics: Iterable<string>): Promise<Map<string, Map<number, number> | null>> {
  const result = new Map<string, Map<number, number> | null>();
  for (const topic of topics) {
    const info = await cluster.topic(topic).catch(() => null);
    if (info === null) {
      result.set(topic, null);
      continue;
    }
    const offsets = await listOffsets(cluster, topic, { partitions: info.partitions.map((entry) => entry.partition), timestamp: OffsetSpec.latest });
    result.set(topic, new Map([...offsets].map(([partition, entry]) => [partition, entry.offset])));
  }
  return result;
}

/** One row per partition the group has an offset for or a member owns, with its lag. */
export async function partitionLags(cluster: Cluster, description: GroupDescription, committed: readonly CommittedOffset[]): Promise<PartitionLag[]> {
  const rows = new Map<string, PartitionLag>();
  const rowOf = (topic: string, partition: number): PartitionLag => {
    const key = `${topic}\u0000${partition}`;
    let row = rows.get(key);
    if (!row) rows.set(key, (row = { topic, partition, committedOffset: null, logEndOffset: null, lag: null, memberId: null, clientId: null, host: null }));
    return row;
  };
  for (const entry of committed) rowOf(entry.topic, entry.partition).committedOffset = entry.offset;
  for (const member of description.members) {
    for (const { topic, partitions } of member.assignment) {
      for (const partition of partitions) Object.assign(rowOf(topic, partition), { memberId: member.memberId, clientId: member.clientId, host: member.clientHost });
    }
  }
  const ends = await logEndOffsets(cluster, new Set([...rows.values()].map((row) => row.topic)));
  for (const row of rows.values()) {
    row.logEndOffset = ends.get(row.topic)?.get(row.partition) ?? null;
    if (row.logEndOffset !== null && row.committedOffset !== null) row.lag = Math.max(0, row.logEndOffset - row.committedOffset);
  }
  return [...rows.values()].sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
}

function describeTable(description: GroupDescription, lags: readonly PartitionLag[]): string {
  const protocol = [description.protocolType, description.protocol].filter((part) => part !== "").join("/") || "-";
  const members = description.members.length === 1 ? "1 member" : `${description.members.length} members`;
  const summary = `Group "${description.groupId}": ${description.state}, ${members}, protocol ${protocol}\n`;
  const cell = (value: number | string | null) => (value === null ? "-" : String(value));
  const rows = lags.map((row) => [description.groupId, row.topic, cell(row.partition), cell(row.committedOffset), cell(row.logEndOffset), cell(row.lag), cell(row.memberId), cell(row.host), cell(row.clientId)]);
  const table = rows.length === 0 ? "" : "\n" + renderTable(["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "MEMBER-ID", "HOST", "CLIENT-ID"], rows);
  return summary + table;
}

// ---- reset-offsets ----

export type ResetTarget = { kind: "earliest" } | { kind: "latest" } | { kind: "offset"; offset: number } | { kind: "datetime"; timestampMs: number };

export interface ResetPlanEntry {
  topic: string;
  partition: number;
  previousOffset: number | null;
  newOffset: number;
}

/** `topic` or `topic:0,2`: a topic and optionally some of its partitions. */
export function parseTopicPartitions(value: string, previous: { topic: string; partitions: number[] | null }[] = []) {
  const match = /^([^:]+)(?::(\d+(?:,\d+)*))?$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError(`"${value}" is not a topic or topic:partitions (e.g. orders or orders:0,2)`);
  return [...previous, { topic: match[1], partitions: match[2] === undefined ? null : match[2].split(",").map(Number) }];
}

/** ISO 8601 (a missing zone means UTC, as Kafka's tool reads it) or epoch milliseconds. */
export function parseDatetime(value: string): number {
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const withZone = /(?:Z|[+-]\d{2}:?\d{2})$/.test(trimmed) ? trimmed : `${trimmed}Z`;
  const timestampMs = Date.parse(withZone);
  if (Number.isNaN(timestampMs)) throw new InvalidArgumentError(`"${value}" is not a date-time (e.g. 2024-05-01T10:00:00Z, 2024-05-01T10:00:00.000 or epoch ms)`);
  return timestampMs;
}

function resetTargetOf(options: { toEarliest?: true; toLatest?: true; toOffset?: number; toDatetime?: number }): ResetTarget {
  const targets: ResetTarget[] = [];
  if (options.toEarliest) targets.push({ kind: "earliest" });
  if (options.toLatest) targets.push({ kind: "latest" });
  if (options.toOffset !== undefined) targets.push({ kind: "offset", offset: options.toOffset });
  if (options.toDatetime !== undefined) targets.push({ kind: "datetime", timestampMs: options.toDatetime });
  if (targets.length !== 1) throw new CommandError("Give exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime");
  return targets[0];
}

/** The new offset of each partition: Kafka's rules (an offset is clamped to the log; a time past the last record means the end). */
export async function planReset(
  cluster: Cluster,
  selection: readonly { topic: string; partitions: number[] | null }[],
  target: ResetTarget,
  committed: readonly CommittedOffset[],
): Promise<ResetPlanEntry[]> {
  const plan: ResetPlanEntry[] = [];
  for (const { topic, partitions: chosen } of selection) {
    const info = await cluster.topic(topic);
    const all = info.partitions.map((entry) => entry.partition);
    const missing = (chosen ?? []).filter((partition) => !all.includes(partition));
    if (missing.length > 0) throw new CommandError(`Topic "${topic}" has no partition ${missing.join(", ")}`);
    const partitions = chosen ?? all;
    const earliest = await listOffsets(cluster, topic, { partitions, timestamp: OffsetSpec.earliest });
    const latest = await listOffsets(cluster, topic, { partitions, timestamp: OffsetSpec.latest });
    const atTime = target.kind === "datetime" ? await listOffsets(cluster, topic, { partitions, timestamp: target.timestampMs }) : null;
    for (const partition of partitions) {
      const low = earliest.get(partition)!.offset;
      const high = latest.get(partition)!.offset;
      let newOffset: number;
      if (target.kind === "earliest") newOffset = low;
      else if (target.kind === "latest") newOffset = high;
      else if (target.kind === "offset") newOffset = Math.min(Math.max(target.offset, low), high);
      else newOffset = atTime!.get(partition)!.offset >= 0 ? atTime!.get(partition)!.offset : high;
      const previous = committed.find((entry) => entry.topic === topic && entry.partition === partition)?.offset ?? null;
      plan.push({ topic, partition, previousOffset: previous, newOffset });
    }
  }
  return plan;
}

// ---- the command ----

interface ResetOptions extends AdminOptions {
  topic: { topic: string; partitions: number[] | null }[];
  allTopics?: true;
  toEarliest?: true;
  toLatest?: true;
  toOffset?: number;
  toDatetime?: number;
  dryRun?: true;
}

function parseOffset(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`"${value}" is not an offset`);
  return Number(value);
}

async function runList(options: AdminOptions): Promise<void> {
  await withCluster("group list", options, async (cluster) => {
    const groups = await new GroupAdmin(cluster).listGroups();
    if (options.format === "json") write(JSON.stringify(groups) + "\n");
    else write(renderTable(["GROUP", "STATE", "TYPE", "PROTOCOL-TYPE"], groups.map((entry) => [entry.groupId, entry.state || "-", entry.type || "-", entry.protocolType || "-"])));
  });
}

async function runDescribe(groupId: string, options: AdminOptions): Promise<void> {
  await withCluster("group describe", options, async (cluster) => {
    const admin = new GroupAdmin(cluster);
    const description = await admin.describeGroup(groupId);
    const committed = await admin.fetchOffsets(groupId);
    if (description.state === "Dead" && committed.length === 0) throw new CommandError(`Group "${groupId}" does not exist`);
    const lags = await partitionLags(cluster, description, committed);
    if (options.format === "json") write(JSON.stringify({ ...description, partitions: lags }) + "\n");
    else write(describeTable(description, lags));
  });
}

async function runResetOffsets(groupId: string, options: ResetOptions): Promise<void> {
  await withCluster("group reset-offsets", options, async (cluster) => {
    const target = resetTargetOf(options);
    const admin = new GroupAdmin(cluster);
    const committed = await admin.fetchOffsets(groupId);
    const selection = [...options.topic];
    if (options.allTopics) for (const topic of new Set(committed.map((entry) => entry.topic))) selection.push({ topic, partitions: null });
    if (selection.length === 0) throw new CommandError("Name the topics to reset with --topic, or use --all-topics");
    const description = await admin.describeGroup(groupId);
    // Kafka's rule: offsets of a group with members belong to its members.
    if (!options.dryRun && description.members.length > 0) {
      throw new CommandError(`Group "${groupId}" has ${description.members.length} active member(s) (state ${description.state}): stop its consumers before resetting offsets`);
    }
    const plan = await planReset(cluster, selection, target, committed);
    if (!options.dryRun) await admin.commitOffsets(groupId, plan.map(({ topic, partition, newOffset }) => ({ topic, partition, offset: newOffset })));
    if (options.format === "json") {
      write(JSON.stringify({ group: groupId, dryRun: options.dryRun === true, partitions: plan }) + "\n");
      return;
    }
    const rows = plan.map((entry) => [groupId, entry.topic, String(entry.partition), entry.previousOffset === null ? "-" : String(entry.previousOffset), String(entry.newOffset)]);
    write(renderTable(["GROUP", "TOPIC", "PARTITION", "PREVIOUS-OFFSET", "NEW-OFFSET"], rows));
  });
}

async function runDelete(groupIds: string[], options: AdminOptions): Promise<void> {
  await withCluster("group delete", options, async (cluster) => {
    const admin = new GroupAdmin(cluster);
    for (const groupId of groupIds) await admin.deleteGroup(groupId);
    if (options.format === "json") write(JSON.stringify({ deleted: groupIds }) + "\n");
    else write(groupIds.map((groupId) => `Deleted group "${groupId}"\n`).join(""));
  });
}

export function groupCommand() {
  const list = adminSubcommand("list").description("List every consumer group with its state and type").action(runList);
  const describe = adminSubcommand("describe")
    .description("Show a group's state, members and, per partition, committed offset, log end offset, lag and owner")
    .argument("<group>", "group id")
    .action(runDescribe);
  const resetOffsets = adminSubcommand("reset-offsets")
    .description("Set a group's committed offsets (the group must have no members); --dry-run only shows the plan")
    .argument("<group>", "group id")
    .option("-t, --topic <topic[:partitions]>", "topic to reset, repeatable; topic:0,2 limits it to those partitions", parseTopicPartitions, [] as ResetOptions["topic"])
    .option("--all-topics", "every topic the group has committed offsets for")
    .option("--to-earliest", "the first offset still in the log")
    .option("--to-latest", "the log end offset (skip everything there is)")
    .option("--to-offset <offset>", "this offset, clamped between the earliest and the log end", parseOffset)
    .option("--to-datetime <time>", "the first offset at or after this time (the log end if none): ISO 8601, UTC unless a zone is given, or epoch ms", parseDatetime)
    .option("--dry-run", "print the new offsets without committing them")
    .action(runResetOffsets);
  const remove = adminSubcommand("delete").description("Delete groups that have no members, with their committed offsets").argument("<groups...>", "group ids").action(runDelete);
  return new Command("group")
    .description("Consumer groups: list, describe with lag, reset offsets, delete")
    .addCommand(list)
    .addCommand(describe)
    .addCommand(resetOffsets)
    .addCommand(remove);
}
