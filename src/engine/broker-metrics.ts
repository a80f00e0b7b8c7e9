// The broker's instruments: requests by API and version with their latency and error codes,
// records and bytes produced and fetched per topic. Handlers and the dispatcher update them
// through the handler context; everything that is state (offsets, lag, connections) is read at
// scrape time by the collectors in broker-collectors.ts instead.

import { batchHeaderSize, batchSizeAt, readBatchHeader, Attributes } from "../records/batch-header.ts";
import { errorName } from "../protocol/errors.ts";
import { type Counter, type Histogram, type HistogramChild, latencyBuckets, type MetricsRegistry } from "../metrics/registry.ts";
import type { FlushObserver } from "../storage/group-commit.ts";

/** How deep a response is searched for error codes (Kafka responses nest three or four levels). */
const errorScanDepthMax = 6;

/** Writes made durable by one group-commit round. */
export const groupCommitBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024] as const;

export interface BrokerTotals {
  producedRecords: number;
  producedBytes: number;
  fetchedRecords: number;
  fetchedBytes: number;
  requests: number;
  requestErrors: number;
}

export class BrokerMetrics implements FlushObserver {
  readonly #now: () => number;
  readonly #requests: Counter;
  readonly #requestSeconds: Histogram;
  readonly #requestErrors: Counter;
  readonly #producedRecords: Counter;
  readonly #producedBytes: Counter;
  readonly #fetchedRecords: Counter;
  readonly #fetchedBytes: Counter;
  readonly #fsyncSeconds: HistogramChild;
  readonly #groupCommitWrites: HistogramChild;

  /** `now` is a monotonic clock in seconds (performance.now() by default). */
  constructor(registry: MetricsRegistry, now: () => number = () => performance.now() / 1000) {
    this.#now = now;
    this.#requests = registry.counter("chronik_requests_total", "Kafka requests answered, by API and version", ["api", "version"]);
    this.#requestSeconds = registry.histogram(
      "chronik_request_duration_seconds",
      "Time from a request's decode to its response (Fetch includes its wait for data, Produce its fsync)",
      ["api"],
      latencyBuckets,
    );
    this.#requestErrors = registry.counter("chronik_request_errors_total", "Error codes in responses (one per partition or resource that failed), by API and Kafka error name", ["api", "error"]);
    this.#producedRecords = registry.counter("chronik_produced_records_total", "Records appended by Produce requests (a producer's retry of a written batch is not counted again)", ["topic"]);
    this.#producedBytes = registry.counter("chronik_produced_bytes_total", "Bytes of record batches appended by Produce requests", ["topic"]);
    this.#fetchedRecords = registry.counter("chronik_fetched_records_total", "Records in the batches Fetch responses returned (control batches excluded)", ["topic"]);
    this.#fetchedBytes = registry.counter("chronik_fetched_bytes_total", "Bytes of record batches Fetch responses returned", ["topic"]);
    this.#fsyncSeconds = registry.histogram("chronik_fsync_duration_seconds", "Time one fsync of a segment file took", [], latencyBuckets).labels();
    this.#groupCommitWrites = registry.histogram("chronik_group_commit_writes", "Writes (appends of any partition) made durable by one group-commit fsync round", [], groupCommitBuckets).labels();
  }

  fsynced(seconds: number): void {
    this.#fsyncSeconds.observe(seconds);
  }

  round(waiters: number): void {
    this.#groupCommitWrites.observe(waiters);
  }

  /** A timestamp to pass to requestDone. */
  now(): number {
    return this.#now();
  }

  /** Counts an answered request, its latency and the error codes in its response. */
  requestDone(api: string, version: number, startedAt: number, response: unknown): void {
    this.#requests.labels(api, String(version)).inc();
    this.#requestSeconds.labels(api).observe(this.#now() - startedAt);
    if (response !== null) this.#countErrors(api, response, 0);
  }

  /** A request that closed the connection instead of being answered. */
  requestFailed(api: string, version: number, startedAt: number): void {
    this.requestDone(api, version, startedAt, null);
    this.#requestErrors.labels(api, "CONNECTION_CLOSED").inc();
  }

  #countErrors(api: string, value: unknown, depth: number): void {
    if (depth > errorScanDepthMax || value === null || typeof value !== "object" || ArrayBuffer.isView(value)) return;
    if (Array.isArray(value)) {
      for (const item of value) this.#countErrors(api, item, depth + 1);
      return;
    }
    for (const [key, field] of Object.entries(value)) {
      if (key === "errorCode") {
        if (typeof field === "number" && field !== 0) this.#requestErrors.labels(api, errorName(field)).inc();
      } else if (typeof field === "object") {
        this.#countErrors(api, field, depth + 1);
      }
    }
  }

  produced(topic: string, records: number, bytes: number): void {
    this.#producedRecords.labels(topic).inc(records);
    this.#producedBytes.labels(topic).inc(bytes);
  }

  /** Counts the records of the stored batches a Fetch returns. */
  fetched(topic: string, batches: Uint8Array): void {
    if (batches.length === 0) return;
    let records = 0;
    for (let position = 0; position + batchHeaderSize <= batches.length; position += batchSizeAt(batches, position)) {
      const header = readBatchHeader(batches, position);
      if ((header.attributes & Attributes.control) === 0) records += header.recordCount;
    }
    this.#fetchedRecords.labels(topic).inc(records);
    this.#fetchedBytes.labels(topic).inc(batches.length);
  }

  /** Totals since start over every topic and API, for the console's rates. */
  totals(): BrokerTotals {
    return {
      producedRecords: this.#producedRecords.total(),
      producedBytes: this.#producedBytes.total(),
      fetchedRecords: this.#fetchedRecords.total(),
      fetchedBytes: this.#fetchedBytes.total(),
      requests: this.#requests.total(),
      requestErrors: this.#requestErrors.total(),
    };
  }

  /** Drops a deleted topic's series. */
  forgetTopic(topic: string): void {
    for (const counter of [this.#producedRecords, this.#producedBytes, this.#fetchedRecords, this.#fetchedBytes]) counter.remove(topic);
  }
}

