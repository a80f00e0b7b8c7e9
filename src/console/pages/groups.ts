// Consumer groups: every group with its state, members and lag.

import { get, type GroupSummary } from "../api.ts";
import { h, replace } from "../dom.ts";
import type { Page } from "../ui.ts";
import { groupsTable, refreshMs } from "./overview.ts";

export function groupsPage(page: Page): void {
  const list = h("section");
  replace(page.root, h("h1", null, "Consumer groups"), list);
  page.every(refreshMs, async () => {
    replace(list, groupsTable(await get<GroupSummary[]>("/api/groups", page.signal)));
    page.error(null);
  });
}
