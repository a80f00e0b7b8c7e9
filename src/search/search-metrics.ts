// Search in /metrics: how long searches take (measured on the broker's thread, as a caller sees
// it), and what the search worker reports at scrape time: records indexed, index lag per
// partition, memory, the query threads' cache of open index chunks, and chunk counts.

import { histogramFamily, latencyBuckets, type MetricFamily, type MetricsRegistry, valueFamily } from "../metrics/registry.ts";
import { indexBatchBuckets, type SearchMetrics } from "./search-service.ts";

/** Longest a scrape waits for the search worker; its figures are left out of that scrape beyond it. */
export const searchMetricsWaitMs = 5_000;

export interface SearchMetricsOptions {
  /** Reads the worker's figures (SearchWorkerClient.metrics). */
  read(): Promise<SearchMetrics>;
  /** Lag per partition; off leaves per-topic totals. */
  partitionSeries: boolean;
  /** Longest wait for `read` per scrape (searchMetricsWaitMs by default). */
  waitMs?: number;
}

/** Registers the search families and returns a wrapper that times each search through it. */
export function registerSearchMetrics(registry: MetricsRegistry, options: SearchMetricsOptions) {
  const seconds = registry.histogram("chronik_search_duration_seconds", "Time to answer a search request (from the HTTP API), failed ones included", [], latencyBuckets).labels();
  const failures = registry.counter("chronik_search_failures_total", "Search requests that failed: a bad query, an unknown topic, or an error", []).labels();
  registry.collect(async () => {
    const metrics = await readWithin(options.read, options.waitMs ?? searchMetricsWaitMs);
    return metrics === null ? [valueFamily("gauge", "chronik_search_metrics_available", "1 when the search worker answered this scrape in time", [], [{ labels: [], value: 0 }])] : searchFamilies(metrics, options.partitionSeries);
  });
  return {
    /** Runs `search`, timing it. */
    async measure<T>(search: () => Promise<T>): Promise<T> {
      const startedAt = performance.now();
      try {
        return await search();
      } catch (error) {
        failures.inc();
        throw error;
      } finally {
        seconds.observe((performance.now() - startedAt) / 1000);
      }
    },
  };
}

async function readWithin(read: () => Promise<SearchMetrics>, waitMs: number): Promise<SearchMetrics | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), waitMs)));
  try {
    return await Promise.race([read().catch(() => null), late]);
  } finally {
    clearTimeout(timer);
  }
}

function searchFamilies(metrics: SearchMetrics, partitionSeries: boolean): MetricFamily[] {
  const { stats } = metrics;
  const one = (value: number) => [{ labels: [], value }];
  const topicLag = new Map<string, { records: number; seconds: number }>();
  for (const { topic, lagRecords, lagSeconds } of metrics.partitions) {
    const lag = topicLag.get(topic) ?? { records: 0, seconds: 0 };
    topicLag.set(topic, { records: lag.records + lagRecords, seconds: Math.max(lag.seconds, lagSeconds) });
  }
  const families = [
    valueFamily("gauge", "chronik_search_metrics_available", "1 when the search worker answered this scrape in time", [], one(1)),
    valueFamily("counter", "chronik_search_indexed_records_total", "Records added to search indexes since start", [], one(metrics.indexedRecords)),
    histogramFamily("chronik_search_index_batch_duration_seconds", "Time to index one record batch on the indexing thread", [], indexBatchBuckets, [metrics.batchSeconds]),
    valueFamily("gauge", "chronik_search_partitions", "Partitions being indexed", [], one(stats.partitions)),
    valueFamily("gauge", "chronik_search_resident_bytes", "Heap bytes of open sealed index chunks (their files are mapped, not loaded)", [], one(stats.residentBytes)),
    valueFamily("gauge", "chronik_search_live_bytes", "Heap bytes of the in-memory (live) index segments", [], one(stats.activeBytes)),
    valueFamily("gauge", "chronik_search_memory_budget_bytes", "--search-memory-mb in bytes", [], one(stats.budgetBytes)),
    valueFamily("gauge", "chronik_search_segments", "Sealed index chunks of all partitions (merging keeps this small)", [], one(stats.sealedChunks)),
    valueFamily("gauge", "chronik_search_open_segments", "Sealed index chunks the query threads hold open", [], one(stats.residentIndexes)),
    valueFamily("counter", "chronik_search_cache_hits_total", "Sealed chunks a search found open on its query thread", [], one(metrics.cacheHits)),
    valueFamily("counter", "chronik_search_cache_misses_total", "Sealed chunks a search had to open", [], one(metrics.cacheMisses)),
    valueFamily("counter", "chronik_search_cache_evictions_total", "Open chunks closed to stay within the query threads' bound", [], one(stats.evictions)),
    valueFamily("gauge", "chronik_search_merging_partitions", "Partitions with an index merge running or due", [], one(stats.mergingPartitions)),
    valueFamily("counter", "chronik_search_binary_values_total", "Record values indexed without their text because they are not UTF-8", [], one(stats.binaryValues)),
    valueFamily("gauge", "chronik_search_topic_lag_records", "Committed records of a topic not yet searchable", ["topic"], [...topicLag].map(([topic, lag]) => ({ labels: [topic], value: lag.records }))),
    valueFamily("gauge", "chronik_search_topic_lag_seconds", "Longest time any partition of the topic has been behind its log (0 when all are caught up)", ["topic"], [...topicLag].map(([topic, lag]) => ({ labels: [topic], value: lag.seconds }))),
  ];
  if (partitionSeries) {
    const labels = ["topic", "partition"];
    families.push(
      valueFamily("gauge", "chronik_search_lag_records", "Committed records of the partition not yet searchable", labels, metrics.partitions.map((entry) => ({ labels: [entry.topic, String(entry.partition)], value: entry.lagRecords }))),
      valueFamily("gauge", "chronik_search_lag_seconds", "How long indexing of the partition has been behind its log (0 when caught up)", labels, metrics.partitions.map((entry) => ({ labels: [entry.topic, String(entry.partition)], value: entry.lagSeconds }))),
    );
  }
  return families;
}
