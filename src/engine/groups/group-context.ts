// What group handlers share: the coordinator from the context, group id checks, and the client
// host DescribeGroups reports.

import { ErrorCode } from "../../protocol/errors.ts";
import type { HandlerContext } from "../handler-context.ts";
import type { GroupCoordinator } from "./group-coordinator.ts";

/** The coordinator, or null when this broker runs without one (COORDINATOR_NOT_AVAILABLE). */
export function coordinatorOf(ctx: HandlerContext): GroupCoordinator | null {
  return ctx.groups ?? null;
}

/** Kafka's rule: a group id must not be empty. */
export function groupIdProblem(groupId: string | null | undefined): number {
  return groupId ? ErrorCode.NONE : ErrorCode.INVALID_GROUP_ID;
}

/** The client's address as Kafka prints it ("/127.0.0.1"), or "" when unknown. */
export function clientHostOf(ctx: HandlerContext): string {
  return ctx.clientHost ? `/${ctx.clientHost}` : "";
}
