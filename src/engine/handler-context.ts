// What a handler may use. Handlers are `(request, ctx) => response`: they never see a socket,
// so tests call them directly with a context they build.

import type { Logger, WarningLimiter } from "../logger.ts";
import type { UserStore } from "../security/user-store.ts";
import type { Authorizer, Requester } from "../security/authorizer.ts";
import type { SaslMechanism, SaslSession } from "./sasl-session.ts";
import type { BrokerConfig } from "./broker-config.ts";
import type { BrokerMetrics } from "./broker-metrics.ts";
import type { GroupCoordinator } from "./groups/group-coordinator.ts";
import { type Scheduler, systemScheduler } from "./groups/scheduler.ts";
import type { ProducerIdAllocator } from "./producer-ids.ts";
import type { TransactionCoordinator } from "./transactions/transaction-coordinator.ts";
import type { TopicRegistry } from "./topic-registry.ts";

export interface AdvertisedApi {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

export interface HandlerContext {
  apiVersion: number;
  clientId: string | null;
  config: BrokerConfig;
  clusterId: string;
  topics: TopicRegistry;
  /** The group coordinator; absent in contexts built without one (group APIs then answer COORDINATOR_NOT_AVAILABLE). */
  groups?: GroupCoordinator;
  /** Gives idempotent producers their ids; absent in contexts built without one (InitProducerId then answers COORDINATOR_NOT_AVAILABLE). */
  producerIds?: ProducerIdAllocator;
  /** The transaction coordinator; absent in contexts built without one (transaction APIs then answer COORDINATOR_NOT_AVAILABLE). */
  transactions?: TransactionCoordinator;
  /** The client's IP address, when the connection knows it (DescribeGroups reports it). */
  clientHost?: string;
  /** The connection's SASL state, on a SASL listener. */
  sasl?: SaslSession;
  /** SASL mechanisms this broker enables (SaslHandshake lists them). */
  saslMechanisms?: readonly SaslMechanism[];
  /** The users SASL checks. */
  users?: UserStore;
  /** Checks every request against the ACLs; absent when no listener authenticates (everything is allowed). */
  authorizer?: Authorizer;
  /** Who sent this request, for the authorizer. */
  requester?: Requester;
  /** Where failed authentications are logged, once a window per client address. */
  authFailures?: WarningLimiter;
  /** What Metadata and FindCoordinator tell this connection's client: its listener's advertised address (config's when absent). */
  advertised?: { host: string; port: number };
  logger: Logger;
  /** Milliseconds since the epoch (injected so tests can move time; Date.now when absent). */
  now?: () => number;
  /** Runs a callback once after a delay on the same clock as `now` (setTimeout when absent); returns its cancel. */
  schedule?: Scheduler["schedule"];
  /** Counts requests, records and bytes for /metrics; absent when metrics are off. */
  metrics?: BrokerMetrics;
  /** The API keys and versions this broker advertises (for ApiVersions). */
  advertisedApis: readonly AdvertisedApi[];
  /**
   * Lets the connection start on its next request before this one's response is ready.
   * Produce calls it once its appends are issued (their order is fixed), so pipelined produces
   * share one group-commit fsync instead of waiting for one each.
   */
  releaseConnection(): void;
  /** Aborted when the connection closes or the broker shuts down; long polls end early on it. */
  signal: AbortSignal;
}

/** The address this request's client is told to connect to. */
export function advertisedAddress(ctx: HandlerContext): { host: string; port: number } {
  return ctx.advertised ?? { host: ctx.config.advertisedHost, port: ctx.config.advertisedPort };
}

/**
 * The clock and timers handlers use (a produce's LogAppendTime, a fetch's max wait, a failed
 * authentication's delay): the context's, else the system's.
 */
export function schedulerOf(ctx: Pick<HandlerContext, "now" | "schedule">): Scheduler {
  return { now: ctx.now ?? systemScheduler.now, schedule: ctx.schedule ?? systemScheduler.schedule };
}

/** A handler answers one decoded request; `null` means send no response (Produce with acks=0). */
export type Handler<Request, Response> = (request: Request, ctx: HandlerContext) => Promise<Response | null>;
