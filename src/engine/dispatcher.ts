// Turns one request frame into one response frame: decode the header, route by API key and
// version, decode the body, call the handler, encode the answer. No sockets here.

import { decodeRequestHeader, type RequestHeader } from "../protocol/headers.ts";
import { encodeResponseFrame } from "../protocol/frames.ts";
import { ErrorCode } from "../protocol/errors.ts";
import { Reader } from "../protocol/reader.ts";
import { ApiVersions } from "../protocol/messages/api-versions.ts";
import { Produce, type ProduceRequest } from "../protocol/messages/produce.ts";
import { SaslAuthenticate } from "../protocol/messages/sasl-authenticate.ts";
import { SaslHandshake } from "../protocol/messages/sasl-handshake.ts";
import type { SaslSession } from "./sasl-session.ts";
import { anonymousPrincipal, type Requester } from "../security/authorizer.ts";
import { authenticationStep } from "./handlers/sasl-authenticate.ts";
import { type Route, routesByKey } from "./api-table.ts";
import { type HandlerContext, schedulerOf } from "./handler-context.ts";
import { failedRequestResponse } from "./error-responses.ts";
import { apiVersionsResponse } from "./handlers/api-versions.ts";

/** What a warning about a request says: the problem, and who asked for what. */
export interface RequestProblem {
  /** The kind of problem, the same for every request that has it ("Unsupported request"). */
  problem: string;
  client: string;
  api: string;
  version: number;
}

/** A request the broker cannot answer; the connection is closed with this reason, as Kafka does. */
export class FatalRequestError extends Error {
  override name = "FatalRequestError";
  readonly request?: RequestProblem;

  constructor(message: string, request?: RequestProblem) {
    super(message);
    this.request = request;
  }
}

function problemOf(problem: string, header: RequestHeader, route?: Route): RequestProblem {
  return { problem, client: header.clientId ?? "", api: route?.name ?? `api key ${header.apiKey}`, version: header.apiVersion };
}

/** Per-request hooks the connection provides. */
export interface RequestSession {
  releaseConnection(): void;
  signal: AbortSignal;
  /** The client's IP address, for DescribeGroups. */
  clientHost?: string;
  /** The connection's SASL state, on a SASL listener. */
  sasl?: SaslSession;
  /** `User:<subject>` of the client's TLS certificate, when it presented one. */
  certificatePrincipal?: string;
}

/** What every handler context shares; the dispatcher adds the per-request parts. */
export type BrokerContext = Omit<HandlerContext, "apiVersion" | "clientId" | "releaseConnection" | "signal" | "clientHost" | "sasl" | "requester">;

/** Who sends this connection's requests: the SASL user, else the certificate's subject, else ANONYMOUS. */
function requesterOf(session: RequestSession): Requester {
  return { principal: session.sasl?.principal ?? session.certificatePrincipal ?? anonymousPrincipal, host: session.clientHost ?? "" };
}

/** What a client may send on a SASL listener before it has authenticated. */
const beforeAuthentication: ReadonlySet<number> = new Set([ApiVersions.apiKey, SaslHandshake.apiKey, SaslAuthenticate.apiKey]);

function describe(header: RequestHeader): string {
  return `api key ${header.apiKey} version ${header.apiVersion} (correlation id ${header.correlationId}, client "${header.clientId ?? ""}")`;
}

/** Kafka's rule: an ApiVersions request of a version we do not know still gets a v0 answer listing ours. */
function unsupportedApiVersions(broker: BrokerContext, header: RequestHeader): Uint8Array {
  const response = apiVersionsResponse(broker, ErrorCode.UNSUPPORTED_VERSION);
  return encodeResponseFrame(header.apiKey, 0, header.correlationId, (writer) => ApiVersions.encodeResponse(writer, 0, response));
}

/**
 * A version we do not advertise but can encode, of an API whose response has a top-level error
 * code: answered with UNSUPPORTED_VERSION. Other layouts have no honest way to say it, so the
 * connection closes instead (as Kafka does for every unsupported request).
 */
function unsupportedVersionResponse(route: Route, header: RequestHeader): Uint8Array | null {
  const { min, max } = route.codecVersions;
  if (header.apiVersion < min || header.apiVersion > max) return null;
  const response = route.errorResponse(header.apiVersion, ErrorCode.UNSUPPORTED_VERSION);
  if (response === null) return null;
  return encodeResponseFrame(header.apiKey, header.apiVersion, header.correlationId, (writer) =>
    route.encodeResponse(writer, header.apiVersion, response),
  );
}

/**
 * A handler bug (or a failure it did not expect) answers that one request with
 * UNKNOWN_SERVER_ERROR and logs the stack; the connection and the requests after it go on.
 * Only an API with no error field anywhere in its response cannot be answered, and closes.
 */
function failedResponse(broker: BrokerContext, route: Route, header: RequestHeader, request: unknown, error: unknown): unknown {
  broker.logger.error("Request failed unexpectedly", {
    api: route.name,
    version: header.apiVersion,
    client: header.clientId ?? "",
    correlationId: header.correlationId,
    error: (error as Error)?.stack ?? String(error),
  });
  // A producer with acks=0 reads no answer, so closing is the only way to tell it (as in Kafka).
  if (header.apiKey === Produce.apiKey && (request as ProduceRequest).acks === 0) {
    throw new FatalRequestError(`Failed acks=0 Produce request, ${describe(header)}`, problemOf("Failed acks=0 request", header, route));
  }
  const response = failedRequestResponse(route, header.apiVersion, request, ErrorCode.UNKNOWN_SERVER_ERROR);
  if (response === null) throw new FatalRequestError(`Cannot answer a failed ${route.name} request, ${describe(header)}: the response has no error field`, problemOf("Failed request", header, route));
  return response;
}

/**
 * A SASL token sent bare after a v0 SaslHandshake (Kafka's original framing: a size prefix, no
 * header), answered bare. A failure closes the connection, as Kafka does for this framing.
 */
async function bareSaslToken(broker: BrokerContext, frame: Uint8Array, session: RequestSession, sasl: SaslSession): Promise<Uint8Array> {
  const ctx: HandlerContext = { ...broker, apiVersion: 0, clientId: null, releaseConnection: session.releaseConnection, signal: session.signal, clientHost: session.clientHost, sasl };
  const step = await authenticationStep(ctx, sasl, frame);
  if (!step.ok) throw new FatalRequestError(`Authentication failed with SASL mechanism ${sasl.mechanism}`);
  const answer = new Uint8Array(4 + step.authBytes.length);
  new DataView(answer.buffer).setInt32(0, step.authBytes.length);
  answer.set(step.authBytes, 4);
  return answer;
}

/** Answers one request frame (the bytes after the size prefix); null when no response is due. */
export async function dispatch(broker: BrokerContext, frame: Uint8Array, session: RequestSession): Promise<Uint8Array | null> {
  if (session.sasl?.bareTokens === true && !session.sasl.authenticated && !session.sasl.failed) return await bareSaslToken(broker, frame, session, session.sasl);
  const reader = new Reader(frame);
  let header: RequestHeader;
  try {
    header = decodeRequestHeader(reader);
  } catch (error) {
    throw new FatalRequestError(`Cannot decode request header: ${(error as Error).message}`);
  }
  const sasl = session.sasl;
  if (sasl !== undefined && (sasl.failed || (!sasl.authenticated && !beforeAuthentication.has(header.apiKey)))) {
    // Kafka closes the connection too: nothing but the handshake is answered before authentication.
    const problem = sasl.failed ? "Request after failed authentication" : "Request before authentication";
    throw new FatalRequestError(`${problem}: ${describe(header)}`, problemOf(problem, header, routesByKey.get(header.apiKey)));
  }
  // KIP-368: a session that ended without re-authentication takes nothing but the re-authentication.
  if (sasl !== undefined && sasl.expired(schedulerOf(broker).now()) && header.apiKey !== SaslHandshake.apiKey && header.apiKey !== SaslAuthenticate.apiKey) {
    const problem = "Request after the SASL session expired";
    throw new FatalRequestError(`${problem}: ${describe(header)}`, problemOf(problem, header, routesByKey.get(header.apiKey)));
  }
  const route = routesByKey.get(header.apiKey);
  const supported = route && header.apiVersion >= route.minVersion && header.apiVersion <= route.maxVersion;
  if (!supported) {
    session.releaseConnection();
    if (header.apiKey === ApiVersions.apiKey) return unsupportedApiVersions(broker, header);
    const answer = route ? unsupportedVersionResponse(route, header) : null;
    if (answer) return answer;
    throw new FatalRequestError(`Unsupported request: ${describe(header)}`, problemOf("Unsupported request", header, route));
  }
  broker.logger.debug("Request", { api: route.name, version: header.apiVersion, client: header.clientId });
  let request: unknown;
  try {
    request = route.decodeRequest(reader, header.apiVersion);
  } catch (error) {
    throw new FatalRequestError(`Cannot decode ${route.name} request, ${describe(header)}: ${(error as Error).message}`, problemOf("Request body does not decode", header, route));
  }
  const ctx: HandlerContext = {
    ...broker,
    apiVersion: header.apiVersion,
    clientId: header.clientId,
    releaseConnection: session.releaseConnection,
    signal: session.signal,
    clientHost: session.clientHost,
    ...(sasl === undefined ? {} : { sasl }),
    requester: requesterOf(session),
  };
  const startedAt = broker.metrics?.now() ?? 0;
  let response: unknown;
  try {
    response = await route.handle(request, ctx);
  } catch (error) {
    if (error instanceof FatalRequestError) {
      broker.metrics?.requestFailed(route.name, header.apiVersion, startedAt);
      throw error;
    }
    response = failedResponse(broker, route, header, request, error);
  }
  broker.metrics?.requestDone(route.name, header.apiVersion, startedAt, response);
  if (response === null) return null;
  return encodeResponseFrame(header.apiKey, header.apiVersion, header.correlationId, (writer) =>
    route.encodeResponse(writer, header.apiVersion, response),
  );
}

