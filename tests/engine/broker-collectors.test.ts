import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrokerState, connectionFamilies, diskFamilies, groupFamilies, partitionFamilies } from "../../src/engine/broker-collectors.ts";
import type { MetricFamily } from "../../src/metrics/registry.ts";
import { batchOf } from "./fixtures.ts";
import { type GroupFixture, groupFixture } from "./groups/group-fixture.ts";

let fixture: GroupFixture;
afterEach(() => fixture?.coordinator.close());

function seriesOf(families: MetricFamily[], name: string): Record<string, number> | undefined {
  const family = families.find((candidate) => candidate.name === name);
  if (family === undefined || family.kind === "histogram") return undefined;
  return Object.fromEntries(family.series.map((series) => [series.labels.join("/"), series.value]));
}

async function stateWithData(partitionSeries: boolean): Promise<BrokerState> {
  fixture = await groupFixture();
  const topic = await fixture.topics.create("orders", 2);
  await topic.partitions[0].append(batchOf(["a", "b", "c", "d", "e"]));
  await topic.partitions[1].append(batchOf(["f", "g"]));
  const commit = { memberId: "", groupInstanceId: null, generationId: -1 };
  await fixture.coordinator.commitOffsets("readers", commit, [
    { topic: "orders", partition: 0, offset: 2, leaderEpoch: -1, metadata: null },
    { topic: "orders", partition: 1, offset: 2, leaderEpoch: -1, metadata: null },
  ]);
  return { topics: fixture.topics, groups: fixture.coordinator, connections: () => ({ open: 2, accepted: 9 }), dataDir: tmpdir(), partitionSeries };
}

describe("broker collectors", () => {
  test("per partition: log start and end offsets, size and segments; per topic: partitions, size and offsets", async () => {
    const families = partitionFamilies(await stateWithData(true));
    expect(seriesOf(families, "chronik_partition_log_end_offset")).toMatchObject({ "orders/0": 5, "orders/1": 2 });
    expect(seriesOf(families, "chronik_partition_log_start_offset")).toMatchObject({ "orders/0": 0, "orders/1": 0 });
    expect(seriesOf(families, "chronik_partition_size_bytes")!["orders/0"]).toBe(batchOf(["a", "b", "c", "d", "e"]).length);
    expect(seriesOf(families, "chronik_topic_partitions")).toMatchObject({ orders: 2 });
    expect(seriesOf(families, "chronik_topic_offsets")).toMatchObject({ orders: 7 });
    expect(seriesOf(families, "chronik_under_replicated_partitions")).toEqual({ "": 0 });
  });

  test("group lag is the high watermark minus the committed offset, per partition and per topic", async () => {
    const families = groupFamilies(await stateWithData(true));
    expect(seriesOf(families, "chronik_group_lag")).toEqual({ "readers/orders/0": 3, "readers/orders/1": 0 });
    expect(seriesOf(families, "chronik_group_topic_lag")).toEqual({ "readers/orders": 3 });
    expect(seriesOf(families, "chronik_group_members")).toEqual({ readers: 0 });
    expect(seriesOf(families, "chronik_group_state")).toEqual({ "readers/Empty": 1 });
  });

  test("with per-partition series off, only totals are exposed", async () => {
    const state = await stateWithData(false);
    const families = [...partitionFamilies(state), ...groupFamilies(state)];
    expect(families.filter((family) => family.name.startsWith("chronik_partition_") || family.name === "chronik_group_lag")).toEqual([]);
    expect(seriesOf(families, "chronik_group_topic_lag")).toEqual({ "readers/orders": 3 });
  });

  test("connections and the disk under the data folder", () => {
    const dir = mkdtempSync(join(tmpdir(), "chronik-disk-"));
    try {
      const state = { connections: () => ({ open: 2, accepted: 9 }), dataDir: dir } as BrokerState;
      expect(seriesOf(connectionFamilies(state), "chronik_connections")).toEqual({ "": 2 });
      expect(seriesOf(connectionFamilies(state), "chronik_connections_accepted_total")).toEqual({ "": 9 });
      const disk = diskFamilies(state);
      const free = seriesOf(disk, "chronik_disk_free_bytes")![""];
      expect(free).toBeGreaterThan(0);
      expect(free).toBeLessThanOrEqual(seriesOf(disk, "chronik_disk_size_bytes")![""]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
