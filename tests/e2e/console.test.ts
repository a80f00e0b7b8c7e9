// The console in a real browser: Debian's Chromium, headless, driven over the DevTools protocol by
// playwright-core. Each page is loaded from the broker itself; data comes from kcat. Screenshots of
// every page go to test-output/console/ (not committed) for a person to look at.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { type Broker, chronikCommand, eventually, kcat, loopbackHost, repoRoot, runOk, startBroker } from "./harness.ts";

setDefaultTimeout(120_000);

const chromiumPath = "/usr/bin/chromium";
const screenshots = join(repoRoot, "test-output", "console");

let broker: Broker;
let browser: Browser;
let page: Page;
let base = "";
/** Console errors and uncaught exceptions of every page, checked at the end. */
const problems: string[] = [];

async function produce(topic: string, lines: string[] | Uint8Array, extra: string[] = []): Promise<void> {
  await runOk(kcat(broker, ["-P", "-t", topic, ...extra]), { stdin: Array.isArray(lines) ? lines.join("\n") + "\n" : lines, timeoutMs: 60_000 });
}

async function api<T>(path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base}${path}`, body === undefined ? {} : { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
  return (await response.json()) as T;
}

async function screenshot(name: string): Promise<void> {
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}

async function open(hash: string): Promise<void> {
  await page.goto(`${base}/${hash}`);
}

const logLine = (i: number) => JSON.stringify({ level: i % 5 === 0 ? "error" : i % 2 === 0 ? "warn" : "info", message: `request ${i} served in ${i % 97} ms`, service: `svc-${i % 3}` });

beforeAll(async () => {
  await mkdir(screenshots, { recursive: true });
  broker = await startBroker({ args: ["--search-all-topics"] });
  base = `http://${loopbackHost}:${broker.httpPort}`;
  browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"] });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") problems.push(`${message.type()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
});

afterAll(async () => {
  await browser?.close();
  await broker?.cleanup();
});

describe("console", () => {
  test("the overview loads, served by the broker with nothing from elsewhere", async () => {
    const response = await fetch(`${base}/`);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("content-security-policy")).toContain("default-src 'self'");
    const requested: string[] = [];
    page.on("request", (request) => requested.push(request.url()));
    await open("#/");
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    await page.getByText("Produced records/s").waitFor();
    expect(requested.filter((url) => !url.startsWith(base) && !url.startsWith("data:"))).toEqual([]);
    await screenshot("overview");
  });

  test("a topic created by kcat appears in the overview", async () => {
    await open("#/");
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    await produce("made-by-kcat", ["one", "two", "three"]);
    await page.getByTestId("topics-table").getByRole("link", { name: "made-by-kcat" }).waitFor({ timeout: 10_000 });
    await screenshot("overview-with-topic");
  });

  test("a record produced after the page opened shows in the live tail within 2 s", async () => {
    await open("#/topics/made-by-kcat");
    await page.getByTestId("message").first().waitFor();
    await page.getByTestId("live-tail").check();
    await page.getByTestId("tail-state").getByText("following new messages").waitFor();
    const marker = `tail-${Date.now()}`;
    await produce("made-by-kcat", [JSON.stringify({ marker, note: "pretty-printed" })]);
    // kcat has exited: the record is acknowledged, and the 2 s start now.
    const produced = performance.now();
    const value = page.getByTestId("message-value").filter({ hasText: marker });
    await value.waitFor({ timeout: 5_000 });
    const shownAfterMs = performance.now() - produced;
    expect(shownAfterMs).toBeLessThan(2_000);
    // JSON is pretty-printed.
    expect(await value.innerText()).toContain(`"marker": "${marker}"`);
    await screenshot("topic-live-tail");
  });

  test("binary values are shown as base64, keys and headers as text", async () => {
    await produce("binary", new Uint8Array([...new TextEncoder().encode("k1:"), 0x01, 0x02, 0xff, 0x0a]), ["-K", ":", "-H", "trace=abc"]);
    await open("#/topics/binary");
    const message = page.getByTestId("message").first();
    await message.waitFor();
    const text = await message.innerText();
    expect(text).toContain("binary, 3 bytes, base64\nAQL/");
    expect(text).toContain("k1");
    expect(text).toContain("trace");
    await screenshot("topic-binary");
  });

  test("a search shows the hits and facet counts the API gives", async () => {
    const count = 300;
    await produce("logs", Array.from({ length: count }, (_, i) => logLine(i)));
    const query = "served AND NOT level:info";
    const body = { query: { query_string: { query } }, size: 0, aggs: { facet: { terms: { field: "service", size: 20 } } } };
    type Answer = { hits: { total: { value: number } }; aggregations: { facet: { buckets: Array<{ key: string; doc_count: number }> } } };
    // Until the topic's indexer starts, the topic is a 404 (an error body, without hits).
    await eventually(async () => (await api<Partial<Answer>>("/logs/_search", { query: { match_all: {} }, size: 0 })).hits?.total.value === count, "every log line is searchable");
    const expected = await api<Answer>("/logs/_search", body);
    expect(expected.hits.total.value).toBeGreaterThan(0);
    await open(`#/search?q=${encodeURIComponent(query)}&facet=service&topic=logs`);
    await page.getByTestId("search-topic").locator('option[value="logs"]').waitFor({ state: "attached" });
    await page.getByTestId("search-topic").selectOption("logs");
    await page.getByTestId("search-run").click();
    await page.getByTestId("search-summary").getByText(`${expected.hits.total.value} hits`).waitFor();
    for (const bucket of expected.aggregations.facet.buckets) {
      expect(await page.getByTestId(`facet-${bucket.key}`).innerText()).toBe(String(bucket.doc_count));
    }
    // Highlights are marks around the query's words.
    expect(await page.getByTestId("hit").first().locator("mark").first().innerText()).toBe("served");
    await page.locator(".histogram svg rect").first().waitFor();
    await screenshot("search");
  });

  test("a group's lag shows, as the API and `chronik group describe` give it", async () => {
    await runOk([...chronikCommand(), "group", "reset-offsets", "loggers", "-b", broker.bootstrap, "--topic", "logs", "--to-offset", "120"], { timeoutMs: 60_000 });
    const described = JSON.parse((await runOk([...chronikCommand(), "group", "describe", "loggers", "-b", broker.bootstrap, "--format", "json"], { timeoutMs: 60_000 })).stdout.toString()) as { partitions: Array<{ lag: number }> };
    const lag = described.partitions.reduce((sum, row) => sum + row.lag, 0);
    expect(lag).toBe(180);
    await open("#/groups");
    await page.getByTestId("group-lag-loggers").getByText("180").waitFor();
    await screenshot("groups");
    await open("#/groups/loggers");
    await page.getByTestId("lag-logs-0").getByText("180").waitFor();
    await screenshot("group");
  });

  test("resetting offsets asks first, then the lag follows", async () => {
    await open("#/groups/loggers");
    await page.getByTestId("group-lag").getByText("180").waitFor();
    await page.getByTestId("reset-to").selectOption("latest");
    await page.getByTestId("reset-offsets").click();
    await page.getByTestId("confirm-dialog").waitFor();
    await screenshot("group-reset-confirmation");
    await page.getByTestId("confirm").click();
    await page.getByTestId("group-lag").getByText(/^0$/).waitFor();
  });

  test("creating and deleting a topic ask first", async () => {
    await open("#/topics");
    await page.getByTestId("new-topic-name").fill("from-console");
    await page.locator('input[name="partitions"]').fill("3");
    await page.getByTestId("create-topic").click();
    await page.getByTestId("confirm-dialog").getByText('Create topic "from-console" with 3 partition(s)?').waitFor();
    await page.getByTestId("confirm").click();
    await page.getByTestId("topics-table").getByRole("link", { name: "from-console" }).waitFor();
    expect((await api<{ partitions: number }>("/api/topics/from-console")).partitions).toBe(3);
    await screenshot("topics");
    await open("#/topics/from-console");
    await page.getByTestId("delete-topic").click();
    await page.getByTestId("confirm").click();
    await page.getByRole("heading", { name: "Topics" }).waitFor();
    expect((await fetch(`${base}/api/topics/from-console`)).status).toBe(404);
  });

  test("no page logged an error or threw", () => {
    expect(problems).toEqual([]);
  });
});
