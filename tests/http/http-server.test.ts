import { afterEach, describe, expect, test } from "bun:test";
import { type HttpServer, startHttpServer } from "../../src/http/http-server.ts";
import { silentLogger } from "../../src/logger.ts";
import { MetricsRegistry } from "../../src/metrics/registry.ts";

let server: HttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function start(metrics: MetricsRegistry | null): string {
  server = startHttpServer({ health: () => ({ nodeId: 1 }) }, { host: "127.0.0.1", port: 0, logger: silentLogger, metrics });
  return `http://127.0.0.1:${server.port}`;
}

describe("HTTP server", () => {
  test("/metrics serves the registry in the Prometheus text format, or OpenMetrics when asked", async () => {
    const registry = new MetricsRegistry();
    registry.counter("chronik_things_total", "Things").labels().inc(3);
    const base = start(registry);
    const plain = await fetch(`${base}/metrics`);
    expect(plain.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(await plain.text()).toContain("# TYPE chronik_things_total counter\nchronik_things_total 3\n");
    const open = await fetch(`${base}/metrics`, { headers: { accept: "application/openmetrics-text;version=1.0.0,text/plain;q=0.5" } });
    expect(open.headers.get("content-type")).toBe("application/openmetrics-text; version=1.0.0; charset=utf-8");
    expect(await open.text()).toEndWith("# EOF\n");
    const head = await fetch(`${base}/metrics`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect((await fetch(`${base}/metrics`, { method: "POST" })).status).toBe(405);
  });

  test("with metrics off, /metrics is a 404 that says so; /health still answers", async () => {
    const base = start(null);
    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: "Metrics are off (--no-metrics)" });
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: "ok", nodeId: 1 });
  });
});
