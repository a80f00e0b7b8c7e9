// A partition as the broker sees it: its log, the state of its idempotent producers, and the
// fetchers parked on it. Long-polling fetches wait here for new data instead of sleeping in a loop.
//
// Producer state (producer-state.ts) is checked and updated in the same synchronous step that
// issues an append, so pipelined requests and retries see each other in order. It is
// snapshotted when the log rolls a segment and at close, and rebuilt at open from the newest
// snapshot plus the batches after it: a retry that arrives after a crash is still recognised.

import type { Logger } from "../logger.ts";
import { defaultBrokerConfig } from "./broker-config.ts";
import { Attributes, batchSizeAt, readBatchHeader } from "../records/batch-header.ts";
import type { BatchHeader } from "../records/batch-header.ts";
import { forEachBatchHeader } from "../storage/batch-headers.ts";
import type { AppendResult, PartitionLog } from "../storage/partition-log.ts";
import { ErrorCode } from "../protocol/errors.ts";
import { fromSnapshotEntry, PartitionProducers, toSnapshotEntry } from "./producer-state.ts";
import type { ProducedBatch } from "./producer-state.ts";

/** An append refused by the producer's state or fields, with the Kafka error the client gets. */
export class ProducerRefusedError extends Error {
  override name = "ProducerRefusedError";
  readonly errorCode: number;

  constructor(errorCode: number, message: string) {
    super(message);
    this.errorCode = errorCode;
  }
}

export interface PartitionOptions {
  logger?: Logger;
  /** The broker's clock, for producer expiry at open. Default Date.now. */
  now?: () => number;
  /** producer.id.expiration.ms. Default: the broker's default. */
  producerIdExpirationMs?: number;
}

/** The producer fields of a batch with a producer id, or null for a batch without one. */
function producedBatchOf(header: BatchHeader): ProducedBatch | null {
  if (header.producerId < 0) return null;
  return { producerId: header.producerId, producerEpoch: header.producerEpoch, baseSequence: header.baseSequence, recordCount: header.recordCount };
}

export class Partition {
  readonly topic: string;
  readonly index: number;
  readonly log: PartitionLog;
  readonly producers = new PartitionProducers();
  #waiters = new Set<() => void>();
  /** The newest append: once it is durable, every earlier one is too (a duplicate waits for it). */
  #lastAppend: Promise<unknown> = Promise.resolve();
  /** Snapshot writes, one after another, so an older one never lands after a newer one. */
  #snapshotWrites: Promise<void> = Promise.resolve();
  #logger: Logger | undefined;

  constructor(topic: string, index: number, log: PartitionLog, logger?: Logger) {
    this.topic = topic;
    this.index = index;
    this.log = log;
    this.#logger = logger;
  }

  /**
   * A partition over an opened log, with its producer state rebuilt: the newest snapshot at or
   * below the log end, then every batch after it. Producers expired by now are dropped.
   */
  static async open(topic: string, index: number, log: PartitionLog, options: PartitionOptions = {}): Promise<Partition> {
    const partition = new Partition(topic, index, log, options.logger);
    const snapshot = log.producerSnapshots?.loadLatest(log.logEndOffset) ?? null;
    for (const entry of snapshot?.entries ?? []) partition.producers.load(fromSnapshotEntry(entry));
    await forEachBatchHeader(log, snapshot?.offset ?? 0, (header) => {
      const batch = producedBatchOf(header);
      if (batch === null || (header.attributes & Attributes.control) !== 0) return;
      partition.producers.record(batch, header.baseOffset, header.baseOffset + header.lastOffsetDelta, header.maxTimestamp);
    });
    partition.producers.expire((options.now ?? Date.now)(), options.producerIdExpirationMs ?? defaultBrokerConfig.producerIdExpirationMs);
    log.onRoll?.((baseOffset) => partition.#writeSnapshot(baseOffset));
    return partition;
  }

  /**
   * Appends validated batches. The write is issued synchronously (so calls keep their order);
   * the promise settles once the data is as durable as the flush policy promises. A batch with
   * a producer id is checked against the producer's state first: a retry of a batch already
   * written resolves to where it was written (once that is durable) and is not written again;
   * one out of sequence or of an older epoch rejects with a ProducerRefusedError.
   */
  append(batches: Uint8Array, options?: { logAppendTime?: number }): Promise<AppendResult> {
    const header = readBatchHeader(batches, 0);
    const produced = producedBatchOf(header);
    if (produced !== null) {
      const refusal = this.#producerFieldsProblem(header, batches);
      if (refusal) return Promise.reject(refusal);
      const check = this.producers.check(produced);
      if (check.kind === "refused") return Promise.reject(new ProducerRefusedError(check.errorCode, check.message));
      if (check.kind === "duplicate") {
        const { firstOffset, lastOffset } = check.batch;
        return this.#lastAppend.then(() => ({ baseOffset: firstOffset, lastOffset, logAppendTime: -1, logStartOffset: this.log.logStartOffset }));
      }
    }
    const endBefore = this.log.logEndOffset;
    const appended = this.log.append(batches, options);
    // The write happened (or failed and was cut back) before append returned.
    if (produced !== null && this.log.logEndOffset > endBefore) {
      const written = readBatchHeader(batches, 0);
      this.producers.record(produced, endBefore, this.log.logEndOffset - 1, written.maxTimestamp);
    }
    this.#lastAppend = appended.catch(() => {});
    // Fetchers read up to the high watermark, which moves when the append is durable.
    appended.then(() => this.#wakeWaiters(), () => {});
    return appended;
  }

  /** Forgets producers idle for `expirationMs` at `nowMs` (producer.id.expiration.ms). */
  expireProducers(nowMs: number, expirationMs: number): number {
    return this.producers.expire(nowMs, expirationMs);
  }

  /** Calls `wake` once, the next time new data becomes readable. Returns a function that cancels the wait. */
  onNextData(wake: () => void): () => void {
    this.#waiters.add(wake);
    return () => this.#waiters.delete(wake);
  }

  /** The partition is going away (its topic was deleted): parked fetchers answer now instead of at max_wait. */
  detach(): void {
    this.#wakeWaiters();
  }

  /** Closes the log, then snapshots the producer state at its end so the next open reads no log. */
  async close(): Promise<void> {
    await this.log.close();
    this.#writeSnapshot(this.log.logEndOffset);
    await this.#snapshotWrites;
  }

  /** Kafka's rules for the producer fields of a batch, before its state is consulted. */
  #producerFieldsProblem(header: BatchHeader, batches: Uint8Array): ProducerRefusedError | null {
    if (batchSizeAt(batches, 0) !== batches.length) {
      return new ProducerRefusedError(ErrorCode.INVALID_RECORD, "A batch with a producer id must be the only batch of its partition in a request");
    }
    if (header.producerEpoch < 0 || header.baseSequence < 0) {
      return new ProducerRefusedError(ErrorCode.INVALID_RECORD, `Producer ${header.producerId} sent epoch ${header.producerEpoch} and sequence ${header.baseSequence}; an idempotent batch needs both at 0 or more`);
    }
    if ((header.attributes & Attributes.transactional) !== 0) {
      return new ProducerRefusedError(ErrorCode.INVALID_RECORD, "Transactional batches are not supported yet");
    }
    return null;
  }

  /** Snapshots the producer state as it stands (every batch below `offset` recorded), in the background. */
  #writeSnapshot(offset: number): void {
    const files = this.log.producerSnapshots;
    if (files === undefined) return;
    const entries = [...this.producers.entries()].map(toSnapshotEntry);
    this.#snapshotWrites = this.#snapshotWrites.then(() =>
      files.write(offset, entries).catch((error: unknown) => {
        // Only a shortcut is lost: the next open reads more of the log instead.
        this.#logger?.warn("Cannot write a producer state snapshot", { topic: this.topic, partition: this.index, offset, error: (error as Error).message });
      }),
    );
  }

  #wakeWaiters(): void {
    if (this.#waiters.size === 0) return;
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }
}
