// Overview: the broker, rates of the last minutes with small charts, topics and groups with lag.

import { encode, get, type GroupSummary, type Overview, type TopicSummary, type Totals } from "../api.ts";
import { sparkline } from "../charts.ts";
import { h, replace, table } from "../dom.ts";
import { bytes, count, duration, rate } from "../format.ts";
import { facts, link, type Page } from "../ui.ts";

export const refreshMs = 2000;
/** Samples kept per chart: two minutes at the refresh interval. */
const samplesMax = 60;

const rates: Array<{ key: keyof Totals; label: string; unit: (value: number) => string }> = [
  { key: "producedRecords", label: "Produced records/s", unit: rate },
  { key: "producedBytes", label: "Produced bytes/s", unit: bytes },
  { key: "fetchedRecords", label: "Fetched records/s", unit: rate },
  { key: "fetchedBytes", label: "Fetched bytes/s", unit: bytes },
  { key: "requests", label: "Requests/s", unit: rate },
];

export function topicsTable(topics: TopicSummary[]): HTMLTableElement {
  return table(
    ["Topic", "Partitions", "Records", "Size", "Search"],
    topics.map((topic) => [link(`#/topics/${encode(topic.name)}`, topic.name), count(topic.partitions), count(topic.offsets), bytes(topic.sizeBytes), topic.searchEnabled ? "on" : ""]),
    { "data-testid": "topics-table" },
  );
}

export function groupsTable(groups: GroupSummary[]): HTMLTableElement {
  return table(
    ["Group", "Type", "State", "Members", "Topics", "Lag"],
    groups.map((group) => [link(`#/groups/${encode(group.groupId)}`, group.groupId), group.type, group.state, count(group.members), group.topics.join(", "), h("span", { "data-testid": `group-lag-${group.groupId}` }, count(group.lag))]),
    { "data-testid": "groups-table" },
  );
}

export function overviewPage(page: Page): void {
  const broker = h("section", { class: "card" });
  const charts = h("section", { class: "charts" });
  const topics = h("section");
  const groups = h("section");
  replace(page.root, h("h1", null, "Overview"), broker, h("h2", null, "Rates"), charts, h("h2", null, "Topics"), topics, h("h2", null, "Consumer groups"), groups);
  const history: number[][] = rates.map(() => []);
  let previous: { at: number; totals: Totals } | null = null;
  page.every(refreshMs, async () => {
    const [overview, topicList, groupList] = await Promise.all([
      get<Overview>("/api/overview", page.signal),
      get<TopicSummary[]>("/api/topics", page.signal),
      get<GroupSummary[]>("/api/groups", page.signal),
    ]);
    page.error(null);
    replace(
      broker,
      facts([
        ["Cluster", overview.clusterId],
        ["Node", overview.nodeId],
        ["Kafka", `${overview.kafka.host}:${overview.kafka.port}`],
        ["Uptime", duration(overview.uptimeMs)],
        ["Topics", count(overview.topics)],
        ["Partitions", count(overview.partitions)],
        ["Groups", count(overview.groups)],
        ["Stored", bytes(overview.sizeBytes)],
      ]),
    );
    const now = performance.now();
    if (overview.totals === null) {
      replace(charts, h("p", { class: "muted" }, "No rates: the broker runs with --no-metrics, or this user may not DESCRIBE the cluster."));
    } else {
      if (previous !== null) {
        const seconds = (now - previous.at) / 1000;
        rates.forEach((entry, i) => {
          // A deleted topic takes its counts with it: a drop is no negative rate.
          history[i].push(Math.max(0, (overview.totals![entry.key] - previous!.totals[entry.key]) / seconds));
          if (history[i].length > samplesMax) history[i].shift();
        });
      }
      previous = { at: now, totals: overview.totals };
      replace(
        charts,
        rates.map((entry, i) => {
          const latest = history[i].at(-1) ?? 0;
          return h("div", { class: "chart" }, h("div", { class: "label" }, entry.label), h("div", { class: "value" }, entry.unit(latest)), sparkline(history[i]));
        }),
      );
    }
    replace(topics, topicsTable(topicList.filter((topic) => !topic.internal)));
    replace(groups, groupsTable(groupList));
  });
}
