// The HTTP port (--http-port): the console at / (console-routes.ts), /health and /ready,
// /metrics for Prometheus, the admin API under /api (admin-routes.ts) and the search endpoints
// (search-routes.ts). When the broker authenticates, everything but /health, /ready and the
// console's files needs a user and what the ACLs allow it (http-access.ts).

import { ListenError } from "../engine/listen-error.ts";
import type { Logger } from "../logger.ts";
import { contentTypes, negotiateFormat, renderMetrics } from "../metrics/exposition.ts";
import type { MetricsRegistry } from "../metrics/registry.ts";
import type { BrokerAdmin } from "../engine/admin/broker-admin.ts";
import { connectionWarningWindowMs } from "../engine/kafka-listener.ts";
import type { Authorizer } from "../security/authorizer.ts";
import { adminRoutes, isAdminPath } from "./admin-routes.ts";
import type { CredentialSource } from "./basic-auth.ts";
import { handleConsole, isConsolePath } from "./console-routes.ts";
import { AccessDeniedError, forbidden, HttpAccess, HttpSecurity } from "./http-access.ts";
import { json } from "./responses.ts";
import { Operation } from "../security/acl.ts";
import { handleSearch, isSearchPath, type SearchApi } from "./search-routes.ts";

export interface HttpStatusSource {
  /** A small JSON-able summary for /health. */
  health(): Record<string, unknown>;
}

export interface HttpServer {
  readonly port: number;
  close(): Promise<void>;
}

/** PEM certificate (chain) and key: the HTTP port then speaks HTTPS. */
export interface HttpTls {
  cert: string;
  key: string;
}

/** Seconds a request may go without progress before it is dropped (Bun's default, 10, is too short for a search over cold indexes). */
export const requestIdleSecondsMax = 120;

export interface HttpServerOptions {
  host: string;
  port: number;
  logger: Logger;
  /** Serves /_search and /<topic>/_search when set. */
  search?: SearchApi;
  /** Serves /metrics when set. */
  metrics?: MetricsRegistry | null;
  /** Serves the admin API under /api when set. */
  admin?: BrokerAdmin;
  /** Serve HTTPS with this certificate (read once: Bun's server cannot replace it while running). */
  tls?: HttpTls;
  /** When the broker authenticates: its authorizer and users. Requests then need Basic credentials. */
  security?: { authorizer: Authorizer; users: CredentialSource };
  /** Milliseconds since the epoch, for remembered credentials (Date.now unless told). */
  clock?: () => number;
}

/** Starts serving; a port that cannot be bound is a ListenError. */
export function startHttpServer(source: HttpStatusSource, options: HttpServerOptions): HttpServer {
  const security = options.security === undefined ? null : new HttpSecurity({ ...options.security, logger: options.logger, ...(options.clock === undefined ? {} : { clock: options.clock }) });
  let server: Bun.Server<undefined>;
  try {
    server = Bun.serve(serveOptions(source, options, security));
  } catch (error) {
    throw new ListenError({ host: options.host, port: options.port, flag: "--http-port" }, error);
  }
  // Reports how many failed authentications were not logged, when their window ends.
  const failureFlusher = security === null ? null : setInterval(() => security.flushFailures(), connectionWarningWindowMs);
  failureFlusher?.unref?.();
  return {
    port: server.port ?? options.port,
    close: async () => {
      if (failureFlusher !== null) clearInterval(failureFlusher);
      security?.flushFailures();
      await server.stop(true);
    },
  };
}

async function scrape(metrics: MetricsRegistry, request: Request): Promise<Response> {
  const format = negotiateFormat(request.headers.get("accept"));
  const text = renderMetrics(await metrics.gather(), format);
  return new Response(request.method === "HEAD" ? null : text, { headers: { "content-type": contentTypes[format] } });
}

/** What anyone may fetch, authenticated or not: liveness for probes, and the console's files (its data comes from /api). */
function isOpenPath(pathname: string): boolean {
  return pathname === "/health" || pathname === "/ready" || isConsolePath(pathname);
}

function methodNotAllowed(request: Request, pathname: string): Response {
  return json({ error: `Method "${request.method}" is not allowed on "${pathname}"` }, 405);
}

function serveOptions(source: HttpStatusSource, options: HttpServerOptions, security: HttpSecurity | null) {
  const { search, metrics } = options;
  const admin = options.admin ? adminRoutes(options.admin) : null;
  const searchableTopics = () => options.admin?.listTopics().filter((topic) => topic.searchEnabled).map((topic) => topic.name) ?? [];
  const route = async (request: Request, pathname: string, access: HttpAccess): Promise<Response> => {
    if (search && isSearchPath(pathname)) return await handleSearch(request, search, { access, searchableTopics });
    if (admin && isAdminPath(pathname)) return await admin(request, access);
    if (request.method !== "GET" && request.method !== "HEAD") return methodNotAllowed(request, pathname);
    if (pathname !== "/metrics") return json({ error: `No such endpoint "${pathname}"` }, 404);
    access.requireCluster("cluster:monitor/metrics", Operation.DESCRIBE);
    if (!metrics) return json({ error: "Metrics are off (--no-metrics)" }, 404);
    return await scrape(metrics, request);
  };
  return {
    hostname: options.host,
    port: options.port,
    idleTimeout: requestIdleSecondsMax,
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    async fetch(request: Request, server: Bun.Server<undefined>) {
      const { pathname } = new URL(request.url);
      if (isOpenPath(pathname)) {
        if (request.method !== "GET" && request.method !== "HEAD") return methodNotAllowed(request, pathname);
        if (isConsolePath(pathname)) return handleConsole(request, pathname);
        return json({ status: "ok", ...source.health() });
      }
      const access = security === null ? HttpAccess.open : await security.admit(request, pathname, server.requestIP(request)?.address ?? "");
      if (access instanceof Response) return access;
      try {
        return await route(request, pathname, access);
      } catch (error) {
        if (error instanceof AccessDeniedError) return forbidden(error);
        throw error;
      }
    },
    error(error: Error) {
      options.logger.error("HTTP request failed", { error });
      return json({ error: "Internal server error" }, 500);
    },
  };
}
