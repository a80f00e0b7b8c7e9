// The producer: records go into an open batch per partition, which closes when it holds
// `batchBytes` or has waited `lingerMs`; closed batches are encoded (and compressed) once and
// handed to the sender (producer-sender.ts), which ships them to partition leaders.
// Every record's promise settles with its partition and offset, or with the error that made
// its batch fail. Memory is bounded: `bufferFull` turns true past `bufferBytesMax`, and
// `waitForCapacity()` lets a caller pause until batches have been delivered.

import type { RecordHeader } from "../records/record.ts";
import { buildRecordBatch, type RecordInput } from "../records/build-batch.ts";
import { CompressionCodec } from "../records/compression/index.ts";
import type { Cluster } from "./cluster.ts";
import { ClientError } from "./errors.ts";
import { Partitioner } from "./partitioner.ts";
import { type ClosedBatch, ProducerSender } from "./producer-sender.ts";
import { defaultRetryOptions, type RetryOptions } from "./retry.ts";

export interface ProducerRecord {
  topic: string;
  /** Chosen by the partitioner when absent. */
  partition?: number;
  key?: Uint8Array | null;
  value: Uint8Array | null;
  headers?: RecordHeader[];
  /** Milliseconds since the epoch; now when absent. */
  timestamp?: number;
}

export interface RecordMetadata {
  topic: string;
  partition: number;
  /** The record's offset; -1 with acks 0, where the broker does not say. */
  offset: number;
}

/** 0: do not wait for the broker; 1: the leader wrote it; -1: all in-sync replicas have it. */
export type Acks = 0 | 1 | -1;

export interface ProducerOptions {
  acks: Acks;
  compression: CompressionCodec;
  /** How long a batch waits for more records before it is sent. */
  lingerMs: number;
  /** A batch closes once its records reach this many bytes (before compression). */
  batchBytes: number;
  /** Records buffered but not yet delivered, in bytes, past which `bufferFull` is true. */
  bufferBytesMax: number;
  /** How long the broker may take to meet `acks` (the Produce request's timeout_ms). */
  ackTimeoutMs: number;
  /** Largest Produce request; several partitions' batches share one request up to this size. */
  requestBytesMax: number;
  /** Create unknown topics on first use, if the broker allows it. */
  allowAutoTopicCreation: boolean;
  retry: RetryOptions;
}

export const defaultProducerOptions: ProducerOptions = {
  acks: -1,
  compression: CompressionCodec.none,
  lingerMs: 5,
  batchBytes: 1_000_000,
  bufferBytesMax: 64 * 1024 * 1024,
  ackTimeoutMs: 30_000,
  requestBytesMax: 16 * 1024 * 1024,
  allowAutoTopicCreation: true,
  retry: { ...defaultRetryOptions, attempts: 10 },
};

/** Bytes a record adds to a batch besides key, value and headers (varint lengths, deltas), rounded up. */
const recordOverheadBytes = 24;

interface OpenBatch {
  records: RecordInput[];
  bytes: number;
  delivered: Promise<number>;
  resolve(baseOffset: number): void;
  reject(error: Error): void;
  lingerTimer: ReturnType<typeof setTimeout>;
}

interface Capacity {
  bytes: number;
  waiters: Array<() => void>;
}

export class Producer {
  readonly options: ProducerOptions;
  readonly #cluster: Cluster;
  readonly #partitioner: Partitioner;
  readonly #sender: ProducerSender;
  readonly #open = new Map<string, OpenBatch>();
  readonly #partitionCounts = new Map<string, number>();
  /** Topics whose metadata is being fetched, with the records waiting for it. */
  readonly #awaitingMetadata = new Map<string, Promise<void>>();
  readonly #unsettled = new Set<Promise<unknown>>();
  readonly #capacity: Capacity = { bytes: 0, waiters: [] };
  #closed = false;

  constructor(cluster: Cluster, options: Partial<ProducerOptions> = {}) {
    this.#cluster = cluster;
    this.options = { ...defaultProducerOptions, ...options };
    this.#partitioner = new Partitioner({ stickyBytes: this.options.batchBytes });
    this.#sender = new ProducerSender(cluster, this.options);
  }

  /** True while more than `bufferBytesMax` bytes of records await delivery. */
  get bufferFull(): boolean {
    return this.#capacity.bytes >= this.options.bufferBytesMax;
  }

  /** Resolves once the buffered bytes are below `bufferBytesMax`. */
  waitForCapacity(): Promise<void> {
    if (!this.bufferFull) return Promise.resolve();
    return new Promise((resolve) => this.#capacity.waiters.push(resolve));
  }

  /** Queues a record; the promise settles when the broker has it (or the batch failed for good). */
  send(record: ProducerRecord): Promise<RecordMetadata> {
    if (this.#closed) return Promise.reject(new ClientError("Cannot send: the producer is closed"));
    const partitionCount = this.#partitionCounts.get(record.topic);
    if (partitionCount !== undefined) return this.#append(record, partitionCount);
    let metadata = this.#awaitingMetadata.get(record.topic);
    if (metadata === undefined) {
      metadata = this.#loadTopic(record.topic);
      this.#awaitingMetadata.set(record.topic, metadata);
      this.#track(metadata);
    }
    return metadata.then(() => this.#append(record, this.#partitionCounts.get(record.topic) ?? 0));
  }

  /** Sends every buffered record now and resolves when all records sent so far have settled. */
  async flush(): Promise<void> {
    while (this.#unsettled.size > 0) {
      for (const key of [...this.#open.keys()]) this.#close(key);
      await Promise.allSettled([...this.#unsettled]);
    }
  }

  /** Flushes, then refuses further records. The cluster's connections stay open (they are the caller's). */
  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
  }

  async #loadTopic(topic: string): Promise<void> {
    try {
      const info = await this.#cluster.topic(topic, { allowAutoTopicCreation: this.options.allowAutoTopicCreation });
      this.#partitionCounts.set(topic, info.partitions.length);
    } finally {
      this.#awaitingMetadata.delete(topic);
    }
  }

  #append(record: ProducerRecord, partitionCount: number): Promise<RecordMetadata> {
    const { topic } = record;
    const key = record.key ?? null;
    const bytes = recordBytes(record);
    const partition = record.partition ?? this.#partitioner.partition(topic, key, bytes, partitionCount);
    if (!Number.isInteger(partition) || partition < 0 || partition >= partitionCount) {
      return Promise.reject(new ClientError(`Partition ${partition} of topic "${topic}" does not exist: the topic has ${partitionCount} partitions`));
    }
    const batchKey = `${partition}:${topic}`;
    let batch = this.#open.get(batchKey);
    if (batch !== undefined && batch.bytes + bytes > this.options.batchBytes && batch.records.length > 0) {
      this.#close(batchKey);
      batch = undefined;
    }
    batch ??= this.#openBatch(batchKey);
    const index = batch.records.length;
    batch.records.push({ key, value: record.value, headers: record.headers, timestamp: record.timestamp });
    batch.bytes += bytes;
    this.#capacity.bytes += bytes;
    if (batch.bytes >= this.options.batchBytes) this.#close(batchKey);
    return batch.delivered.then((baseOffset) => ({ topic, partition, offset: baseOffset < 0 ? -1 : baseOffset + index }));
  }

  #openBatch(batchKey: string): OpenBatch {
    let resolve!: (baseOffset: number) => void;
    let reject!: (error: Error) => void;
    const delivered = new Promise<number>((onResolve, onReject) => {
      resolve = onResolve;
      reject = onReject;
    });
    const lingerTimer = setTimeout(() => this.#close(batchKey), this.options.lingerMs);
    const batch: OpenBatch = { records: [], bytes: 0, delivered, resolve, reject, lingerTimer };
    this.#open.set(batchKey, batch);
    this.#track(delivered);
    delivered.then(
      () => this.#release(batch.bytes),
      () => this.#release(batch.bytes),
    );
    return batch;
  }

  /** Encodes the open batch of `batchKey` and hands it to the sender. */
  #close(batchKey: string): void {
    const batch = this.#open.get(batchKey);
    if (batch === undefined) return;
    this.#open.delete(batchKey);
    clearTimeout(batch.lingerTimer);
    const separator = batchKey.indexOf(":");
    const closed: ClosedBatch = {
      topic: batchKey.slice(separator + 1),
      partition: Number(batchKey.slice(0, separator)),
      recordCount: batch.records.length,
      bytes: new Uint8Array(0),
      attempts: 0,
      retryAtMs: 0,
      resolve: batch.resolve,
      reject: batch.reject,
    };
    try {
      closed.bytes = buildRecordBatch({ records: batch.records, compression: this.options.compression });
    } catch (error) {
      batch.reject(new ClientError(`Cannot encode a batch for topic "${closed.topic}" partition ${closed.partition}: ${(error as Error).message}`));
      return;
    }
    this.#sender.enqueue(closed);
  }

  #track(promise: Promise<unknown>): void {
    this.#unsettled.add(promise);
    const forget = () => this.#unsettled.delete(promise);
    promise.then(forget, forget);
  }

  #release(bytes: number): void {
    this.#capacity.bytes -= bytes;
    if (this.bufferFull) return;
    for (const wake of this.#capacity.waiters.splice(0)) wake();
  }
}

function recordBytes(record: ProducerRecord): number {
  let bytes = recordOverheadBytes + (record.key?.length ?? 0) + (record.value?.length ?? 0);
  for (const header of record.headers ?? []) bytes += header.key.length * 3 + (header.value?.length ?? 0) + 10;
  return bytes;
}
