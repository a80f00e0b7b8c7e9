// A coordinator over in-memory logs with a manual clock, and helpers to drive classic members.

import { GroupCoordinator } from "../../../src/engine/groups/group-coordinator.ts";
import { ClassicGroup, type JoinParams } from "../../../src/engine/groups/classic-group.ts";
import { silentLogger } from "../../../src/logger.ts";
import { engineFixture, type EngineFixture } from "../fixtures.ts";
import { ManualScheduler } from "./manual-scheduler.ts";

export interface GroupFixture extends EngineFixture {
  scheduler: ManualScheduler;
  coordinator: GroupCoordinator;
  /** Opens a second coordinator over the same logs, as a restarted broker would. */
  reopen(): Promise<GroupCoordinator>;
}

export const testSessionTimeoutMs = 6_000;
/** Members starting together join one rebalance: tests advance the clock past this after their joins. */
export const testInitialDelayMs = 100;

export async function groupFixture(config: Record<string, number> = {}): Promise<GroupFixture> {
  const engine = await engineFixture({ config: { groupInitialRebalanceDelayMs: testInitialDelayMs, ...config } });
  const scheduler = new ManualScheduler();
  const coordinator = await GroupCoordinator.open(engine.topics, engine.config, { logger: silentLogger, scheduler });
  const fixture: GroupFixture = {
    ...engine,
    scheduler,
    coordinator,
    reopen: () => GroupCoordinator.open(engine.topics, engine.config, { logger: silentLogger, scheduler }),
  };
  const ctx = engine.ctx;
  fixture.ctx = (apiVersion, overrides = {}) => ctx(apiVersion, { groups: coordinator, ...overrides });
  return fixture;
}

export function joinParams(overrides: Partial<JoinParams> = {}): JoinParams {
  return {
    memberId: "",
    groupInstanceId: null,
    clientId: "test",
    clientHost: "/127.0.0.1",
    sessionTimeoutMs: testSessionTimeoutMs,
    rebalanceTimeoutMs: 10_000,
    protocolType: "consumer",
    protocols: [{ name: "range", metadata: new Uint8Array([1, 2, 3]) }],
    requireKnownMemberId: false,
    ...overrides,
  };
}

export function classic(coordinator: GroupCoordinator, groupId: string): ClassicGroup {
  const group = coordinator.classicGroup(groupId, true);
  if (!(group instanceof ClassicGroup)) throw new Error(`Group "${groupId}" is not classic`);
  return group;
}
