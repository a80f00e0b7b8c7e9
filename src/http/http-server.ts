// The HTTP API on --http-port. For now: /health and /ready; search and admin arrive with their issues.

import type { Logger } from "../logger.ts";

export interface HttpStatusSource {
  /** A small JSON-able summary for /health. */
  health(): Record<string, unknown>;
}

export interface HttpServer {
  readonly port: number;
  close(): Promise<void>;
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

export function startHttpServer(source: HttpStatusSource, options: { host: string; port: number; logger: Logger }): HttpServer {
  const server = Bun.serve({
    hostname: options.host,
    port: options.port,
    fetch(request) {
      const { pathname } = new URL(request.url);
      if (request.method !== "GET" && request.method !== "HEAD") {
        return json({ error: `Method "${request.method}" is not allowed on "${pathname}"` }, 405);
      }
      switch (pathname) {
        case "/health":
        case "/ready":
          return json({ status: "ok", ...source.health() });
        default:
          return json({ error: `No such endpoint "${pathname}"` }, 404);
      }
    },
    error(error) {
      options.logger.error("HTTP request failed", { error });
      return json({ error: "Internal server error" }, 500);
    },
  });
  return {
    port: server.port ?? options.port,
    close: async () => {
      await server.stop(true);
    },
  };
}
