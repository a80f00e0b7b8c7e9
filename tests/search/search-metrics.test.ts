import { describe, expect, test } from "bun:test";
import { HistogramChild, MetricsRegistry, type MetricFamily } from "../../src/metrics/registry.ts";
import { registerSearchMetrics } from "../../src/search/search-metrics.ts";
import { indexBatchBuckets, type SearchMetrics } from "../../src/search/search-service.ts";

const workerFigures: SearchMetrics = {
  stats: { partitions: 2, binaryValues: 1, residentBytes: 100, activeBytes: 50, budgetBytes: 1000, evictions: 0, residentIndexes: 3, sealedChunks: 4, mergingPartitions: 0, searchThreads: 1, rssBytes: 1 },
  indexedRecords: 70,
  batchSeconds: new HistogramChild([], indexBatchBuckets).snapshot(),
  cacheHits: 5,
  cacheMisses: 2,
  partitions: [
    { topic: "logs", partition: 0, lagRecords: 10, lagSeconds: 2 },
    { topic: "logs", partition: 1, lagRecords: 5, lagSeconds: 4 },
  ],
};

function valueOf(families: MetricFamily[], name: string): Record<string, number> | undefined {
  const family = families.find((candidate) => candidate.name === name);
  if (family === undefined || family.kind === "histogram") return undefined;
  return Object.fromEntries(family.series.map((series) => [series.labels.join("/"), series.value]));
}

describe("search metrics", () => {
  test("the worker's figures become families: lag per partition and per topic, cache hits and misses", async () => {
    const registry = new MetricsRegistry();
    registerSearchMetrics(registry, { read: async () => workerFigures, partitionSeries: true });
    const families = await registry.gather();
    expect(valueOf(families, "chronik_search_lag_records")).toEqual({ "logs/0": 10, "logs/1": 5 });
    expect(valueOf(families, "chronik_search_topic_lag_records")).toEqual({ logs: 15 });
    expect(valueOf(families, "chronik_search_topic_lag_seconds")).toEqual({ logs: 4 });
    expect(valueOf(families, "chronik_search_indexed_records_total")).toEqual({ "": 70 });
    expect(valueOf(families, "chronik_search_cache_hits_total")).toEqual({ "": 5 });
    expect(valueOf(families, "chronik_search_segments")).toEqual({ "": 4 });
    expect(valueOf(families, "chronik_search_metrics_available")).toEqual({ "": 1 });
  });

  test("per-partition lag can be turned off", async () => {
    const registry = new MetricsRegistry();
    registerSearchMetrics(registry, { read: async () => workerFigures, partitionSeries: false });
    const families = await registry.gather();
    expect(valueOf(families, "chronik_search_lag_records")).toBeUndefined();
    expect(valueOf(families, "chronik_search_topic_lag_records")).toEqual({ logs: 15 });
  });

  test("a worker that does not answer in time leaves its figures out of that scrape", async () => {
    const registry = new MetricsRegistry();
    registerSearchMetrics(registry, { read: () => new Promise(() => {}), partitionSeries: true, waitMs: 20 });
    const families = await registry.gather();
    expect(valueOf(families, "chronik_search_metrics_available")).toEqual({ "": 0 });
    expect(valueOf(families, "chronik_search_indexed_records_total")).toBeUndefined();
  });

  test("searches are timed, and failed ones counted", async () => {
    const registry = new MetricsRegistry();
    const { measure } = registerSearchMetrics(registry, { read: async () => workerFigures, partitionSeries: true });
    expect(await measure(async () => "hits")).toBe("hits");
    await expect(measure(async () => Promise.reject(new Error("bad query")))).rejects.toThrow("bad query");
    const families = await registry.gather();
    const duration = families.find((family) => family.name === "chronik_search_duration_seconds");
    expect(duration?.kind === "histogram" && duration.series[0].count).toBe(2);
    expect(valueOf(families, "chronik_search_failures_total")).toEqual({ "": 1 });
  });
});
