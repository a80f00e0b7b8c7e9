// The HTTP port (--http-port): the console at / (console-routes.ts), /health and /ready,
// /metrics for Prometheus, the admin API under /api (admin-routes.ts) and the search endpoints
// (search-routes.ts).

import { ListenError } from "../engine/listen-error.ts";
import type { Logger } from "../logger.ts";
import { contentTypes, negotiateFormat, renderMetrics } from "../metrics/exposition.ts";
import type { MetricsRegistry } from "../metrics/registry.ts";
import type { BrokerAdmin } from "../engine/admin/broker-admin.ts";
import { adminRoutes, isAdminPath } from "./admin-routes.ts";
import { handleConsole, isConsolePath } from "./console-routes.ts";
import { json } from "./responses.ts";
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
}

/** Starts serving; a port that cannot be bound is a ListenError. */
export function startHttpServer(source: HttpStatusSource, options: HttpServerOptions): HttpServer {
  let server: Bun.Server<undefined>;
  try {
    server = Bun.serve(serveOptions(source, options));
  } catch (error) {
    throw new ListenError({ host: options.host, port: options.port, flag: "--http-port" }, error);
  }
  return {
    port: server.port ?? options.port,
    close: async () => {
      await server.stop(true);
    },
  };
}

async function scrape(metrics: MetricsRegistry, request: Request): Promise<Response> {
  const format = negotiateFormat(request.headers.get("accept"));
  const text = renderMetrics(await metrics.gather(), format);
  return new Response(request.method === "HEAD" ? null : text, { headers: { "content-type": contentTypes[format] } });
}

function serveOptions(source: HttpStatusSource, options: HttpServerOptions) {
  const { search, metrics } = options;
  const admin = options.admin ? adminRoutes(options.admin) : null;
  return {
    hostname: options.host,
    port: options.port,
    idleTimeout: requestIdleSecondsMax,
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    fetch(request: Request) {
      const { pathname } = new URL(request.url);
      if (search && isSearchPath(pathname)) return handleSearch(request, search);
      if (admin && isAdminPath(pathname)) return admin(request);
      if (request.method !== "GET" && request.method !== "HEAD") {
        return json({ error: `Method "${request.method}" is not allowed on "${pathname}"` }, 405);
      }
      if (isConsolePath(pathname)) return handleConsole(request, pathname);
      switch (pathname) {
        case "/health":
        case "/ready":
          return json({ status: "ok", ...source.health() });
        case "/metrics":
          if (!metrics) return json({ error: "Metrics are off (--no-metrics)" }, 404);
          return scrape(metrics, request);
        default:
          return json({ error: `No such endpoint "${pathname}"` }, 404);
      }
    },
    error(error: Error) {
      options.logger.error("HTTP request failed", { error });
      return json({ error: "Internal server error" }, 500);
    },
  };
}
