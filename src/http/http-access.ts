// Who an HTTP request comes from and what it may do. When the broker authenticates (some
// listener is SASL_* or SSL with --tls-ca), every request but /health, /ready and the console's
// files carries HTTP Basic credentials of a SCRAM user, and each route asks the broker's
// authorizer what Kafka would ask for the same thing: READ on a topic to search or read it,
// DESCRIBE on the cluster for /metrics, and so on. Refusals have Elasticsearch's shape: 401
// security_exception with a WWW-Authenticate challenge (which makes a browser ask for a user), or
// 403 security_exception naming the action and what it needs.

import { type Logger, WarningLimiter } from "../logger.ts";
import { clusterResourceName, nameOf, Operation, ResourceType } from "../security/acl.ts";
import type { Authorizer, Requester } from "../security/authorizer.ts";
import { connectionWarningKeysMax, connectionWarningWindowMs } from "../engine/kafka-listener.ts";
import { BasicAuthenticator, type CredentialSource } from "./basic-auth.ts";
import { errorResponse } from "./responses.ts";

export const basicChallenge = 'Basic realm="chronik", charset="UTF-8"';
const securityException = "security_exception";

/** A route refused the request: the message is the 403's reason. */
export class AccessDeniedError extends Error {
  override name = "AccessDeniedError";
}

const resourceWords: Record<number, string> = { [ResourceType.TOPIC]: "topic", [ResourceType.GROUP]: "group", [ResourceType.CLUSTER]: "cluster" };

/** "READ on topic "orders"", "DESCRIBE on the cluster": what a refusal says is needed. */
export function describeNeed(operation: number, resourceType: number, resourceName: string): string {
  const what = resourceType === ResourceType.CLUSTER ? "the cluster" : `${resourceWords[resourceType] ?? nameOf(ResourceType, resourceType)} "${resourceName}"`;
  return `${nameOf(Operation, operation)} on ${what}`;
}

/** What one request may do: everything when the broker does not authenticate, else what the ACLs allow its principal. */
export class HttpAccess {
  /** Access of a broker that authenticates nobody: everything is allowed. */
  static readonly open = new HttpAccess(undefined, null);
  readonly #authorizer: Authorizer | undefined;
  readonly #requester: Requester | null;

  constructor(authorizer: Authorizer | undefined, requester: Requester | null) {
    this.#authorizer = authorizer;
    this.#requester = requester;
  }

  /** Who asks, for the handlers behind the admin API; undefined when the broker authenticates nobody. */
  get requester(): Requester | undefined {
    return this.#requester ?? undefined;
  }

  /** `User:alice`, or null when nobody is authenticated. */
  get principal(): string | null {
    return this.#requester?.principal ?? null;
  }

  allows(operation: number, resourceType: number, resourceName: string): boolean {
    if (this.#authorizer === undefined) return true;
    return this.#requester !== null && this.#authorizer.authorize(this.#requester, operation, resourceType, resourceName);
  }

  allowsTopic(operation: number, topic: string): boolean {
    return this.allows(operation, ResourceType.TOPIC, topic);
  }

  allowsGroup(operation: number, group: string): boolean {
    return this.allows(operation, ResourceType.GROUP, group);
  }

  allowsCluster(operation: number): boolean {
    return this.allows(operation, ResourceType.CLUSTER, clusterResourceName);
  }

  /** Throws AccessDeniedError unless `operation` on the resource is allowed; `action` names the request in the refusal. */
  require(action: string, operation: number, resourceType: number, resourceName: string): void {
    if (!this.allows(operation, resourceType, resourceName)) throw this.denied(action, describeNeed(operation, resourceType, resourceName));
  }

  requireTopic(action: string, operation: number, topic: string): void {
    this.require(action, operation, ResourceType.TOPIC, topic);
  }

  requireGroup(action: string, operation: number, group: string): void {
    this.require(action, operation, ResourceType.GROUP, group);
  }

  requireCluster(action: string, operation: number): void {
    this.require(action, operation, ResourceType.CLUSTER, clusterResourceName);
  }

  /** The refusal of `action`, as Elasticsearch words it, with what it needs. */
  denied(action: string, needs: string): AccessDeniedError {
    const user = (this.principal ?? "").replace(/^User:/, "");
    return new AccessDeniedError(`action [${action}] is unauthorized for user [${user}]: it needs ${needs}`);
  }
}

/** 401 with the challenge that makes browsers ask for a user and password. */
export function unauthenticated(reason: string): Response {
  const response = errorResponse(securityException, reason, 401);
  response.headers.set("www-authenticate", basicChallenge);
  return response;
}

export function forbidden(error: AccessDeniedError): Response {
  return errorResponse(securityException, error.message, 403);
}

export interface HttpSecurityOptions {
  authorizer: Authorizer;
  users: CredentialSource;
  logger: Logger;
  /** Milliseconds since the epoch (Date.now unless told). */
  clock?: () => number;
  /** Waits before a failed authentication's answer (see BasicAuthenticator). */
  delay?: (ms: number) => Promise<void>;
}

/** The gate every guarded request passes: authenticates it, and gives its routes what it may do. */
export class HttpSecurity {
  readonly #authorizer: Authorizer;
  readonly #failures: WarningLimiter;
  readonly authenticator: BasicAuthenticator;

  constructor(options: HttpSecurityOptions) {
    const clock = options.clock ?? Date.now;
    this.#authorizer = options.authorizer;
    this.#failures = new WarningLimiter(options.logger.child("security"), { clock, windowMs: connectionWarningWindowMs, keysMax: connectionWarningKeysMax });
    this.authenticator = new BasicAuthenticator({ users: options.users, clock, failures: this.#failures, ...(options.delay === undefined ? {} : { delay: options.delay }) });
  }

  /** The request's access, or the 401 to answer instead. `clientHost` is matched against ACL hosts. */
  async admit(request: Request, pathname: string, clientHost: string): Promise<HttpAccess | Response> {
    const outcome = await this.authenticator.authenticate(request.headers.get("authorization"), clientHost);
    switch (outcome.kind) {
      case "authenticated":
        return new HttpAccess(this.#authorizer, { principal: `User:${outcome.user}`, host: clientHost });
      case "missing":
        return unauthenticated(`missing authentication credentials for REST request [${pathname}]`);
      case "refused":
        return unauthenticated(`unable to authenticate user [${outcome.user}] for REST request [${pathname}]`);
    }
  }

  /** Reports how many failures were not logged, when their window ends. */
  flushFailures(): void {
    this.#failures.flush();
  }
}
