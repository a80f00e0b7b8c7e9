// Topics: every topic, and a form to create one (after a confirmation).

import { get, send, type TopicSummary } from "../api.ts";
import { h, replace } from "../dom.ts";
import { confirmAction, type Page } from "../ui.ts";
import { refreshMs, topicsTable } from "./overview.ts";

/** "key=value" lines to a config map; a line without "=" is refused. */
export function parseConfigs(text: string): Record<string, string> {
  const configs: Record<string, string> = {};
  for (const line of text.split("\n").map((entry) => entry.trim())) {
    if (line === "") continue;
    const at = line.indexOf("=");
    if (at <= 0) throw new Error(`Config line "${line}" is not key=value`);
    configs[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return configs;
}

export function topicsPage(page: Page): void {
  const list = h("section");
  const showInternal = h("input", { type: "checkbox", id: "show-internal" });
  const name = h("input", { name: "name", placeholder: "name", required: true, "data-testid": "new-topic-name" });
  const partitions = h("input", { name: "partitions", type: "number", min: 1, placeholder: "partitions (default: broker's)" });
  const configs = h("textarea", { name: "configs", rows: 3, placeholder: "configs, one key=value per line\nsearch.enabled=true" });
  const form = h(
    "form",
    {
      class: "create",
      onsubmit: (event: Event) => {
        event.preventDefault();
        void create();
      },
    },
    name,
    partitions,
    configs,
    h("button", { type: "submit", "data-testid": "create-topic" }, "Create topic"),
  );
  let topics: TopicSummary[] = [];
  const render = () => replace(list, topicsTable(topics.filter((topic) => showInternal.checked || !topic.internal)));
  showInternal.addEventListener("change", render);
  replace(page.root, h("h1", null, "Topics"), h("label", { class: "toggle" }, showInternal, " internal topics"), list, h("h2", null, "Create a topic"), form);

  async function create(): Promise<void> {
    try {
      const request = { name: name.value.trim(), ...(partitions.value === "" ? {} : { partitions: Number(partitions.value) }), configs: parseConfigs(configs.value) };
      const what = `${request.partitions ?? "the default number of"} partition(s)`;
      if (!(await confirmAction(`Create topic "${request.name}" with ${what}?`, "Create"))) return;
      await send("POST", "/api/topics", request, page.signal);
      form.reset();
      page.error(null);
      topics = await get<TopicSummary[]>("/api/topics", page.signal);
      render();
    } catch (problem) {
      page.error(problem);
    }
  }

  page.every(refreshMs, async () => {
    topics = await get<TopicSummary[]>("/api/topics", page.signal);
    render();
  });
}
