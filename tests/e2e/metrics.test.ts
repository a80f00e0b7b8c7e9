// /metrics against real tools: promtool checks the exposition, a real Prometheus server (Debian's)
// scrapes the broker, and what it stored agrees with what was produced and with
// `chronik group describe`.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Broker, chronikCommand, eventually, freePort, kcat, loopbackHost, makeTempDir, run, runOk, startBroker } from "./harness.ts";

setDefaultTimeout(120_000);

const topic = "metered";
const group = "metered-readers";

let broker: Broker;
let prometheus: ReturnType<typeof Bun.spawn> | undefined;
let prometheusUrl = "";
let prometheusDir = "";

function lines(count: number, from = 0): string {
  return Array.from({ length: count }, (_, i) => `line ${from + i}`).join("\n") + "\n";
}

async function produce(count: number, from: number): Promise<void> {
  await runOk(kcat(broker, ["-P", "-t", topic]), { stdin: lines(count, from), timeoutMs: 60_000 });
}

async function scrape(accept?: string): Promise<Response> {
  return await fetch(`http://${loopbackHost}:${broker.httpPort}/metrics`, accept === undefined ? {} : { headers: { accept } });
}

/** One instant-vector query; the series' labels and values. */
async function query(expression: string): Promise<Array<{ metric: Record<string, string>; value: number }>> {
  const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expression)}`);
  const body = (await response.json()) as { status: string; data?: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
  if (body.status !== "success") throw new Error(`Prometheus query "${expression}" failed: ${JSON.stringify(body)}`);
  return body.data!.result.map((entry) => ({ metric: entry.metric, value: Number(entry.value[1]) }));
}

async function queryValue(expression: string): Promise<number | null> {
  const result = await query(expression);
  return result.length === 1 ? result[0].value : null;
}

async function chronik(args: string[]): Promise<string> {
  return (await runOk([...chronikCommand(), ...args], { timeoutMs: 60_000 })).stdout.toString();
}

beforeAll(async () => {
  broker = await startBroker({ args: ["--default-partitions", "3"] });
  prometheusDir = await makeTempDir("prometheus");
  const port = await freePort();
  prometheusUrl = `http://${loopbackHost}:${port}`;
  const config = [
    "global:",
    "  scrape_interval: 1s",
    "  scrape_timeout: 1s",
    "scrape_configs:",
    "  - job_name: chronik",
    "    static_configs:",
    `      - targets: ["${loopbackHost}:${broker.httpPort}"]`,
  ].join("\n");
  await writeFile(join(prometheusDir, "prometheus.yml"), config + "\n");
  prometheus = Bun.spawn(
    ["prometheus", `--config.file=${join(prometheusDir, "prometheus.yml")}`, `--storage.tsdb.path=${join(prometheusDir, "data")}`, `--web.listen-address=${loopbackHost}:${port}`],
    { stdout: "ignore", stderr: "ignore" },
  );
  const ready = async () => (await fetch(`${prometheusUrl}/-/ready`).catch(() => null))?.ok === true;
  await eventually(ready, "Prometheus is ready", { waitMs: 60_000, pollMs: 200 });
});

afterAll(async () => {
  prometheus?.kill("SIGKILL");
  await prometheus?.exited;
  await broker?.cleanup();
  if (prometheusDir !== "") await rm(prometheusDir, { recursive: true, force: true });
});

describe("/metrics", () => {
  test("promtool accepts the exposition, and the OpenMetrics form ends with # EOF", async () => {
    await produce(100, 0);
    const response = await scrape();
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await response.text();
    const checked = await run(["promtool", "check", "metrics"], { stdin: text, timeoutMs: 30_000 });
    expect({ exitCode: checked.exitCode, problems: checked.stderr + checked.stdout.toString() }).toEqual({ exitCode: 0, problems: "" });
    for (const family of ["chronik_requests_total", "chronik_request_duration_seconds", "chronik_produced_records_total", "chronik_fsync_duration_seconds", "chronik_partition_log_end_offset", "chronik_disk_free_bytes", "process_resident_memory_bytes", "chronik_event_loop_lag_seconds"]) {
      expect(text).toContain(`# TYPE ${family} `);
    }
    const open = await (await scrape("application/openmetrics-text; version=1.0.0")).text();
    expect(open.endsWith("# EOF\n")).toBe(true);
    expect(open).toContain("# TYPE chronik_produced_records counter\n");
  });

  test("Prometheus scrapes the broker; the produced-records counter rises by exactly the records produced", async () => {
    await eventually(async () => (await queryValue('up{job="chronik"}')) === 1, "Prometheus scrapes the broker", { waitMs: 60_000, pollMs: 250 });
    const selector = `sum(chronik_produced_records_total{topic="${topic}"})`;
    let before = 0;
    await eventually(async () => (before = (await queryValue(selector)) ?? 0) > 0, "Prometheus sees the first records", { pollMs: 250 });
    const produced = 5_000;
    await produce(produced, 100);
    let after = 0;
    await eventually(async () => (after = (await queryValue(selector)) ?? 0) >= before + produced, `the counter reaches ${before + produced}`, { pollMs: 250 });
    expect(after - before).toBe(produced);
    // The broker's own figure, read directly, agrees.
    const text = await (await scrape()).text();
    const direct = [...text.matchAll(new RegExp(`^chronik_produced_records_total\\{topic="${topic}"\\} (\\d+)$`, "gm"))].reduce((sum, match) => sum + Number(match[1]), 0);
    expect(direct).toBe(before + produced);
  });

  test("group lag in Prometheus equals what `chronik group describe` shows", async () => {
    await chronik(["group", "reset-offsets", group, "-b", broker.bootstrap, "--topic", topic, "--to-offset", "200"]);
    const described = JSON.parse(await chronik(["group", "describe", group, "-b", broker.bootstrap, "--format", "json"])) as { partitions: Array<{ topic: string; partition: number; lag: number }> };
    const expected = described.partitions.map((row) => [row.partition, row.lag]).sort((a, b) => a[0] - b[0]);
    expect(expected.length).toBe(3);
    expect(expected.some(([, lag]) => lag > 0)).toBe(true);
    let seen: number[][] = [];
    await eventually(
      async () => {
        const result = await query(`chronik_group_lag{group="${group}",topic="${topic}"}`);
        seen = result.map((entry) => [Number(entry.metric.partition), entry.value]).sort((a, b) => a[0] - b[0]);
        return JSON.stringify(seen) === JSON.stringify(expected);
      },
      "Prometheus has the group's lag",
      { pollMs: 250 },
    ).catch(() => {});
    expect(seen).toEqual(expected);
    const total = await queryValue(`chronik_group_topic_lag{group="${group}",topic="${topic}"}`);
    expect(total).toBe(expected.reduce((sum, [, lag]) => sum + lag, 0));
  });

  test("request counts by API and version reach Prometheus, with latency histograms", async () => {
    const produceRequests = await queryValue('sum(chronik_requests_total{api="Produce"})');
    expect(produceRequests).toBeGreaterThan(0);
    const buckets = await query('chronik_request_duration_seconds_bucket{api="Produce",le="+Inf"}');
    expect(buckets.length).toBe(1);
    expect(buckets[0].value).toBeGreaterThanOrEqual(produceRequests!);
  });
});

describe("metrics off", () => {
  test("--no-metrics answers 404 at /metrics and the broker still serves", async () => {
    const quiet = await startBroker({ args: ["--no-metrics"] });
    try {
      const response = await fetch(`http://${loopbackHost}:${quiet.httpPort}/metrics`);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: "Metrics are off (--no-metrics)" });
    } finally {
      await quiet.cleanup();
    }
  });
});

describe("docs/metrics.md", () => {
  test("documents every metric the broker exposes, and only those", async () => {
    const doc = await Bun.file(join(import.meta.dir, "../../docs/metrics.md")).text();
    const exposed = new Set([...(await (await scrape()).text()).matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]));
    const documented = new Set([...doc.matchAll(/^\| `((?:chronik|process)_[a-z_]+)` \|/gm)].map((match) => match[1]));
    expect([...exposed].filter((name) => !documented.has(name))).toEqual([]);
    expect([...documented].filter((name) => !exposed.has(name))).toEqual([]);
  });

  test("its alert rules pass `promtool check rules`", async () => {
    const doc = await Bun.file(join(import.meta.dir, "../../docs/metrics.md")).text();
    const rules = /```yaml\n# chronik-alerts\.yml\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(rules).toBeDefined();
    const file = join(prometheusDir, "chronik-alerts.yml");
    await writeFile(file, rules!);
    const checked = await run(["promtool", "check", "rules", file], { timeoutMs: 30_000 });
    expect({ exitCode: checked.exitCode, stderr: checked.stderr }).toEqual({ exitCode: 0, stderr: "" });
    expect(checked.stdout.toString()).toContain("SUCCESS: 6 rules found");
  });
});
