// The producer: records go into an open batch per partition, which closes when it holds
// `batchBytes` or has waited `lingerMs`; closed batches are encoded (and compressed) once and
// handed to the sender (producer-sender.ts), which ships them to partition leaders.
// Every record's delivery callback (or promise, with send()) gets its partition and offset, or
// the error that made its batch fail. Memory is bounded: `bufferFull` turns true past `bufferBytesMax`, and
// `waitForCapacity()` lets a caller pause until batches have been delivered.

import type { RecordHeader } from "../records/record.ts";
import { buildRecordBatch, type RecordInput } from "../records/build-batch.ts";
import { CompressionCodec } from "../records/compression/index.ts";
import type { Cluster } from "./cluster.ts";
import { ClientError } from "./errors.ts";
import { Partitioner, type PartitionerStrategy } from "./partitioner.ts";
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
  /** How keys map to partitions: murmur2 (Java, kafka-python), crc32 (librdkafka) or random. */
  partitioner: PartitionerStrategy;
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
  partitioner: "murmur2",
  allowAutoTopicCreation: true,
  retry: { ...defaultRetryOptions, attempts: 10 },
};

/** Bytes a record adds to a batch besides key, value and headers (varint lengths, deltas), rounded up. */
const recordOverheadBytes = 24;

/**
 * Called once per record: with an error, or with where the record was written, and the tag
 * given to produce() (one shared callback can then tell records apart without a closure each).
 */
export type DeliveryCallback = (error: Error | null, metadata: RecordMetadata | null, tag: number) => void;

interface OpenBatch {
  topic: string;
  partition: number;
  records: RecordInput[];
  callbacks: Array<DeliveryCallback | undefined>;
  tags: number[];
  bytes: number;
  lingerTimer: ReturnType<typeof setTimeout>;
}

interface WaitingRecord {
  record: ProducerRecord;
  callback: DeliveryCallback | undefined;
  tag: number;
  bytes: number;
}

export class Producer {
  readonly options: ProducerOptions;
  readonly #cluster: Cluster;
  readonly #partitioner: Partitioner;
  readonly #sender: ProducerSender;
  /** Topic → open batch per partition. */
  readonly #open = new Map<string, Array<OpenBatch | undefined>>();
  #openBatches = 0;
  readonly #partitionCounts = new Map<string, number>();
  /** Records of topics whose metadata is being fetched. */
  readonly #awaitingMetadata = new Map<string, WaitingRecord[]>();
  /** Batches handed to the sender and not yet settled. */
  #batchesInFlight = 0;
  #bufferedBytes = 0;
  /** Woken whenever a batch or a metadata lookup settles, or buffer space frees up. */
  #waiters: Array<() => void> = [];
  #closed = false;

  constructor(cluster: Cluster, options: Partial<ProducerOptions> = {}) {
    this.#cluster = cluster;
    this.options = { ...defaultProducerOptions, ...options };
    this.#partitioner = new Partitioner({ stickyBytes: this.options.batchBytes, strategy: this.options.partitioner });
    this.#sender = new ProducerSender(cluster, this.options);
  }

  /** True while more than `bufferBytesMax` bytes of records await delivery. */
  get bufferFull(): boolean {
    return this.#bufferedBytes >= this.options.bufferBytesMax;
  }

  /** Resolves once the buffered bytes are below `bufferBytesMax`. */
  async waitForCapacity(): Promise<void> {
    while (this.bufferFull) await this.#nextSettle();
  }

  /** Queues a record; the promise settles when the broker has it (or its batch failed for good). */
  send(record: ProducerRecord): Promise<RecordMetadata> {
    return new Promise((resolve, reject) => {
      this.produce(record, (error, metadata) => (error === null ? resolve(metadata as RecordMetadata) : reject(error)));
    });
  }

  /**
   * Queues a record and calls `callback` once it is delivered or has failed. Cheaper than send()
   * when records are many: no promise per record.
   */
  produce(record: ProducerRecord, callback?: DeliveryCallback, tag = 0): void {
    if (this.#closed) {
      queueMicrotask(() => callback?.(new ClientError("Cannot send: the producer is closed"), null, tag));
      return;
    }
    const bytes = recordBytes(record);
    this.#bufferedBytes += bytes;
    const partitionCount = this.#partitionCounts.get(record.topic);
    if (partitionCount !== undefined) {
      this.#append(record, callback, tag, bytes, partitionCount);
      return;
    }
    const waiting = this.#awaitingMetadata.get(record.topic);
    if (waiting !== undefined) {
      waiting.push({ record, callback, tag, bytes });
      return;
    }
    this.#awaitingMetadata.set(record.topic, [{ record, callback, tag, bytes }]);
    void this.#loadTopic(record.topic);
  }

  /** Sends every buffered record now and resolves when all records queued so far have settled. */
  async flush(): Promise<void> {
    while (this.#batchesInFlight > 0 || this.#awaitingMetadata.size > 0 || this.#openBatches > 0) {
      for (const batches of this.#open.values()) {
        for (const batch of batches) if (batch !== undefined) this.#close(batch);
      }
      if (this.#batchesInFlight > 0 || this.#awaitingMetadata.size > 0) await this.#nextSettle();
    }
  }

  /** Flushes, then refuses further records. The cluster's connections stay open (they are the caller's). */
  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
  }

  async #loadTopic(topic: string): Promise<void> {
    let failure: Error | null = null;
    try {
      const info = await this.#cluster.topic(topic, { allowAutoTopicCreation: this.options.allowAutoTopicCreation });
      this.#partitionCounts.set(topic, info.partitions.length);
    } catch (error) {
      failure = error as Error;
    }
    const waiting = this.#awaitingMetadata.get(topic) ?? [];
    this.#awaitingMetadata.delete(topic);
    for (const { record, callback, tag, bytes } of waiting) {
      if (failure === null) {
        this.#append(record, callback, tag, bytes, this.#partitionCounts.get(topic) ?? 0);
      } else {
        this.#bufferedBytes -= bytes;
        callback?.(failure, null, tag);
      }
    }
    this.#wake();
  }

  #append(record: ProducerRecord, callback: DeliveryCallback | undefined, tag: number, bytes: number, partitionCount: number): void {
    const { topic } = record;
    const key = record.key ?? null;
    const partition = record.partition ?? this.#partitioner.partition(topic, key, bytes, partitionCount);
    if (!Number.isInteger(partition) || partition < 0 || partition >= partitionCount) {
      this.#bufferedBytes -= bytes;
      const error = new ClientError(`Partition ${partition} of topic "${topic}" does not exist: the topic has ${partitionCount} partitions`);
      queueMicrotask(() => callback?.(error, null, tag));
      return;
    }
    let batches = this.#open.get(topic);
    if (batches === undefined) {
      batches = [];
      this.#open.set(topic, batches);
    }
    let batch = batches[partition];
    if (batch !== undefined && batch.bytes + bytes > this.options.batchBytes) {
      this.#close(batch);
      batch = undefined;
    }
    batch ??= this.#openBatch(topic, partition, batches);
    batch.records.push({ key, value: record.value, headers: record.headers, timestamp: record.timestamp });
    batch.callbacks.push(callback);
    batch.tags.push(tag);
    batch.bytes += bytes;
    if (batch.bytes >= this.options.batchBytes) this.#close(batch);
  }

  #openBatch(topic: string, partition: number, batches: Array<OpenBatch | undefined>): OpenBatch {
    const batch: OpenBatch = { topic, partition, records: [], callbacks: [], tags: [], bytes: 0, lingerTimer: undefined as never };
    batch.lingerTimer = setTimeout(() => this.#close(batch), this.options.lingerMs);
    batches[partition] = batch;
    this.#openBatches++;
    return batch;
  }

  /** Encodes an open batch and hands it to the sender. */
  #close(batch: OpenBatch): void {
    const batches = this.#open.get(batch.topic);
    if (batches === undefined || batches[batch.partition] !== batch) return;
    batches[batch.partition] = undefined;
    this.#openBatches--;
    clearTimeout(batch.lingerTimer);
    this.#batchesInFlight++;
    const { topic, partition, callbacks, tags } = batch;
    const settle = (error: Error | null, baseOffset: number) => {
      this.#batchesInFlight--;
      this.#bufferedBytes -= batch.bytes;
      for (let index = 0; index < callbacks.length; index++) {
        const offset = baseOffset < 0 ? -1 : baseOffset + index;
        callbacks[index]?.(error, error === null ? { topic, partition, offset } : null, tags[index]);
      }
      this.#wake();
    };
    let bytes: Uint8Array;
    try {
      bytes = buildRecordBatch({ records: batch.records, compression: this.options.compression });
    } catch (error) {
      settle(new ClientError(`Cannot encode a batch for topic "${topic}" partition ${partition}: ${(error as Error).message}`), -1);
      return;
    }
    this.#sender.enqueue({
      topic,
      partition,
      recordCount: batch.records.length,
      bytes,
      attempts: 0,
      retryAtMs: 0,
      resolve: (baseOffset) => settle(null, baseOffset),
      reject: (error) => settle(error, -1),
    });
  }

  #nextSettle(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

function recordBytes(record: ProducerRecord): number {
  let bytes = recordOverheadBytes + (record.key?.length ?? 0) + (record.value?.length ?? 0);
  for (const header of record.headers ?? []) bytes += header.key.length * 3 + (header.value?.length ?? 0) + 10;
  return bytes;
}
