import { afterEach, describe, expect, test } from "bun:test";
import { type HttpServer, type HttpServerOptions, startHttpServer } from "../../src/http/http-server.ts";
import { silentLogger } from "../../src/logger.ts";
import { MetricsRegistry } from "../../src/metrics/registry.ts";
import { allow, authorizerWith, basic, clusterAllow, memoryUsers, Operation, passwords, ResourceType } from "./security-fixture.ts";

let server: HttpServer | undefined;
let cleanup: (() => void) | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  cleanup?.();
  cleanup = undefined;
});

function start(metrics: MetricsRegistry | null, security?: HttpServerOptions["security"]): string {
  server = startHttpServer({ health: () => ({ nodeId: 1 }) }, { host: "127.0.0.1", port: 0, logger: silentLogger, metrics, ...(security === undefined ? {} : { security }) });
  return `http://127.0.0.1:${server.port}`;
}

/** A server whose broker authenticates: bob may DESCRIBE the cluster, alice may only read topic A. */
async function startSecured(): Promise<string> {
  const made = await authorizerWith([clusterAllow("User:bob", Operation.DESCRIBE), allow("User:alice", Operation.READ, ResourceType.TOPIC, "A")]);
  cleanup = made.cleanup;
  const registry = new MetricsRegistry();
  registry.counter("chronik_things_total", "Things").labels().inc(3);
  return start(registry, { authorizer: made.authorizer, users: memoryUsers() });
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

  test("without an authorizer nothing asks for credentials", async () => {
    const base = start(new MetricsRegistry());
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
    expect((await fetch(`${base}/api/overview`)).status).toBe(404);
  });
});

describe("HTTP server of a broker that authenticates", () => {
  test("/health, /ready and the console's files are open; everything else answers 401 with a Basic challenge", async () => {
    const base = await startSecured();
    for (const path of ["/health", "/ready", "/", "/console/app.js", "/console/style.css"]) expect({ path, status: (await fetch(`${base}${path}`)).status }).toEqual({ path, status: 200 });
    for (const path of ["/metrics", "/api/overview", "/nothing"]) {
      const response = await fetch(`${base}${path}`);
      expect({ path, status: response.status, challenge: response.headers.get("www-authenticate") }).toEqual({ path, status: 401, challenge: 'Basic realm="chronik", charset="UTF-8"' });
      const reason = `missing authentication credentials for REST request [${path}]`;
      expect(await response.json()).toEqual({ error: { root_cause: [{ type: "security_exception", reason }], type: "security_exception", reason }, status: 401 });
    }
  });

  test("a wrong password or an unknown user is a 401 naming the user", async () => {
    const base = await startSecured();
    for (const [user, password] of [["alice", "guess"], ["mallory", "guess"]]) {
      const response = await fetch(`${base}/metrics`, { headers: { authorization: basic(user, password) } });
      expect(response.status).toBe(401);
      expect(((await response.json()) as any).error.reason).toBe(`unable to authenticate user [${user}] for REST request [/metrics]`);
    }
  });

  test("/metrics needs DESCRIBE on the cluster: 403 for alice, 200 for bob and for the super user", async () => {
    const base = await startSecured();
    const refused = await fetch(`${base}/metrics`, { headers: { authorization: basic("alice", passwords.alice) } });
    expect(refused.status).toBe(403);
    const reason = "action [cluster:monitor/metrics] is unauthorized for user [alice]: it needs DESCRIBE on the cluster";
    expect(await refused.json()).toEqual({ error: { root_cause: [{ type: "security_exception", reason }], type: "security_exception", reason }, status: 403 });
    for (const [user, password] of [["bob", passwords.bob], ["admin", passwords.admin]]) {
      const response = await fetch(`${base}/metrics`, { headers: { authorization: basic(user, password) } });
      expect({ user, status: response.status }).toEqual({ user, status: 200 });
      expect(await response.text()).toContain("chronik_things_total 3");
    }
    // An unknown path, authenticated: 404 as before.
    expect((await fetch(`${base}/nothing`, { headers: { authorization: basic("admin", passwords.admin) } })).status).toBe(404);
  });
});
