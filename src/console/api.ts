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

export interface Totals {
  producedRecords: number;
  producedBytes: number;
  fetchedRecords: number;
  fetchedBytes: number;
  requests: number;
  requestErrors: number;
}

export interface Overview {
  clusterId: string;
  nodeId: number;
  startedAtMs: number;
  uptimeMs: number;
  kafka: { host: string; port: number };
  topics: number;
  partitions: number;
  groups: number;
  sizeBytes: number;
  totals: Totals | null;
}

export interface TopicSummary {
  name: string;
  internal: boolean;
  partitions: number;
  sizeBytes: number;
  offsets: number;
  searchEnabled: boolean;
}

export interface TopicDetail extends TopicSummary {
  topicId: string;
  partitionDetails: Array<{ partition: number; logStartOffset: number; highWatermark: number; lastStableOffset: number; logEndOffset: number; sizeBytes: number; segments: number }>;
  configs: Array<{ name: string; value: string; source: string }>;
}

export interface ShownBytes {
  size: number;
  text?: string;
  json?: unknown;
  base64?: string;
  truncated?: true;
}

export interface ShownRecord {
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: string;
  key: ShownBytes | null;
  value: ShownBytes | null;
  headers: Array<{ key: string; value: ShownBytes | null }>;
}

export interface GroupSummary {
  groupId: string;
  type: string;
  state: string;
  members: number;
  topics: string[];
  lag: number;
}

export interface GroupDetail extends GroupSummary {
  protocol: string;
  memberDetails: Array<{ memberId: string; instanceId: string | null; clientId: string; clientHost: string; assignment: Array<{ topic: string; partitions: number[] }> }>;
  offsets: Array<{ topic: string; partition: number; committedOffset: number; highWatermark: number; lag: number; memberId: string | null }>;
}
