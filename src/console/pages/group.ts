// One consumer group: members and their assignments, committed offsets with lag per partition,
// resetting offsets and deleting the group (each after a confirmation; both need no members).

import { encode, get, type GroupDetail, send } from "../api.ts";
import { h, replace, table } from "../dom.ts";
import { count } from "../format.ts";
import { confirmAction, facts, link, type Page } from "../ui.ts";
import { refreshMs } from "./overview.ts";

export function groupPage(page: Page, groupId: string): void {
  const base = `/api/groups/${encode(groupId)}`;
  const summary = h("section");
  const members = h("section");
  const offsets = h("section");
  const topic = h("select", { name: "topic", "data-testid": "reset-topic" });
  const target = h("select", { name: "to", "data-testid": "reset-to" }, h("option", { value: "earliest" }, "earliest"), h("option", { value: "latest" }, "latest"), h("option", { value: "offset" }, "offset"), h("option", { value: "timestamp" }, "time"));
  const value = h("input", { name: "value", placeholder: "offset, or time (ISO 8601 or epoch ms)", "data-testid": "reset-value" });

  const reset = async () => {
    const to = target.value === "offset" ? { offset: Number(value.value) } : target.value === "timestamp" ? { timestamp: value.value.trim() } : target.value;
    const described = typeof to === "string" ? to : target.value === "offset" ? `offset ${value.value}` : `time ${value.value}`;
    if (!(await confirmAction(`Reset the offsets of group "${groupId}" on every partition of "${topic.value}" to ${described}?`, "Reset offsets"))) return;
    try {
      await send("POST", `${base}/reset-offsets`, { topic: topic.value, to }, page.signal);
      page.error(null);
      await refresh();
    } catch (problem) {
      page.error(problem);
    }
  };
  const remove = async () => {
    if (!(await confirmAction(`Delete group "${groupId}" and its committed offsets?`, "Delete"))) return;
    try {
      await send("DELETE", base, undefined, page.signal);
      location.hash = "#/groups";
    } catch (problem) {
      page.error(problem);
    }
  };

  replace(
    page.root,
    h("h1", null, "Group ", h("span", { "data-testid": "group-name" }, groupId)),
    summary,
    h("h2", null, "Members"),
    members,
    h("h2", null, "Offsets and lag"),
    offsets,
    h("h2", null, "Reset offsets"),
    h("p", { class: "muted" }, "The group must have no members: stop its consumers first."),
    h(
      "form",
      {
        class: "controls",
        onsubmit: (event: Event) => {
          event.preventDefault();
          void reset();
        },
      },
      topic,
      target,
      value,
      h("button", { type: "submit", "data-testid": "reset-offsets" }, "Reset offsets"),
    ),
    h("h2", null, "Danger zone"),
    h("button", { type: "button", class: "danger", onclick: () => void remove() }, "Delete group"),
  );

  async function refresh(): Promise<void> {
    const group = await get<GroupDetail>(base, page.signal);
    page.error(null);
    replace(summary, facts([["Type", group.type], ["State", group.state], ["Protocol", group.protocol || "-"], ["Members", count(group.members)], ["Lag", h("span", { "data-testid": "group-lag" }, count(group.lag))]]));
    replace(
      members,
      table(
        ["Member", "Client", "Host", "Assignment"],
        group.memberDetails.map((member) => [member.memberId, member.clientId, member.clientHost, member.assignment.map((entry) => `${entry.topic}: ${entry.partitions.join(", ")}`).join("; ")]),
      ),
    );
    replace(
      offsets,
      table(
        ["Topic", "Partition", "Committed", "High watermark", "Lag", "Owner"],
        group.offsets.map((row) => [link(`#/topics/${encode(row.topic)}`, row.topic), row.partition, count(row.committedOffset), count(row.highWatermark), h("span", { "data-testid": `lag-${row.topic}-${row.partition}` }, count(row.lag)), row.memberId ?? "-"]),
        { "data-testid": "group-offsets" },
      ),
    );
    const topics = [...new Set([...group.topics, ...group.memberDetails.flatMap((member) => member.assignment.map((entry) => entry.topic))])];
    if (topics.join("\n") !== [...topic.options].map((option) => option.value).join("\n")) replace(topic, topics.map((name) => h("option", { value: name }, name)));
  }

  page.every(refreshMs, refresh);
}
