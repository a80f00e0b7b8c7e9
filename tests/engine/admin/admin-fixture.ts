// A BrokerAdmin over in-memory logs and a group coordinator, as the admin API tests use it.

import { BrokerAdmin } from "../../../src/engine/admin/broker-admin.ts";
import { BrokerMetrics } from "../../../src/engine/broker-metrics.ts";
import { MetricsRegistry } from "../../../src/metrics/registry.ts";
import { type GroupFixture, groupFixture } from "../groups/group-fixture.ts";

export interface AdminFixture extends GroupFixture {
  admin: BrokerAdmin;
  metrics: BrokerMetrics;
}

export async function adminFixture(options: { searchAllTopics?: boolean } = {}): Promise<AdminFixture> {
  const groups = await groupFixture();
  const metrics = new BrokerMetrics(new MetricsRegistry());
  const admin = new BrokerAdmin({
    config: groups.config,
    clusterId: "admin-test",
    startedAtMs: 1_000,
    topics: groups.topics,
    groups: groups.coordinator,
    metrics,
    searchAllTopics: options.searchAllTopics ?? false,
    context: () => groups.ctx(0, { metrics }),
    now: () => 61_000,
  });
  return { ...groups, admin, metrics };
}
