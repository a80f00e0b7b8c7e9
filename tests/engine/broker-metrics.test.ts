import { describe, expect, test } from "bun:test";
import { BrokerMetrics } from "../../src/engine/broker-metrics.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { buildMarkerBatch } from "../../src/records/transaction-marker.ts";
import { MetricsRegistry, type MetricFamily } from "../../src/metrics/registry.ts";
import { batchOf, concat } from "./fixtures.ts";

function values(families: MetricFamily[], name: string): Record<string, number> {
  const family = families.find((candidate) => candidate.name === name);
  if (family === undefined || family.kind === "histogram") throw new Error(`No counter or gauge "${name}"`);
  return Object.fromEntries(family.series.map((series) => [series.labels.join("/"), series.value]));
}

function counts(families: MetricFamily[], name: string): Record<string, number> {
  const family = families.find((candidate) => candidate.name === name);
  if (family === undefined || family.kind !== "histogram") throw new Error(`No histogram "${name}"`);
  return Object.fromEntries(family.series.map((series) => [series.labels.join("/"), series.count]));
}

describe("BrokerMetrics", () => {
  test("a request is counted by API and version, timed by the injected clock, and its nested error codes counted by name", async () => {
    const registry = new MetricsRegistry();
    let now = 10;
    const metrics = new BrokerMetrics(registry, () => now);
    const startedAt = metrics.now();
    now = 10.25;
    const response = {
      errorCode: ErrorCode.NONE,
      responses: [{ name: "t", partitionResponses: [{ index: 0, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, records: new Uint8Array([3, 3]) }, { index: 1, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }, { index: 2, errorCode: 0 }] }],
    };
    metrics.requestDone("Produce", 9, startedAt, response);
    metrics.requestDone("Produce", 9, startedAt, null);
    metrics.requestFailed("Fetch", 12, startedAt);
    const families = await registry.gather();
    expect(values(families, "chronik_requests_total")).toEqual({ "Produce/9": 2, "Fetch/12": 1 });
    expect(values(families, "chronik_request_errors_total")).toEqual({ "Produce/UNKNOWN_TOPIC_OR_PARTITION": 2, "Fetch/CONNECTION_CLOSED": 1 });
    const duration = families.find((family) => family.name === "chronik_request_duration_seconds");
    expect(duration?.kind === "histogram" && duration.series.find((series) => series.labels[0] === "Produce")?.sum).toBe(0.5);
  });

  test("fetched records are counted from the batch headers, control batches left out", async () => {
    const registry = new MetricsRegistry();
    const metrics = new BrokerMetrics(registry);
    const marker = buildMarkerBatch({ producerId: 1, producerEpoch: 0, commit: true, coordinatorEpoch: 0 }, 0);
    const bytes = concat(batchOf(["a", "b"]), batchOf(["c"]), marker);
    metrics.fetched("t", bytes);
    metrics.fetched("t", new Uint8Array(0));
    metrics.produced("t", 5, 100);
    const families = await registry.gather();
    expect(values(families, "chronik_fetched_records_total")).toEqual({ t: 3 });
    expect(values(families, "chronik_fetched_bytes_total")).toEqual({ t: bytes.length });
    expect(values(families, "chronik_produced_records_total")).toEqual({ t: 5 });
    metrics.forgetTopic("t");
    expect(values(await registry.gather(), "chronik_produced_records_total")).toEqual({});
  });

  test("fsyncs and group-commit rounds are observed", async () => {
    const registry = new MetricsRegistry();
    const metrics = new BrokerMetrics(registry);
    metrics.fsynced(0.002);
    metrics.round(7);
    metrics.round(1);
    const families = await registry.gather();
    expect(counts(families, "chronik_fsync_duration_seconds")).toEqual({ "": 1 });
    const rounds = families.find((family) => family.name === "chronik_group_commit_writes");
    expect(rounds?.kind === "histogram" && rounds.series[0].sum).toBe(8);
  });
});
