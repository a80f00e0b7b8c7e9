// The console: a single page served by the broker at /, reading the HTTP API. Pages are chosen
// by the URL's hash (#/topics/orders), so links can be shared and the back button works.

import { h, replace } from "./dom.ts";
import { groupPage } from "./pages/group.ts";
import { groupsPage } from "./pages/groups.ts";
import { overviewPage } from "./pages/overview.ts";
import { searchPage } from "./pages/search.ts";
import { topicPage } from "./pages/topic.ts";
import { topicsPage } from "./pages/topics.ts";
import { createPage, type Page } from "./ui.ts";

const sections = [
  ["#/", "Overview"],
  ["#/topics", "Topics"],
  ["#/search", "Search"],
  ["#/groups", "Groups"],
] as const;

const nav = h("nav", null, h("a", { href: "#/", class: "brand" }, "chronik"), sections.map(([href, label]) => h("a", { href, "data-section": href }, label)));
const banner = h("div", { class: "banner", role: "alert", "data-testid": "error", hidden: true });
const main = h("main");
document.body.append(h("header", null, nav), banner, main);

/** The page for a hash: its renderer and the nav section it belongs to. */
function route(hash: string): { section: string; render: (page: Page) => void } {
  const [path, query = ""] = hash.replace(/^#/, "").split("?");
  const parts = path.split("/").filter((part) => part !== "").map(decodeURIComponent);
  switch (parts[0]) {
    case "topics":
      return parts.length > 1 ? { section: "#/topics", render: (page) => topicPage(page, parts[1]) } : { section: "#/topics", render: topicsPage };
    case "search":
      return { section: "#/search", render: (page) => searchPage(page, new URLSearchParams(query)) };
    case "groups":
      return parts.length > 1 ? { section: "#/groups", render: (page) => groupPage(page, parts[1]) } : { section: "#/groups", render: groupsPage };
    default:
      return { section: "#/", render: overviewPage };
  }
}

let leave: (() => void) | null = null;

function show(): void {
  leave?.();
  const { section, render } = route(location.hash);
  for (const link of nav.querySelectorAll<HTMLAnchorElement>("a[data-section]")) link.classList.toggle("active", link.dataset.section === section);
  replace(main);
  const created = createPage(main, banner);
  created.page.error(null);
  leave = created.leave;
  render(created.page);
}

window.addEventListener("hashchange", show);
show();
