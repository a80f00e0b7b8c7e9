// The admin API under /api (docs/http.md), which the console uses and users may call:
//   GET    /api/overview
//   GET    /api/topics                      POST /api/topics {name, partitions?, configs?}
//   GET    /api/topics/<name>               DELETE /api/topics/<name>
//   GET    /api/topics/<name>/messages?partition=&offset=|timestamp=&limit=
//   GET    /api/topics/<name>/tail?partition=          (Server-Sent Events)
//   GET    /api/groups                      GET /api/groups/<id>      DELETE /api/groups/<id>
//   POST   /api/groups/<id>/reset-offsets {topic, partitions?, to}
// Errors have Elasticsearch's shape, with Kafka's error name as the type.
// When the broker authenticates, each route asks for what Kafka's own API for the same thing
// needs (see admin-access.ts): lists show only what the user may DESCRIBE.

import type { BrokerAdmin } from "../engine/admin/broker-admin.ts";
import type { ResetTarget } from "../engine/admin/groups-admin.ts";
import { messagesLimitMax, type MessagesFrom, MessagesError, type ShownRecord } from "../engine/admin/messages.ts";
import { AdminError } from "../engine/admin/topics-admin.ts";
import { ErrorCode } from "../protocol/errors.ts";
import { Operation } from "../security/acl.ts";
import { describedGroup, describedTopic, listedGroups, listedTopics, overviewFor } from "./admin-access.ts";
import { AccessDeniedError, forbidden, HttpAccess } from "./http-access.ts";
import { BadRequestError, errorResponse, json, readJsonBody } from "./responses.ts";

/** Live tails open at once; more are refused with 503 until one ends. */
export const tailsMax = 32;

const topicPath = /^\/api\/topics\/([^/]+)(?:\/(messages|tail))?$/;
const groupPath = /^\/api\/groups\/([^/]+)(?:\/(reset-offsets))?$/;

export function isAdminPath(pathname: string): boolean {
  return pathname === "/api" || pathname.startsWith("/api/");
}

/** HTTP status of a refusal, by Kafka error code. */
function statusOf(errorCode: number): number {
  switch (errorCode) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.GROUP_ID_NOT_FOUND:
      return 404;
    case ErrorCode.TOPIC_ALREADY_EXISTS:
    case ErrorCode.NON_EMPTY_GROUP:
      return 409;
    case ErrorCode.TOPIC_AUTHORIZATION_FAILED:
    case ErrorCode.GROUP_AUTHORIZATION_FAILED:
    case ErrorCode.CLUSTER_AUTHORIZATION_FAILED:
      return 403;
    case ErrorCode.UNKNOWN_SERVER_ERROR:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return 500;
    default:
      return 400;
  }
}

function methodNotAllowed(request: Request, pathname: string): Response {
  return errorResponse("illegal_argument_exception", `Method "${request.method}" is not allowed on "${pathname}"`, 405);
}

function integerParam(params: URLSearchParams, name: string): number | null {
  const text = params.get(name);
  if (text === null || text === "") return null;
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new BadRequestError("illegal_argument_exception", `${name} must be a whole number, not "${text}"`);
  return Number(text);
}

/** `partition` is a partition number, or absent or "all" for every partition. */
function partitionParam(params: URLSearchParams): number | null {
  if (params.get("partition") === "all") return null;
  const partition = integerParam(params, "partition");
  if (partition !== null && partition < 0) throw new BadRequestError("illegal_argument_exception", `partition must not be negative, not "${partition}"`);
  return partition;
}

/** A time as epoch milliseconds or ISO 8601. */
function timeParam(text: string, name: string): number {
  const value = /^-?\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(value)) throw new BadRequestError("illegal_argument_exception", `${name} must be epoch milliseconds or an ISO 8601 time, not "${text}"`);
  return value;
}

function messagesFrom(params: URLSearchParams): MessagesFrom {
  const offset = integerParam(params, "offset");
  const timestamp = params.get("timestamp");
  if (offset !== null && timestamp !== null) throw new BadRequestError("illegal_argument_exception", "Give offset or timestamp, not both");
  if (offset !== null) return { kind: "offset", offset };
  if (timestamp !== null) return { kind: "timestamp", timestamp: timeParam(timestamp, "timestamp") };
  return { kind: "newest" };
}

function objectBody(body: unknown, what: string): Record<string, unknown> {
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw new BadRequestError("parsing_exception", `${what} must be a JSON object`);
  return body as Record<string, unknown>;
}

async function createTopic(admin: BrokerAdmin, request: Request, access: HttpAccess): Promise<Response> {
  const body = objectBody(await readJsonBody(request), "The body");
  const { name, partitions, configs } = body;
  if (typeof name !== "string" || name === "") throw new BadRequestError("illegal_argument_exception", 'The body needs "name", the topic name');
  // Kafka's rule: CREATE on the cluster, or on the topic itself.
  if (!access.allowsCluster(Operation.CREATE) && !access.allowsTopic(Operation.CREATE, name)) throw access.denied("POST /api/topics", `CREATE on the cluster or on topic "${name}"`);
  if (partitions !== undefined && !(Number.isSafeInteger(partitions) && (partitions as number) > 0)) {
    throw new BadRequestError("illegal_argument_exception", `"partitions" must be a positive whole number, not ${JSON.stringify(partitions)}`);
  }
  const configMap: Record<string, string> = {};
  if (configs !== undefined) {
    for (const [key, value] of Object.entries(objectBody(configs, '"configs"'))) {
      if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") throw new BadRequestError("illegal_argument_exception", `Config "${key}" must be a string, number or boolean`);
      configMap[key] = String(value);
    }
  }
  await admin.createTopic({ name, ...(partitions === undefined ? {} : { partitions: partitions as number }), configs: configMap }, access.requester);
  return json({ acknowledged: true, topic: name }, 201);
}

function resetTarget(value: unknown): ResetTarget {
  if (value === "earliest" || value === "latest") return { kind: value };
  if (value !== null && typeof value === "object") {
    const target = value as Record<string, unknown>;
    if (Number.isSafeInteger(target.offset)) return { kind: "offset", offset: target.offset as number };
    if (typeof target.timestamp === "string" || typeof target.timestamp === "number") return { kind: "timestamp", timestamp: timeParam(String(target.timestamp), "to.timestamp") };
  }
  throw new BadRequestError("illegal_argument_exception", `"to" must be "earliest", "latest", {"offset": N} or {"timestamp": T}, not ${JSON.stringify(value)}`);
}

async function resetOffsets(admin: BrokerAdmin, groupId: string, request: Request, access: HttpAccess): Promise<Response> {
  const body = objectBody(await readJsonBody(request), "The body");
  if (typeof body.topic !== "string") throw new BadRequestError("illegal_argument_exception", 'The body needs "topic"');
  // What OffsetCommit needs: READ on the group and on the topic.
  access.requireTopic(`POST /api/groups/${groupId}/reset-offsets`, Operation.READ, body.topic);
  const partitions = body.partitions;
  if (partitions !== undefined && !(Array.isArray(partitions) && partitions.every((entry) => Number.isSafeInteger(entry) && entry >= 0))) {
    throw new BadRequestError("illegal_argument_exception", '"partitions" must be a list of partition numbers');
  }
  const offsets = await admin.resetOffsets(groupId, { topic: body.topic, ...(partitions === undefined ? {} : { partitions: partitions as number[] }), to: resetTarget(body.to) });
  return json({ acknowledged: true, group: groupId, topic: body.topic, offsets });
}

/** Events a tail's stream holds for a slow reader before the tail waits for it. */
const tailEventsQueued = 16;

/**
 * A Server-Sent Events stream of new records: `event: records` with a JSON array; comments as
 * heartbeats. When the reader falls tailEventsQueued events behind, the tail waits for it.
 */
function tail(admin: BrokerAdmin, topic: string, partition: number | null, request: Request, openTails: { count: number }): Response {
  admin.describeTopic(topic);
  if (openTails.count >= tailsMax) return errorResponse("too_many_requests", `${tailsMax} live tails are open already`, 503);
  openTails.count++;
  const encoder = new TextEncoder();
  const stopped = new AbortController();
  request.signal.addEventListener("abort", () => stopped.abort(), { once: true });
  /** Wakes the tail when the reader takes an event (or goes away). */
  let wakeWriter: (() => void) | null = null;
  const wake = () => {
    wakeWriter?.();
    wakeWriter = null;
  };
  stopped.signal.addEventListener("abort", wake, { once: true });
  const stream = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const send = (text: string) => {
          try {
            controller.enqueue(encoder.encode(text));
          } catch {
            stopped.abort();
          }
        };
        const sendRecords = async (records: ShownRecord[]) => {
          send(`event: records\ndata: ${JSON.stringify(records)}\n\n`);
          while (!stopped.signal.aborted && (controller.desiredSize ?? 1) <= 0) await new Promise<void>((resolve) => (wakeWriter = resolve));
        };
        send(": following\n\n");
        void admin
          .tail(topic, partition, stopped.signal, sendRecords, () => send(": heartbeat\n\n"))
          .catch((error: unknown) => send(`event: error\ndata: ${JSON.stringify({ reason: (error as Error).message })}\n\n`))
          .finally(() => {
            openTails.count--;
            try {
              controller.close();
            } catch {
              // Already closed by the client going away.
            }
          });
      },
      pull: wake,
      cancel() {
        stopped.abort();
      },
    },
    new CountQueuingStrategy({ highWaterMark: tailEventsQueued }),
  );
  return new Response(stream, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" } });
}

/** The operation Kafka would need for a topic route, by method and sub-path. */
const topicOperations: Record<string, number> = { "GET ": Operation.DESCRIBE, "DELETE ": Operation.DELETE, "GET messages": Operation.READ, "GET tail": Operation.READ };
/** The same for a group route (reset-offsets is OffsetCommit: READ on the group). */
const groupOperations: Record<string, number> = { "GET ": Operation.DESCRIBE, "DELETE ": Operation.DELETE, "POST reset-offsets": Operation.READ };

async function route(admin: BrokerAdmin, request: Request, url: URL, openTails: { count: number }, access: HttpAccess): Promise<Response> {
  const { pathname } = url;
  const method = request.method;
  if (pathname === "/api/overview") return method === "GET" ? json(overviewFor(admin, access)) : methodNotAllowed(request, pathname);
  if (pathname === "/api/topics") {
    if (method === "GET") return json(listedTopics(admin, access));
    if (method === "POST") return await createTopic(admin, request, access);
    return methodNotAllowed(request, pathname);
  }
  if (pathname === "/api/groups") return method === "GET" ? json(listedGroups(admin, access)) : methodNotAllowed(request, pathname);
  const topicMatch = topicPath.exec(pathname);
  if (topicMatch) {
    const name = decodeURIComponent(topicMatch[1]);
    const action = `${method} ${topicMatch[2] ?? ""}`;
    if (topicOperations[action] !== undefined) access.requireTopic(`${method} ${pathname}`, topicOperations[action], name);
    switch (action) {
      case "GET ":
        return json(describedTopic(admin, name, access));
      case "DELETE ":
        await admin.deleteTopic(name, access.requester);
        return json({ acknowledged: true, topic: name });
      case "GET messages": {
        const limit = integerParam(url.searchParams, "limit") ?? 50;
        if (limit < 1 || limit > messagesLimitMax) throw new BadRequestError("illegal_argument_exception", `limit must be between 1 and ${messagesLimitMax}, not ${limit}`);
        return json(await admin.readMessages(name, { partition: partitionParam(url.searchParams), from: messagesFrom(url.searchParams), limit }));
      }
      case "GET tail":
        return tail(admin, name, partitionParam(url.searchParams), request, openTails);
      default:
        return methodNotAllowed(request, pathname);
    }
  }
  const groupMatch = groupPath.exec(pathname);
  if (groupMatch) {
    const groupId = decodeURIComponent(groupMatch[1]);
    const action = `${method} ${groupMatch[2] ?? ""}`;
    if (groupOperations[action] !== undefined) access.requireGroup(`${method} ${pathname}`, groupOperations[action], groupId);
    switch (action) {
      case "GET ":
        return json(describedGroup(admin, groupId, access));
      case "DELETE ":
        await admin.deleteGroup(groupId);
        return json({ acknowledged: true, group: groupId });
      case "POST reset-offsets":
        return await resetOffsets(admin, groupId, request, access);
      default:
        return methodNotAllowed(request, pathname);
    }
  }
  return errorResponse("resource_not_found_exception", `No such endpoint "${pathname}"`, 404);
}

/** The handler of every /api request, with its own bound on open tails; `access` is what the request may do. */
export function adminRoutes(admin: BrokerAdmin): (request: Request, access?: HttpAccess) => Promise<Response> {
  const openTails = { count: 0 };
  return async (request, access = HttpAccess.open) => {
    const url = new URL(request.url);
    try {
      return await route(admin, request, url, openTails, access);
    } catch (error) {
      if (error instanceof AccessDeniedError) return forbidden(error);
      if (error instanceof AdminError) return errorResponse(error.errorName, error.message, statusOf(error.errorCode));
      if (error instanceof BadRequestError) return errorResponse(error.type, error.message, 400);
      if (error instanceof MessagesError) return errorResponse("UNKNOWN_TOPIC_OR_PARTITION", error.message, 404);
      if (error instanceof URIError) return errorResponse("illegal_argument_exception", `Bad percent-encoding in "${url.pathname}"`, 400);
      throw error;
    }
  };
}
