// A partition as the broker sees it: its log, the state of its idempotent and transactional
// producers, and the fetchers parked on it. Long-polling fetches wait here for new data instead
// of sleeping in a loop.
//
// Producer state (producer-state.ts) is checked and updated in the same synchronous step that
// issues an append, so pipelined requests and retries see each other in order. It is
// snapshotted when the log rolls a segment and at close, and rebuilt at open from the newest
// snapshot plus the batches after it: a retry that arrives after a crash is still recognised.
//
// Transactions: a transactional batch opens its producer's transaction here; a marker
// (writeMarker) ends it. The last stable offset is where the oldest open transaction begins
// (or the high watermark): read_committed consumers read up to it. Aborted transactions are
// kept in memory and, per sealed segment, in Kafka's `.txnindex` files, written when a segment
// rolls; those of the active segment are found again in the log after a crash.

import type { Logger } from "../logger.ts";
import { defaultBrokerConfig } from "./broker-config.ts";
import { Attributes, batchSizeAt, readBatchHeader } from "../records/batch-header.ts";
import type { BatchHeader } from "../records/batch-header.ts";
import { buildMarkerBatch, readMarker } from "../records/transaction-marker.ts";
import { forEachBatchHeader } from "../storage/batch-headers.ts";
import type { AppendResult, PartitionLog } from "../storage/partition-log.ts";
import { CorruptTransactionIndexError } from "../storage/transaction-index.ts";
import type { AbortedTransaction } from "../storage/transaction-index.ts";
import { ErrorCode } from "../protocol/errors.ts";
import { fromSnapshotEntry, PartitionProducers, toSnapshotEntry } from "./producer-state.ts";
import type { MarkerFields, ProducedBatch } from "./producer-state.ts";

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
  return {
    producerId: header.producerId,
    producerEpoch: header.producerEpoch,
    baseSequence: header.baseSequence,
    recordCount: header.recordCount,
    transactional: (header.attributes & Attributes.transactional) !== 0,
  };
}

/** Inserts `entry` in `entries` (ordered by marker offset) unless one with its marker offset is there. */
function addAborted(entries: AbortedTransaction[], entry: AbortedTransaction): boolean {
  let at = entries.length;
  while (at > 0 && entries[at - 1].lastOffset > entry.lastOffset) at--;
  if (at > 0 && entries[at - 1].lastOffset === entry.lastOffset) return false;
  entries.splice(at, 0, entry);
  return true;
}

export class Partition {
  readonly topic: string;
  readonly index: number;
  readonly log: PartitionLog;
  readonly producers = new PartitionProducers();
  /** Aborted transactions by marker offset: those of sealed segments are also in their .txnindex. */
  readonly #aborted: AbortedTransaction[] = [];
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
    await partition.#loadState();
    partition.producers.expire((options.now ?? Date.now)(), options.producerIdExpirationMs ?? defaultBrokerConfig.producerIdExpirationMs);
    log.onRoll?.((baseOffset, sealedBaseOffset) => partition.#sealTransactions(baseOffset, sealedBaseOffset));
    return partition;
  }

  /**
   * Producer state and aborted transactions at open: the .txnindex files and the newest
   * snapshot, then every batch after the snapshot. An unreadable .txnindex makes it read the
   * whole log instead, since only the log can say again what was aborted.
   */
  async #loadState(): Promise<void> {
    const log = this.log;
    let fromOffset = 0;
    try {
      for (const entry of log.transactionIndexes?.loadAll() ?? []) if (entry.lastOffset < log.logEndOffset) addAborted(this.#aborted, entry);
      const snapshot = log.producerSnapshots?.loadLatest(log.logEndOffset) ?? null;
      for (const entry of snapshot?.entries ?? []) this.producers.load(fromSnapshotEntry(entry));
      fromOffset = snapshot?.offset ?? 0;
    } catch (error) {
      if (!(error instanceof CorruptTransactionIndexError)) throw error;
      this.#logger?.warn(`${error.message}; reading the whole log to find the aborted transactions again`, { topic: this.topic, partition: this.index });
    }
    const found: AbortedTransaction[] = [];
    await forEachBatchHeader(log, fromOffset, (header, bytes) => {
      const lastOffset = header.baseOffset + header.lastOffsetDelta;
      if ((header.attributes & Attributes.control) !== 0) {
        const marker = readMarker(bytes);
        if (marker !== null) this.#completeTransaction(marker, header.baseOffset, header.maxTimestamp, found);
        return;
      }
      const batch = producedBatchOf(header);
      if (batch === null) return;
      // Without a sequence: written by the coordinator for the producer's transaction.
      if (batch.baseSequence < 0) {
        if (batch.transactional) this.producers.openTransaction(batch.producerId, batch.producerEpoch, header.baseOffset, header.maxTimestamp);
        return;
      }
      this.producers.record(batch, header.baseOffset, lastOffset, header.maxTimestamp);
    });
    await this.#writeFoundAborts(found);
  }

  /** Aborts found in the log that belong to sealed segments go to their .txnindex now (a crash came before their roll wrote it). */
  async #writeFoundAborts(found: AbortedTransaction[]): Promise<void> {
    const files = this.log.transactionIndexes;
    const bases = this.log.segmentBaseOffsets?.() ?? [];
    if (files === undefined || found.length === 0 || bases.length < 2) return;
    const sealedEnd = bases.at(-1)!;
    for (let n = 0; n + 1 < bases.length; n++) {
      const [start, end] = [bases[n], bases[n + 1]];
      if (!found.some((entry) => entry.lastOffset >= start && entry.lastOffset < end && end <= sealedEnd)) continue;
      await files.write(start, this.#aborted.filter((entry) => entry.lastOffset >= start && entry.lastOffset < end));
    }
  }

  /**
   * Appends validated batches. The write is issued synchronously (so calls keep their order);
   * the promise settles once the data is as durable as the flush policy promises. A batch with
   * a producer id is checked against the producer's state first: a retry of a batch already
   * written resolves to where it was written (once that is durable) and is not written again;
   * one out of sequence or of an older epoch rejects with a ProducerRefusedError.
   */
  append(batches: Uint8Array, options?: { logAppendTime?: number; fromCoordinator?: boolean }): Promise<AppendResult> {
    const header = readBatchHeader(batches, 0);
    const produced = producedBatchOf(header);
    if (options?.fromCoordinator === true) return this.#appendFromCoordinator(batches, produced);
    if (produced !== null) {
      const refusal = this.#producerFieldsProblem(header, batches);
      if (refusal) return Promise.reject(refusal);
      const check = this.producers.check(produced);
      if (check.kind === "refused") return Promise.reject(new ProducerRefusedError(check.errorCode, check.message));
      if (check.kind === "duplicate") {
        const { firstOffset, lastOffset } = check.batch;
        return this.#lastAppend.then(() => ({ baseOffset: firstOffset, lastOffset, logAppendTime: -1, logStartOffset: this.log.logStartOffset, duplicate: true }));
      }
    }
    const endBefore = this.log.logEndOffset;
    const appended = this.log.append(batches, options);
    // The write happened (or failed and was cut back) before append returned.
    if (produced !== null && this.log.logEndOffset > endBefore) {
      // A LogAppendTime stamp replaced the batch's max timestamp.
      this.producers.record(produced, endBefore, this.log.logEndOffset - 1, options?.logAppendTime ?? header.maxTimestamp);
    }
    return this.#issued(appended);
  }

  /**
   * Writes the marker that ends `marker.producerId`'s transaction in this partition (a commit or
   * an abort) and resolves once it is durable. An abort of a transaction that had records here
   * is remembered for read_committed fetches. A marker older than the producer's epoch is
   * refused with a ProducerRefusedError.
   */
  writeMarker(marker: MarkerFields, timestamp: number): Promise<AppendResult> {
    const problem = this.producers.checkMarker(marker);
    if (problem) return Promise.reject(new ProducerRefusedError(problem.errorCode, problem.message));
    const endBefore = this.log.logEndOffset;
    const appended = this.log.append(buildMarkerBatch(marker, timestamp));
    if (this.log.logEndOffset > endBefore) this.#completeTransaction(marker, endBefore, timestamp);
    return this.#issued(appended);
  }

  /** Notes the newest append (a duplicate waits for it) and wakes fetchers once it is durable: the high watermark moves then. */
  #issued(appended: Promise<AppendResult>): Promise<AppendResult> {
    this.#lastAppend = appended.catch(() => {});
    appended.then(() => this.#wakeWaiters(), () => {});
    return appended;
  }

  /** Where read_committed consumers stop: the first offset of the oldest open transaction, or the high watermark. */
  get lastStableOffset(): number {
    const open = this.producers.firstOpenTransactionOffset();
    return open === null ? this.log.highWatermark : Math.min(open, this.log.highWatermark);
  }

  /** The aborted transactions with records in [fromOffset, toOffset): what a read_committed fetch of that range must skip. */
  abortedTransactions(fromOffset: number, toOffset: number): AbortedTransaction[] {
    // Aborts whose marker is below the log start went with their segments.
    const start = this.log.logStartOffset;
    let dropped = 0;
    while (dropped < this.#aborted.length && this.#aborted[dropped].lastOffset < start) dropped++;
    if (dropped > 0) this.#aborted.splice(0, dropped);
    // Ordered by marker offset: skip to the first that ends at or after fromOffset.
    let low = 0;
    let high = this.#aborted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#aborted[middle].lastOffset < fromOffset) low = middle + 1;
      else high = middle;
    }
    return this.#aborted.slice(low).filter((entry) => entry.firstOffset < toOffset);
  }

  #completeTransaction(marker: MarkerFields, markerOffset: number, timestamp: number, found?: AbortedTransaction[]): void {
    const firstOffset = this.producers.completeTransaction(marker, timestamp);
    if (marker.commit || firstOffset < 0) return;
    const entry = { producerId: marker.producerId, firstOffset, lastOffset: markerOffset, lastStableOffset: this.lastStableOffset };
    if (addAborted(this.#aborted, entry)) found?.push(entry);
  }

  /**
   * A segment was sealed: its aborts go to its .txnindex, then the producer state is
   * snapshotted at the new segment's base. Should the index not be written, neither is the
   * snapshot, so the next open reads the sealed segment again and finds its aborts.
   */
  #sealTransactions(baseOffset: number, sealedBaseOffset: number): void {
    const aborts = this.#aborted.filter((entry) => entry.lastOffset >= sealedBaseOffset && entry.lastOffset < baseOffset);
    this.#writeSnapshot(baseOffset, async () => {
      try {
        await this.log.transactionIndexes?.write(sealedBaseOffset, aborts);
        return true;
      } catch (error) {
        this.#logger?.error("Cannot write a transaction index", { topic: this.topic, partition: this.index, segment: sealedBaseOffset, error: (error as Error).message });
        return false;
      }
    });
  }

  /**
   * A batch the broker writes for a producer's transaction (the group coordinator's offsets of
   * a TxnOffsetCommit): no sequence to check, it opens the producer's transaction here.
   */
  #appendFromCoordinator(batches: Uint8Array, produced: ProducedBatch | null): Promise<AppendResult> {
    const endBefore = this.log.logEndOffset;
    const appended = this.log.append(batches);
    if (produced?.transactional && this.log.logEndOffset > endBefore) {
      this.producers.openTransaction(produced.producerId, produced.producerEpoch, endBefore, readBatchHeader(batches, 0).maxTimestamp);
    }
    return this.#issued(appended);
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

  /**
   * Closes the log, then writes the active segment's aborts to its .txnindex and snapshots the
   * producer state at the log end, so the next open reads no log.
   */
  async close(): Promise<void> {
    await this.log.close();
    const activeBase = this.log.segmentBaseOffsets?.().at(-1);
    if (activeBase === undefined) this.#writeSnapshot(this.log.logEndOffset);
    else this.#sealTransactions(this.log.logEndOffset, activeBase);
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
    return null;
  }

  /**
   * Snapshots the producer state as it stands (every batch below `offset` recorded), in the
   * background, after `before` (when given) has resolved to true.
   */
  #writeSnapshot(offset: number, before?: () => Promise<boolean>): void {
    const files = this.log.producerSnapshots;
    if (files === undefined) return;
    const entries = [...this.producers.entries()].map(toSnapshotEntry);
    this.#snapshotWrites = this.#snapshotWrites.then(async () => {
      if (before !== undefined && !(await before())) return;
      await files.write(offset, entries).catch((error: unknown) => {
        // Only a shortcut is lost: the next open reads more of the log instead.
        this.#logger?.warn("Cannot write a producer state snapshot", { topic: this.topic, partition: this.index, offset, error: (error as Error).message });
      });
    });
  }

  #wakeWaiters(): void {
    if (this.#waiters.size === 0) return;
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }
}
