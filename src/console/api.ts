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
    const reason = (body as { error?: { reason?: string } | string } | null)?.error;
    throw new ApiError(response.status, typeof reason === "string" ? reason : (reason?.reason ?? `HTTP ${response.status}`));
  }
  return body as T;
}

export async function get<T>(path: string, signal?: AbortSignal): Promise<T> {
  return parse<T>(await fetch(path, { signal }));
}

export async function send<T>(method: "POST" | "DELETE", path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  return parse<T>(await fetch(path, { method, signal, headers: { "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }));
}

export const encode = encodeURIComponent;

// The API's JSON has the engine's shapes: the types come from there (erased from the bundle).
export type { BrokerTotals as Totals } from "../engine/broker-metrics.ts";
export type { Overview } from "../engine/admin/broker-admin.ts";
export type { TopicDetail, TopicSummary } from "../engine/admin/topics-admin.ts";
export type { ShownBytes, ShownRecord } from "../engine/admin/messages.ts";
export type { GroupDetail, GroupSummary } from "../engine/admin/groups-admin.ts";
