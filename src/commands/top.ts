// `chronik top`: the console's overview in a terminal. Every --interval it reads the broker's
// HTTP API (/api/overview, /api/topics, /api/groups) and shows the broker, its produce, fetch
// and request rates, the busiest topics and the groups with the most lag. On a terminal it
// redraws in place; piped, or with --iterations, it prints one frame after another.

import { Command, Option } from "@commander-js/extra-typings";
import type { Overview } from "../engine/admin/broker-admin.ts";
import type { GroupSummary } from "../engine/admin/groups-admin.ts";
import type { TopicSummary } from "../engine/admin/topics-admin.ts";
import type { BrokerTotals } from "../engine/broker-metrics.ts";
import { renderTable } from "./admin-command.ts";
import { runClientCommand } from "./client-command.ts";
import { defaultHttpUrl, requestJson } from "./http-api.ts";
import { formatDuration, parsePositiveDurationMs, parsePositiveInteger } from "./options.ts";

/** Rows of topics and of groups shown; the rest are counted on one line. */
const rowsMax = 20;

export interface Sample {
  /** performance.now() when it was taken. */
  atMs: number;
  overview: Overview;
  topics: TopicSummary[];
  groups: GroupSummary[];
}

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

function bytes(value: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? integer.format(value) : value.toFixed(1)} ${units[unit]}`;
}

function uptime(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return `${Math.floor(ms / 1000)}s`;
  if (minutes < 60) return `${minutes}m`;
  if (minutes < 24 * 60) return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
  return `${Math.floor(minutes / 1440)}d ${Math.floor((minutes % 1440) / 60)}h`;
}

/** One frame: rates come from the sample before (none for the first frame). */
export function renderFrame(sample: Sample, previous: Sample | null, source: string): string {
  const { overview } = sample;
  const seconds = previous === null ? 0 : (sample.atMs - previous.atMs) / 1000;
  // A deleted topic takes its counts with it: a drop is no negative rate.
  const perSecond = (now: number, before: number | undefined) => (previous === null || before === undefined || seconds <= 0 ? null : Math.max(0, (now - before) / seconds));
  const show = (value: number | null, unit: (value: number) => string) => (value === null ? "-" : unit(value));
  const lines = [
    `chronik  cluster ${overview.clusterId}  node ${overview.nodeId}  kafka ${overview.kafka.host}:${overview.kafka.port}  up ${uptime(overview.uptimeMs)}  (${source})`,
    `${integer.format(overview.topics)} topics, ${integer.format(overview.partitions)} partitions, ${integer.format(overview.groups)} groups, ${bytes(overview.sizeBytes)} stored`,
    "",
  ];
  const totals = overview.totals;
  if (totals === null) {
    lines.push("rates: the broker runs with --no-metrics");
  } else {
    const before = previous?.overview.totals ?? undefined;
    const rate = (key: keyof BrokerTotals, unit: (value: number) => string) => show(perSecond(totals[key], before?.[key]), unit);
    const records = (value: number) => `${integer.format(value)} records/s`;
    const bytesPerSecond = (value: number) => `${bytes(value)}/s`;
    lines.push(
      `produced ${rate("producedRecords", records)}  ${rate("producedBytes", bytesPerSecond)}    fetched ${rate("fetchedRecords", records)}  ${rate("fetchedBytes", bytesPerSecond)}    requests ${rate("requests", (value) => `${integer.format(value)}/s`)}`,
    );
  }
  const offsetsBefore = new Map(previous?.topics.map((topic) => [topic.name, topic.offsets]));
  const topics = sample.topics
    .filter((topic) => !topic.internal)
    .map((topic) => ({ topic, rate: perSecond(topic.offsets, offsetsBefore.get(topic.name)) }))
    .sort((a, b) => (b.rate ?? 0) - (a.rate ?? 0) || b.topic.offsets - a.topic.offsets || (a.topic.name < b.topic.name ? -1 : 1));
  lines.push("", renderTable(["TOPIC", "PARTITIONS", "RECORDS", "RECORDS/S", "SIZE"], topics.slice(0, rowsMax).map(({ topic, rate }) => [topic.name, String(topic.partitions), integer.format(topic.offsets), show(rate, (value) => integer.format(value)), bytes(topic.sizeBytes)])).trimEnd());
  if (topics.length > rowsMax) lines.push(`… ${topics.length - rowsMax} more topics`);
  const groups = [...sample.groups].sort((a, b) => b.lag - a.lag || (a.groupId < b.groupId ? -1 : 1));
  lines.push("", renderTable(["GROUP", "STATE", "MEMBERS", "LAG"], groups.slice(0, rowsMax).map((group) => [group.groupId, group.state, String(group.members), integer.format(group.lag)])).trimEnd());
  if (groups.length > rowsMax) lines.push(`… ${groups.length - rowsMax} more groups`);
  return lines.join("\n") + "\n";
}

async function takeSample(base: string): Promise<Sample> {
  const [overview, topics, groups] = await Promise.all([
    requestJson<Overview>(`${base}/api/overview`, "Reading the overview"),
    requestJson<TopicSummary[]>(`${base}/api/topics`, "Reading the topics"),
    requestJson<GroupSummary[]>(`${base}/api/groups`, "Reading the groups"),
  ]);
  return { atMs: performance.now(), overview, topics, groups };
}

/** Clears a terminal and puts the cursor top left. */
const clearScreen = "\x1b[H\x1b[2J";

export function topCommand() {
  return new Command("top")
    .description("Watch a broker: rates, the busiest topics and the groups with the most lag, refreshed every --interval (reads the HTTP API)")
    .addOption(new Option("--url <url>", "the broker's HTTP API").default(defaultHttpUrl(), "$CHRONIK_URL or http://localhost:6092"))
    .addOption(new Option("--interval <duration>", "time between refreshes").argParser(parsePositiveDurationMs).default(2000, "2s"))
    .option("-n, --iterations <n>", "stop after this many frames, printed one after another (default: until Ctrl-C)", parsePositiveInteger)
    .addHelpText("after", "\nExamples:\n  chronik top\n  chronik top --url http://broker-1:6092 --interval 5s\n  chronik top -n 2 --interval 1s > snapshot.txt\n")
    .action(async (options) => {
      await runClientCommand("top", async () => {
        const base = options.url.replace(/\/+$/, "");
        const redraw = process.stdout.isTTY === true && options.iterations === undefined;
        const source = `${base}, every ${formatDuration(options.interval)}`;
        let previous: Sample | null = null;
        for (let frame = 1; options.iterations === undefined || frame <= options.iterations; frame++) {
          if (previous !== null) await Bun.sleep(options.interval);
          const sample = await takeSample(base);
          const text = renderFrame(sample, previous, source);
          process.stdout.write(redraw ? clearScreen + text : (frame > 1 ? "\n" : "") + text);
          previous = sample;
        }
      });
    });
}
