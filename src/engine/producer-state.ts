// The idempotent producers of one partition, kept as Kafka's broker keeps them: per producer id,
// its epoch and the metadata of its last five batches (a producer has at most five requests in
// flight per partition), so that a retried batch is answered with the offsets it was first
// written at instead of being appended twice, and a batch out of sequence or from an older
// epoch is refused. Pure and synchronous: the partition checks a batch before appending it and
// records it after; snapshots (storage/producer-snapshot.ts) and the log rebuild it at start.

import { ErrorCode } from "../protocol/errors.ts";
import type { ProducerSnapshotEntry } from "../storage/producer-snapshot.ts";

/** Batches remembered per producer for recognising retries: Kafka's, and its clients' in-flight limit. */
export const batchesRetained = 5;
/** A batch header's epoch and sequence when the producer is not idempotent. */
export const noProducerEpoch = -1;
export const noSequence = -1;

const sequenceMax = 0x7fff_ffff;

/** What a batch written by a producer occupies: its sequences and offsets. */
export interface BatchMetadata {
  firstSeq: number;
  lastSeq: number;
  firstOffset: number;
  lastOffset: number;
  maxTimestamp: number;
}

export interface ProducerEntry {
  producerId: number;
  epoch: number;
  /** The last batches written, oldest first, at most batchesRetained; all of the current epoch. */
  batches: BatchMetadata[];
  /** The epoch of the transaction coordinator that wrote the producer's last marker (-1: none). */
  coordinatorEpoch: number;
  /** The first offset of the producer's open transaction; -1 when none. */
  currentTxnFirstOffset: number;
  /** The largest timestamp of its last batch: the producer expires that long after. */
  lastTimestamp: number;
}

/** The producer fields of a batch header, and its record count. */
export interface ProducedBatch {
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
  /** Part of a transaction: the batch opens the producer's transaction in the partition if none is open. */
  transactional?: boolean;
}

/** The end of a transaction in this partition, as its marker says. */
export interface MarkerFields {
  producerId: number;
  producerEpoch: number;
  commit: boolean;
  coordinatorEpoch: number;
}

export type BatchCheck =
  | { kind: "append" }
  /** A retry of a batch written already: answered with where it was written, not appended. */
  | { kind: "duplicate"; batch: BatchMetadata }
  | { kind: "refused"; errorCode: number; message: string };

/** The sequence of a batch's last record: sequences wrap from 2^31 − 1 to 0. */
export function lastSequenceOf(baseSequence: number, recordCount: number): number {
  const last = baseSequence + recordCount - 1;
  return last > sequenceMax ? last - sequenceMax - 1 : last;
}

/** The sequence `count` before `sequence`, wrapping below 0 to 2^31 − 1. */
function sequenceBefore(sequence: number, count: number): number {
  const first = sequence - count;
  return first < 0 ? first + sequenceMax + 1 : first;
}

/** What a snapshot keeps of an entry: its last batch only, as Kafka's does. */
export function toSnapshotEntry(entry: ProducerEntry): ProducerSnapshotEntry {
  const last = entry.batches.at(-1);
  return {
    producerId: entry.producerId,
    epoch: entry.epoch,
    lastSequence: last?.lastSeq ?? noSequence,
    lastOffset: last?.lastOffset ?? -1,
    offsetDelta: last === undefined ? 0 : last.lastOffset - last.firstOffset,
    timestamp: entry.lastTimestamp,
    coordinatorEpoch: entry.coordinatorEpoch,
    currentTxnFirstOffset: entry.currentTxnFirstOffset,
  };
}

export function fromSnapshotEntry(snapshot: ProducerSnapshotEntry): ProducerEntry {
  const { lastSequence: lastSeq, lastOffset, offsetDelta, timestamp } = snapshot;
  const batches = lastOffset < 0 ? [] : [{ firstSeq: sequenceBefore(lastSeq, offsetDelta), lastSeq, firstOffset: lastOffset - offsetDelta, lastOffset, maxTimestamp: timestamp }];
  return {
    producerId: snapshot.producerId,
    epoch: snapshot.epoch,
    batches,
    coordinatorEpoch: snapshot.coordinatorEpoch,
    currentTxnFirstOffset: snapshot.currentTxnFirstOffset,
    lastTimestamp: timestamp,
  };
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === sequenceMax);
}

export class PartitionProducers {
  readonly #entries = new Map<number, ProducerEntry>();
  /** First offsets of the open transactions, by producer id: few, so the last stable offset is cheap to find. */
  readonly #open = new Map<number, number>();

  get size(): number {
    return this.#entries.size;
  }

  entry(producerId: number): ProducerEntry | undefined {
    return this.#entries.get(producerId);
  }

  /** Every producer's entry (for snapshots). */
  entries(): IterableIterator<ProducerEntry> {
    return this.#entries.values();
  }

  /**
   * Whether `batch` may be appended, is a retry of one that was, or is refused with Kafka's error:
   * INVALID_PRODUCER_EPOCH for an epoch below the producer's, OUT_OF_ORDER_SEQUENCE_NUMBER for a
   * sequence that does not follow its last one (or a new epoch not starting at 0). A producer the
   * partition knows nothing of (new, or expired) may start at any sequence, as Kafka accepts since
   * KIP-360. Changes nothing.
   */
  check(batch: ProducedBatch): BatchCheck {
    const entry = this.#entries.get(batch.producerId);
    if (entry === undefined) return { kind: "append" };
    const { producerEpoch: epoch, baseSequence: firstSeq } = batch;
    if (epoch < entry.epoch) {
      return refused(ErrorCode.INVALID_PRODUCER_EPOCH, `Epoch ${epoch} of producer ${batch.producerId} is older than its current epoch ${entry.epoch}`);
    }
    if (entry.currentTxnFirstOffset >= 0 && !batch.transactional && epoch === entry.epoch) {
      return refused(ErrorCode.INVALID_TXN_STATE, `Producer ${batch.producerId} has a transaction open in this partition and sent a batch outside it`);
    }
    if (epoch === entry.epoch) {
      const lastSeq = lastSequenceOf(firstSeq, batch.recordCount);
      const duplicate = entry.batches.find((written) => written.firstSeq === firstSeq && written.lastSeq === lastSeq);
      if (duplicate !== undefined) return { kind: "duplicate", batch: duplicate };
    }
    if (epoch !== entry.epoch) {
      if (firstSeq !== 0 && entry.epoch !== noProducerEpoch) {
        return refused(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, `Sequence ${firstSeq} of producer ${batch.producerId} starts its new epoch ${epoch}; a new epoch starts at 0`);
      }
      return { kind: "append" };
    }
    // An entry of this epoch without batches (its marker only) expects sequence 0; one whose epoch is unknown, any.
    const lastSeq = entry.batches.at(-1)?.lastSeq ?? noSequence;
    if (entry.epoch !== noProducerEpoch && !inSequence(lastSeq, firstSeq)) {
      return refused(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, `Sequence ${firstSeq} of producer ${batch.producerId} does not follow its last sequence ${lastSeq}`);
    }
    return { kind: "append" };
  }

  /** Records `batch`, appended at offsets [firstOffset, lastOffset]: check() said "append". */
  record(batch: ProducedBatch, firstOffset: number, lastOffset: number, maxTimestamp: number): void {
    let entry = this.#entries.get(batch.producerId);
    if (entry === undefined) {
      entry = { producerId: batch.producerId, epoch: batch.producerEpoch, batches: [], coordinatorEpoch: -1, currentTxnFirstOffset: -1, lastTimestamp: maxTimestamp };
      this.#entries.set(batch.producerId, entry);
    }
    if (batch.producerEpoch !== entry.epoch) {
      // The batches of an older epoch can no longer be retried.
      entry.epoch = batch.producerEpoch;
      entry.batches = [];
    }
    entry.batches.push({ firstSeq: batch.baseSequence, lastSeq: lastSequenceOf(batch.baseSequence, batch.recordCount), firstOffset, lastOffset, maxTimestamp });
    if (entry.batches.length > batchesRetained) entry.batches.shift();
    entry.lastTimestamp = maxTimestamp;
    if (batch.transactional && entry.currentTxnFirstOffset < 0) {
      entry.currentTxnFirstOffset = firstOffset;
      this.#open.set(entry.producerId, firstOffset);
    }
  }

  /** Opens the producer's transaction at `firstOffset` unless one is open (a batch the coordinator wrote for it). */
  openTransaction(producerId: number, producerEpoch: number, firstOffset: number, timestamp: number): void {
    let entry = this.#entries.get(producerId);
    if (entry === undefined) {
      entry = { producerId, epoch: producerEpoch, batches: [], coordinatorEpoch: -1, currentTxnFirstOffset: -1, lastTimestamp: timestamp };
      this.#entries.set(producerId, entry);
    }
    if (entry.currentTxnFirstOffset < 0) {
      entry.currentTxnFirstOffset = firstOffset;
      this.#open.set(producerId, firstOffset);
    }
  }

  /** Whether a marker may be written: the coordinator's epoch for the producer is never older than the partition's. */
  checkMarker(marker: MarkerFields): { errorCode: number; message: string } | null {
    const entry = this.#entries.get(marker.producerId);
    if (entry !== undefined && marker.producerEpoch < entry.epoch) {
      return { errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, message: `Marker epoch ${marker.producerEpoch} of producer ${marker.producerId} is older than its current epoch ${entry.epoch}` };
    }
    return null;
  }

  /**
   * Ends the producer's transaction with the marker written at `markerOffset`: returns the
   * first offset of the transaction it ended, or -1 when the producer had none open here.
   */
  completeTransaction(marker: MarkerFields, timestamp: number): number {
    let entry = this.#entries.get(marker.producerId);
    if (entry === undefined) {
      entry = { producerId: marker.producerId, epoch: marker.producerEpoch, batches: [], coordinatorEpoch: -1, currentTxnFirstOffset: -1, lastTimestamp: timestamp };
      this.#entries.set(marker.producerId, entry);
    }
    if (marker.producerEpoch > entry.epoch) {
      entry.epoch = marker.producerEpoch;
      entry.batches = [];
    }
    const firstOffset = entry.currentTxnFirstOffset;
    entry.currentTxnFirstOffset = -1;
    this.#open.delete(entry.producerId);
    entry.coordinatorEpoch = marker.coordinatorEpoch;
    entry.lastTimestamp = timestamp;
    return firstOffset;
  }

  /** The first offset of the oldest transaction open in the partition, or null: what holds the last stable offset back. */
  firstOpenTransactionOffset(): number | null {
    let first: number | null = null;
    for (const offset of this.#open.values()) if (first === null || offset < first) first = offset;
    return first;
  }

  /** Adds an entry as a snapshot held it (replacing any of the same producer). */
  load(entry: ProducerEntry): void {
    this.#entries.set(entry.producerId, { ...entry, batches: entry.batches.slice(-batchesRetained) });
    if (entry.currentTxnFirstOffset >= 0) this.#open.set(entry.producerId, entry.currentTxnFirstOffset);
    else this.#open.delete(entry.producerId);
  }

  /**
   * Forgets the producers idle for `expirationMs` (Kafka's producer.id.expiration.ms) at `nowMs`,
   * except those with an open transaction; returns how many.
   */
  expire(nowMs: number, expirationMs: number): number {
    let removed = 0;
    for (const [producerId, entry] of this.#entries) {
      if (entry.currentTxnFirstOffset < 0 && nowMs - entry.lastTimestamp >= expirationMs) {
        this.#entries.delete(producerId);
        removed++;
      }
    }
    return removed;
  }
}

function refused(errorCode: number, message: string): BatchCheck {
  return { kind: "refused", errorCode, message };
}
