// The console reads and changes everything through the broker's public HTTP API (docs/http.md).

/** A refusal from the API, with the reason its error body gives. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function parse<T>(response: Response): Promise<T> {
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (body as { error?: { reason?: string } | string } | null)?.error;
    const reason = typeof error === "string" ? error : (error?.reason ?? `HTTP ${response.status}`);
    // The browser asks for a user when the API challenges it; cancelled, reloading asks again.
    throw new ApiError(response.status, response.status === 401 ? `Sign in to see this (reload the page to be asked again): ${reason}` : reason);
  }
  return body as T;
}

// Same-origin credentials: the user and password the browser was given for the broker's HTTP
// Basic challenge go with every request (fetch's default, said here because the API needs them).
const credentials: RequestCredentials = "same-origin";

export async function get<T>(path: string, signal?: AbortSignal): Promise<T> {
  return parse<T>(await fetch(path, { signal, credentials }));
}

export async function send<T>(method: "POST" | "DELETE", path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  return parse<T>(await fetch(path, { method, signal, credentials, headers: { "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }));
}

export const encode = encodeURIComponent;

// The API's JSON has the engine's shapes: the types come from there (erased from the bundle).
export type { BrokerTotals as Totals } from "../engine/broker-metrics.ts";
export type { Overview } from "../engine/admin/broker-admin.ts";
export type { TopicDetail, TopicSummary } from "../engine/admin/topics-admin.ts";
export type { ShownBytes, ShownRecord } from "../engine/admin/messages.ts";
export type { GroupDetail, GroupSummary } from "../engine/admin/groups-admin.ts";
