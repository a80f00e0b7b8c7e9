// Search: a query (Lucene syntax, as `?q=` and `chronik search` take it) over one or every
// searchable topic; hits with highlights, facet counts from a terms aggregation, and a histogram
// of matches over time.

import { encode, get, send, type TopicSummary } from "../api.ts";
import { bars } from "../charts.ts";
import { type Child, h, replace, table } from "../dom.ts";
import { count, time } from "../format.ts";
import type { Page } from "../ui.ts";

/** Highlight tags no text contains, so highlights are built as elements, never parsed as HTML. */
const preTag = "\u0001";
const postTag = "\u0002";
/** Bars the histogram aims for. */
const histogramBars = 60;
const intervals = [
  ["10ms", 10],
  ["100ms", 100],
  ["1s", 1000],
  ["10s", 10_000],
  ["1m", 60_000],
  ["10m", 600_000],
  ["1h", 3_600_000],
  ["1d", 86_400_000],
  ["7d", 604_800_000],
] as const;

interface SearchAnswer {
  took: number;
  hits: { total: { value: number }; hits: Array<{ _index: string; _id: string; partition: number; offset: number; timestamp: number; key: string | null; _source: unknown; highlight?: Record<string, string[]> }> };
  aggregations?: Record<string, { buckets?: Array<{ key: string | number; key_as_string?: string; doc_count: number }>; value?: number | null }>;
}

/** The interval of about `histogramBars` bars between `min` and `max`. */
function intervalFor(min: number, max: number): (typeof intervals)[number] {
  const wanted = Math.max(1, max - min) / histogramBars;
  return intervals.find(([, ms]) => ms >= wanted) ?? intervals[intervals.length - 1];
}

function highlighted(snippet: string): Child[] {
  const parts: Child[] = [];
  for (const [i, piece] of snippet.split(preTag).entries()) {
    if (i === 0) {
      parts.push(piece);
      continue;
    }
    const end = piece.indexOf(postTag);
    parts.push(h("mark", null, end < 0 ? piece : piece.slice(0, end)), end < 0 ? "" : piece.slice(end + 1));
  }
  return parts;
}

function hitView(hit: SearchAnswer["hits"]["hits"][number]): HTMLElement {
  const snippets = Object.entries(hit.highlight ?? {});
  return h(
    "article",
    { class: "message", "data-testid": "hit" },
    h("header", null, h("span", { class: "coordinates" }, `${hit._index} · partition ${hit.partition} · offset ${hit.offset}`), h("span", { class: "muted" }, time(hit.timestamp))),
    hit.key === null ? null : h("div", { class: "field" }, h("span", { class: "name" }, "key"), h("code", null, hit.key)),
    snippets.length > 0
      ? snippets.map(([field, fragments]) => h("div", { class: "field" }, h("span", { class: "name" }, field), h("p", { class: "snippet" }, fragments.map((fragment, i) => [i > 0 ? " … " : null, highlighted(fragment)]))))
      : h("pre", { class: "json" }, typeof hit._source === "string" ? hit._source : JSON.stringify(hit._source, null, 2)),
  );
}

export function searchPage(page: Page, initial: URLSearchParams): void {
  const topic = h("select", { name: "topic", "data-testid": "search-topic" }, h("option", { value: "" }, "all searchable topics"));
  const query = h("input", { name: "q", class: "query", placeholder: 'level:error AND "disk full"', value: initial.get("q") ?? "*", "data-testid": "search-query" });
  const facet = h("input", { name: "facet", placeholder: "facet field, e.g. level", value: initial.get("facet") ?? "", "data-testid": "search-facet" });
  const summary = h("p", { "data-testid": "search-summary" });
  const facets = h("section", { "data-testid": "facets" });
  const histogram = h("section", { class: "histogram" });
  const hits = h("section", { "data-testid": "hits" });

  const run = async () => {
    const path = topic.value === "" ? "/_search" : `/${encode(topic.value)}/_search`;
    const aggs: Record<string, unknown> = { first: { min: { field: "_timestamp" } }, last: { max: { field: "_timestamp" } } };
    if (facet.value.trim() !== "") aggs.facet = { terms: { field: facet.value.trim(), size: 20 } };
    const body = { query: { query_string: { query: query.value.trim() || "*" } }, size: 20, sort: [{ _timestamp: "desc" }, { _partition: "asc" }, { _offset: "desc" }], highlight: { fields: { _value: {} }, pre_tags: [preTag], post_tags: [postTag] }, aggs };
    const answer = await send<SearchAnswer>("POST", path, body, page.signal);
    page.error(null);
    replace(summary, `${count(answer.hits.total.value)} hits in ${answer.took} ms`);
    const facetBuckets = answer.aggregations?.facet?.buckets;
    replace(
      facets,
      facetBuckets === undefined
        ? null
        : [h("h2", null, `Facet: ${facet.value.trim()}`), table(["Value", "Count"], facetBuckets.map((bucket) => [String(bucket.key_as_string ?? bucket.key), h("span", { "data-testid": `facet-${String(bucket.key)}` }, count(bucket.doc_count))]))],
    );
    const first = answer.aggregations?.first?.value;
    const last = answer.aggregations?.last?.value;
    replace(histogram);
    if (typeof first === "number" && typeof last === "number") {
      const [label, intervalMs] = intervalFor(first, last);
      const over = await send<SearchAnswer>("POST", path, { query: body.query, size: 0, aggs: { over_time: { date_histogram: { field: "_timestamp", fixed_interval: label } } } }, page.signal);
      const buckets = (over.aggregations?.over_time?.buckets ?? []).map((bucket) => ({ label: time(Number(bucket.key)), value: bucket.doc_count }));
      replace(histogram, h("h2", null, `Over time (${label} per bar, ${time(first)} to ${time(last + intervalMs)})`), bars(buckets));
    }
    replace(hits, h("h2", null, "Hits"), answer.hits.hits.length === 0 ? h("p", { class: "muted" }, "No hits.") : answer.hits.hits.map(hitView));
  };

  replace(
    page.root,
    h("h1", null, "Search"),
    h(
      "form",
      {
        class: "controls",
        onsubmit: (event: Event) => {
          event.preventDefault();
          run().catch(page.error);
        },
      },
      topic,
      query,
      facet,
      h("button", { type: "submit", "data-testid": "search-run" }, "Search"),
    ),
    summary,
    facets,
    histogram,
    hits,
  );

  void get<TopicSummary[]>("/api/topics", page.signal)
    .then((topics) => {
      for (const entry of topics.filter((candidate) => candidate.searchEnabled)) topic.append(h("option", { value: entry.name }, entry.name));
      if (initial.has("topic")) topic.value = initial.get("topic") ?? "";
    })
    .catch(page.error);
}
