// `chronik search`: run a Lucene query string against a server's search API (POST /_search)
// and print the hits: a table for people, or one JSON object per hit (-f json) for tools.
// Hits go to stdout; the total goes to stderr, so piping the output gives only records.
// With -n 0 the total alone goes to stdout, for scripts that count.

import { Command, InvalidArgumentError, Option } from "@commander-js/extra-typings";
import { choice, parseNonNegativeInteger } from "./options.ts";
import { collect, runClientCommand } from "./client-command.ts";
import { defaultHttpUrl, requestJson } from "./http-api.ts";

const sortModes = ["score", "time"] as const;
const formats = ["table", "json"] as const;
/** Columns of the value shown in table output; longer values are cut with "…". */
const tableValueChars = 100;

/** "15m" means 15 minutes ago; anything else (ISO 8601, epoch ms, now-1h) goes to the server as is. */
export function parseTimeBound(value: string): string {
  const trimmed = value.trim();
  if (/^\d+(ms|s|m|h|d|w)$/.test(trimmed)) return `now-${trimmed}`;
  if (/^(now([+-]\d+(ms|s|m|h|d|w))?|\d+|\d{4}-\d{2}-\d{2}.*)$/.test(trimmed)) return trimmed;
  throw new InvalidArgumentError(`"${value}" is not a time (e.g. 15m, 2h, now-1d, 2024-05-01T10:00:00Z, epoch ms)`);
}

export interface SearchCommandOptions {
  topics: string[];
  since?: string;
  until?: string;
  limit: number;
  sort: (typeof sortModes)[number];
}

/** The Elasticsearch request body the command sends. */
export function searchBody(query: string, options: SearchCommandOptions): Record<string, unknown> {
  const range: Record<string, string> = {};
  if (options.since !== undefined) range.gte = options.since;
  if (options.until !== undefined) range.lt = options.until;
  const filter = Object.keys(range).length > 0 ? [{ range: { _timestamp: range } }] : [];
  return {
    query: { bool: { must: [{ query_string: { query } }], filter } },
    size: options.limit,
    sort: options.sort === "time" ? [{ _timestamp: "desc" }, { _offset: "desc" }] : ["_score"],
  };
}

interface HitJson {
  _index: string;
  _score: number | null;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  _source?: unknown;
}

/** One table line: topic/partition@offset, time, score, key, value. */
export function tableLine(hit: HitJson): string {
  const source = typeof hit._source === "string" ? hit._source : JSON.stringify(hit._source ?? null);
  const value = source.length > tableValueChars ? `${source.slice(0, tableValueChars - 1)}…` : source;
  const score = hit._score === null ? "-" : hit._score.toFixed(3);
  return [`${hit._index}/${hit.partition}@${hit.offset}`, new Date(hit.timestamp).toISOString(), score, hit.key ?? "", value.replace(/\s+/g, " ")].join("\t");
}

export function searchCommand() {
  return new Command("search")
    .description("Search records with a Lucene query string, through a server's HTTP API")
    .argument("<query>", 'Lucene query: terms, "phrases", field:value, field:[a TO b], field:>=n, AND OR NOT + -, ( ), prefix*')
    .addOption(new Option("-t, --topic <topic>", "topic to search, repeatable").argParser(collect).default([] as string[], "every searchable topic"))
    .option("--since <time>", "only records at or after this time: 15m, 2h, 7d (ago), now-1h, ISO 8601 or epoch ms", parseTimeBound)
    .option("--until <time>", "only records before this time (same forms as --since)", parseTimeBound)
    .option("-n, --limit <n>", "hits to print; 0 prints the number of hits alone", parseNonNegativeInteger, 10)
    .option("--sort <order>", "score: best match first; time: newest first", choice(sortModes), "score" as (typeof sortModes)[number])
    .option("-f, --format <format>", "table: topic/partition@offset, time, score, key, value; json: one hit per line", choice(formats), "table" as (typeof formats)[number])
    .addOption(new Option("--url <url>", "the server's HTTP API").default(defaultHttpUrl(), "$CHRONIK_URL or http://localhost:6092"))
    .addHelpText("after", `\nExamples:\n  chronik search 'level:error AND "disk full"' -t app-logs --since 1h\n  chronik search 'http.status:>=500' --sort time -n 50 -f json\n`)
    .action(async (query, options) => {
      await runClientCommand("search", async () => {
        const path = options.topic.length === 0 ? "/_search" : `/${options.topic.map(encodeURIComponent).join(",")}/_search`;
        const body = searchBody(query, { topics: options.topic, since: options.since, until: options.until, limit: options.limit, sort: options.sort });
        const result = await postSearch(options.url.replace(/\/+$/, "") + path, body);
        if (options.limit === 0) {
          process.stdout.write(`${result.hits.total.value}\n`);
          return;
        }
        const hits = result.hits.hits;
        const lines = hits.map((hit) => (options.format === "json" ? JSON.stringify(hit) : tableLine(hit)));
        if (lines.length > 0) process.stdout.write(`${lines.join("\n")}\n`);
        process.stderr.write(`${hits.length} of ${result.hits.total.value} hits in ${result.took} ms\n`);
      });
    });
}

interface SearchResult {
  took: number;
  hits: { total: { value: number }; hits: HitJson[] };
}

function postSearch(url: string, body: unknown): Promise<SearchResult> {
  return requestJson<SearchResult>(url, "Search", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}
