// One topic: its partitions and configs, its messages (by partition and offset or time, or the
// newest) with a live tail, and deleting it (after a confirmation).

import { encode, get, send, type ShownBytes, type ShownRecord, type TopicDetail } from "../api.ts";
import { h, replace, table } from "../dom.ts";
import { bytes, count, time } from "../format.ts";
import { confirmAction, facts, type Page } from "../ui.ts";

/** Messages the tail keeps on screen; older ones are dropped. */
const tailShownMax = 200;

function bytesView(shown: ShownBytes | null, testId?: string): HTMLElement {
  const props = testId === undefined ? {} : { "data-testid": testId };
  if (shown === null) return h("span", { ...props, class: "muted" }, "null");
  const cut = shown.truncated ? h("div", { class: "muted" }, `first ${count(64 * 1024)} of ${count(shown.size)} bytes`) : null;
  if (shown.base64 !== undefined) return h("div", props, h("span", { class: "badge" }, `binary, ${count(shown.size)} bytes, base64`), h("pre", { class: "binary" }, shown.base64), cut);
  if (shown.json !== undefined) return h("div", props, h("pre", { class: "json" }, JSON.stringify(shown.json, null, 2)), cut);
  return h("div", props, h("pre", null, shown.text ?? ""), cut);
}

export function messageView(record: ShownRecord): HTMLElement {
  return h(
    "article",
    { class: "message", "data-testid": "message", "data-offset": record.offset, "data-partition": record.partition },
    h("header", null, h("span", { class: "coordinates" }, `partition ${record.partition} · offset ${record.offset}`), h("span", { class: "muted" }, `${time(record.timestamp)} (${record.timestampType})`)),
    record.key === null ? null : h("div", { class: "field" }, h("span", { class: "name" }, "key"), bytesView(record.key)),
    record.headers.length === 0 ? null : h("div", { class: "field" }, h("span", { class: "name" }, "headers"), h("ul", { class: "headers" }, record.headers.map((header) => h("li", null, h("code", null, header.key), bytesView(header.value))))),
    h("div", { class: "field" }, h("span", { class: "name" }, "value"), bytesView(record.value, "message-value")),
  );
}

export function topicPage(page: Page, name: string): void {
  const base = `/api/topics/${encode(name)}`;
  const summary = h("section");
  const partitionsView = h("section");
  const configsView = h("details", null, h("summary", null, "Configs"));
  const partition = h("select", { name: "partition", "data-testid": "partition" }, h("option", { value: "all" }, "all partitions"));
  const mode = h("select", { name: "from" }, h("option", { value: "newest" }, "newest"), h("option", { value: "offset" }, "from offset"), h("option", { value: "timestamp" }, "from time"));
  const position = h("input", { name: "position", placeholder: "offset, or time (ISO 8601 or epoch ms)" });
  const limit = h("input", { name: "limit", type: "number", min: 1, max: 500, value: 20, title: "messages to load" });
  const messages = h("div", { class: "messages", "data-testid": "messages" });
  const tailToggle = h("input", { type: "checkbox", "data-testid": "live-tail" });
  const tailState = h("span", { class: "muted", "data-testid": "tail-state" }, "");
  let tail: EventSource | null = null;

  const load = async () => {
    const params = new URLSearchParams({ partition: partition.value, limit: limit.value || "20" });
    if (mode.value !== "newest") params.set(mode.value, position.value.trim());
    const records = await get<ShownRecord[]>(`${base}/messages?${params}`, page.signal);
    page.error(null);
    // The newest first, as the live tail adds them; from an offset or a time, in order.
    if (mode.value === "newest") records.reverse();
    replace(messages, records.length === 0 ? h("p", { class: "muted" }, "No messages there.") : records.map(messageView));
  };

  const stopTail = () => {
    tail?.close();
    tail = null;
    replace(tailState, "");
  };
  const startTail = () => {
    stopTail();
    tail = new EventSource(`${base}/tail?partition=${encode(partition.value)}`);
    replace(tailState, "following…");
    tail.addEventListener("open", () => replace(tailState, "following new messages"));
    tail.addEventListener("records", (event) => {
      const records = JSON.parse((event as MessageEvent<string>).data) as ShownRecord[];
      for (const record of records) messages.prepend(messageView(record));
      while (messages.children.length > tailShownMax) messages.lastElementChild?.remove();
    });
    tail.addEventListener("error", () => replace(tailState, "reconnecting…"));
  };
  tailToggle.addEventListener("change", () => (tailToggle.checked ? startTail() : stopTail()));
  partition.addEventListener("change", () => {
    if (tailToggle.checked) startTail();
  });
  page.signal.addEventListener("abort", stopTail, { once: true });

  const remove = async () => {
    if (!(await confirmAction(`Delete topic "${name}" and all its records? This cannot be undone.`, "Delete"))) return;
    try {
      await send("DELETE", base, undefined, page.signal);
      location.hash = "#/topics";
    } catch (problem) {
      page.error(problem);
    }
  };

  replace(
    page.root,
    h("h1", null, "Topic ", h("span", { "data-testid": "topic-name" }, name)),
    summary,
    h("h2", null, "Partitions"),
    partitionsView,
    configsView,
    h("h2", null, "Messages"),
    h(
      "form",
      {
        class: "controls",
        onsubmit: (event: Event) => {
          event.preventDefault();
          load().catch(page.error);
        },
      },
      partition,
      mode,
      position,
      limit,
      h("button", { type: "submit", "data-testid": "load-messages" }, "Load"),
      h("label", { class: "toggle" }, tailToggle, " live tail"),
      tailState,
    ),
    messages,
    h("h2", null, "Danger zone"),
    h("button", { type: "button", class: "danger", "data-testid": "delete-topic", onclick: () => void remove() }, "Delete topic"),
  );

  let first = true;
  page.every(5000, async () => {
    const detail = await get<TopicDetail>(base, page.signal);
    replace(summary, facts([["Partitions", count(detail.partitions)], ["Records", count(detail.offsets)], ["Size", bytes(detail.sizeBytes)], ["Search", detail.searchEnabled ? "on" : "off"], ["Topic id", detail.topicId]]));
    replace(
      partitionsView,
      table(
        ["Partition", "Log start", "High watermark", "Last stable", "Log end", "Size", "Segments"],
        detail.partitionDetails.map((entry) => [entry.partition, count(entry.logStartOffset), count(entry.highWatermark), count(entry.lastStableOffset), count(entry.logEndOffset), bytes(entry.sizeBytes), entry.segments]),
      ),
    );
    if (first) {
      first = false;
      for (const entry of detail.partitionDetails) partition.append(h("option", { value: entry.partition }, `partition ${entry.partition}`));
      configsView.append(table(["Config", "Value", "Source"], detail.configs.map((config) => [config.name, config.value, config.source])));
      await load();
    }
  });
}
