// The console at /: one HTML page, its stylesheet and its script, all inside the broker (built
// by scripts/build-console.ts into console-assets.ts). The page may load nothing from anywhere
// else: its Content-Security-Policy allows this origin only.

import { consoleCss, consoleHtml, consoleScript } from "../console/generated/console-assets.ts";

const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

const assets: Record<string, { body: string; type: string }> = {
  "/": { body: consoleHtml, type: "text/html; charset=utf-8" },
  "/index.html": { body: consoleHtml, type: "text/html; charset=utf-8" },
  "/console/style.css": { body: consoleCss, type: "text/css; charset=utf-8" },
  "/console/app.js": { body: consoleScript, type: "text/javascript; charset=utf-8" },
};

export function isConsolePath(pathname: string): boolean {
  return Object.hasOwn(assets, pathname);
}

export function handleConsole(request: Request, pathname: string): Response {
  const asset = assets[pathname];
  return new Response(request.method === "HEAD" ? null : asset.body, {
    headers: { "content-type": asset.type, "content-security-policy": contentSecurityPolicy, "cache-control": "no-cache", "x-content-type-options": "nosniff" },
  });
}
