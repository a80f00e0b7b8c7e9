// What handlers ask before they act: may this request's principal perform the operation on the
// resource? Without an authorizer (no listener authenticates) everything is allowed.

import { anonymousPrincipal, type Requester } from "../security/authorizer.ts";
import { clusterResourceName, Operation, ResourceType } from "../security/acl.ts";
import type { HandlerContext } from "./handler-context.ts";

export { Operation, ResourceType };

type AccessContext = Pick<HandlerContext, "authorizer" | "requester">;

function requesterOf(ctx: AccessContext): Requester {
  return ctx.requester ?? { principal: anonymousPrincipal, host: "" };
}

export function allowed(ctx: AccessContext, operation: number, resourceType: number, resourceName: string): boolean {
  return ctx.authorizer === undefined || ctx.authorizer.authorize(requesterOf(ctx), operation, resourceType, resourceName);
}

export function clusterAllowed(ctx: AccessContext, operation: number): boolean {
  return allowed(ctx, operation, ResourceType.CLUSTER, clusterResourceName);
}

/** May the principal perform `operation` on some resource of the type (e.g. WRITE to any topic)? */
export function allowedOnAny(ctx: AccessContext, operation: number, resourceType: number): boolean {
  return ctx.authorizer === undefined || ctx.authorizer.authorizeAny(requesterOf(ctx), operation, resourceType);
}

export function topicAllowed(ctx: AccessContext, operation: number, topic: string): boolean {
  return allowed(ctx, operation, ResourceType.TOPIC, topic);
}

export function groupAllowed(ctx: AccessContext, operation: number, group: string): boolean {
  return allowed(ctx, operation, ResourceType.GROUP, group);
}

export function transactionalIdAllowed(ctx: AccessContext, operation: number, transactionalId: string): boolean {
  return allowed(ctx, operation, ResourceType.TRANSACTIONAL_ID, transactionalId);
}

/** Kafka's rule for creating a topic: CREATE on the cluster, or on the topic itself. */
export function createTopicAllowed(ctx: AccessContext, topic: string): boolean {
  return clusterAllowed(ctx, Operation.CREATE) || topicAllowed(ctx, Operation.CREATE, topic);
}
