// The transaction coordinator: this broker coordinates every transactional id. It gives
// transactional producers their id and epoch (fencing older instances of the same id), records
// which partitions a transaction touches, and ends a transaction by writing a commit or abort
// marker into each of them. Every state change is written to `__transaction_state` before it is
// acted on, so a restart finds prepared transactions and completes them; open transactions
// that outlive their timeout are aborted. Operations on one transactional id run one at a time.

import type { Logger } from "../../logger.ts";
import { ErrorCode } from "../../protocol/errors.ts";
import { consumerOffsetsTopic } from "../groups/group-log.ts";
import type { Scheduler } from "../groups/scheduler.ts";
import { ProducerRefusedError } from "../partition.ts";
import type { ProducerIdAllocator } from "../producer-ids.ts";
import type { TopicRegistry } from "../topic-registry.ts";
import { TransactionLog, type TransactionState, TransactionStatus } from "./transaction-log.ts";

/** Kafka's transaction.max.timeout.ms default: the longest timeout a producer may ask for. */
export const transactionTimeoutMsMax = 15 * 60 * 1000;
/** Kafka's transaction.abort.timed.out.transaction.cleanup.interval.ms default. */
export const transactionTimeoutCheckIntervalMs = 10_000;
/** Kafka's transactional.id.expiration.ms default: an id unused this long (no transaction open) is forgotten. */
export const transactionalIdExpirationMs = 7 * 24 * 60 * 60 * 1000;
/** Epochs are int16; the last one is kept for fencing, as Kafka does. */
const producerEpochMax = 32_766;

/** The group coordinator's part in a transaction: offsets committed in it become visible, or not, with its marker. */
export interface TransactionalOffsets {
  /** Writes the transaction's marker into `__consumer_offsets` and applies or drops the offsets it holds. */
  completeTransaction(marker: { producerId: number; producerEpoch: number; commit: boolean; coordinatorEpoch: number }): Promise<void>;
}

export interface TopicPartitions {
  name: string;
  partitions: number[];
}

export interface PartitionResult {
  topic: string;
  partition: number;
  errorCode: number;
}

type Result<T> = { errorCode: typeof ErrorCode.NONE; value: T } | { errorCode: number; message: string };

function failure(errorCode: number, message: string): { errorCode: number; message: string } {
  return { errorCode, message };
}

export class TransactionCoordinator {
  readonly #log: TransactionLog;
  readonly #states: Map<string, TransactionState>;
  readonly #topics: TopicRegistry;
  readonly #producerIds: ProducerIdAllocator;
  readonly #scheduler: Scheduler;
  readonly #logger: Logger;
  #offsets: TransactionalOffsets | null = null;
  /** The tail of each transactional id's operations: the next one starts when it settles. */
  readonly #queues = new Map<string, Promise<unknown>>();
  #cancelTimeoutCheck: (() => void) | null = null;
  #closed = false;

  private constructor(log: TransactionLog, states: Map<string, TransactionState>, deps: { topics: TopicRegistry; producerIds: ProducerIdAllocator; scheduler: Scheduler; logger: Logger }) {
    this.#log = log;
    this.#states = states;
    this.#topics = deps.topics;
    this.#producerIds = deps.producerIds;
    this.#scheduler = deps.scheduler;
    this.#logger = deps.logger;
  }

  /**
   * Opens `__transaction_state` and replays it. Transactions found prepared (a commit or abort
   * decided, markers perhaps not all written) are completed once `start` is called.
   */
  static async open(topics: TopicRegistry, deps: { producerIds: ProducerIdAllocator; scheduler: Scheduler; logger: Logger }): Promise<TransactionCoordinator> {
    const log = await TransactionLog.open(topics, deps.logger);
    const states = await log.replay();
    deps.logger.info("Loaded transactions", { transactionalIds: states.size });
    return new TransactionCoordinator(log, states, { ...deps, topics });
  }

  /** Connects the group coordinator, completes prepared transactions, and starts the timeout check. */
  async start(offsets: TransactionalOffsets | null): Promise<void> {
    this.#offsets = offsets;
    for (const state of this.#states.values()) {
      if (state.status === TransactionStatus.prepareCommit || state.status === TransactionStatus.prepareAbort) {
        await this.#serially(state.transactionalId, () => this.#complete(state));
      }
    }
    this.#scheduleTimeoutCheck();
  }

  close(): void {
    this.#closed = true;
    this.#cancelTimeoutCheck?.();
  }

  /** The state of every transactional id (ListTransactions, DescribeTransactions). */
  states(): IterableIterator<TransactionState> {
    return this.#states.values();
  }

  /** The coordinator's clock. */
  now(): number {
    return this.#scheduler.now();
  }

  state(transactionalId: string): TransactionState | undefined {
    return this.#states.get(transactionalId);
  }

  /**
   * InitProducerId with a transactional id: a new id at epoch 0 the first time, then the same id
   * at the next epoch, which fences every older instance. An open transaction of the id is
   * aborted first. With the id and epoch a producer had (KIP-360), they must be the current ones.
   */
  initProducerId(transactionalId: string, timeoutMs: number, current: { producerId: number; producerEpoch: number }): Promise<Result<{ producerId: number; producerEpoch: number }>> {
    return this.#serially(transactionalId, async () => {
      if (!Number.isInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > transactionTimeoutMsMax) {
        return failure(ErrorCode.INVALID_TRANSACTION_TIMEOUT, `Transaction timeout ${timeoutMs} ms is not between 1 and ${transactionTimeoutMsMax}`);
      }
      const now = this.#scheduler.now();
      let state = this.#states.get(transactionalId);
      if (state === undefined) {
        const created: TransactionState = {
          transactionalId, producerId: await this.#producerIds.next(), producerEpoch: 0, timeoutMs,
          status: TransactionStatus.empty, partitions: new Map(), startMs: -1, updateMs: now,
        };
        await this.#write(created);
        return { errorCode: ErrorCode.NONE, value: { producerId: created.producerId, producerEpoch: created.producerEpoch } };
      }
      if (current.producerId >= 0 && (current.producerId !== state.producerId || current.producerEpoch !== state.producerEpoch)) {
        return failure(ErrorCode.PRODUCER_FENCED, `Producer ${current.producerId} epoch ${current.producerEpoch} is not the current one of "${transactionalId}"`);
      }
      if (state.status === TransactionStatus.prepareCommit || state.status === TransactionStatus.prepareAbort) {
        // Markers of an earlier end are still to be written: finish that first.
        const completed = await this.#complete(state);
        if (completed.errorCode !== ErrorCode.NONE) return failure(ErrorCode.CONCURRENT_TRANSACTIONS, completed.message ?? "The previous transaction is still being completed");
        state = this.#states.get(transactionalId)!;
      }
      if (state.status === TransactionStatus.ongoing) {
        // A new instance of the producer: what the old one left open is aborted, under the new epoch.
        const aborted = await this.#prepareAndComplete(await this.#bumpEpoch(state), false);
        if (aborted.errorCode !== ErrorCode.NONE) return failure(ErrorCode.CONCURRENT_TRANSACTIONS, aborted.message ?? "The open transaction is still being aborted");
        state = this.#states.get(transactionalId)!;
      } else {
        state = await this.#bumpEpoch(state);
      }
      const ready = { ...state, timeoutMs, status: TransactionStatus.empty, partitions: new Map(), startMs: -1, updateMs: now };
      await this.#write(ready);
      return { errorCode: ErrorCode.NONE, value: { producerId: ready.producerId, producerEpoch: ready.producerEpoch } };
    });
  }

  /** AddPartitionsToTxn: the partitions join the producer's transaction, which is open from then on. */
  addPartitions(transactionalId: string, producer: { producerId: number; producerEpoch: number }, topics: readonly TopicPartitions[]): Promise<PartitionResult[] | { errorCode: number; message: string }> {
    return this.#serially(transactionalId, async () => {
      const state = this.#states.get(transactionalId);
      const problem = this.#producerProblem(transactionalId, state, producer);
      if (problem) return problem;
      const unknown = (name: string, partition: number) => {
        // The offsets partition belongs to the group coordinator, which writes its marker.
        if (name === consumerOffsetsTopic) return partition !== 0;
        const topic = this.#topics.get(name);
        return topic === undefined || partition < 0 || partition >= topic.partitions.length;
      };
      const anyUnknown = topics.some((topic) => topic.partitions.some((partition) => unknown(topic.name, partition)));
      const results = topics.flatMap((topic) => topic.partitions.map((partition) => ({
        topic: topic.name,
        partition,
        errorCode: !anyUnknown ? ErrorCode.NONE : unknown(topic.name, partition) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.OPERATION_NOT_ATTEMPTED,
      })));
      if (anyUnknown) return results;
      await this.#join(state!, topics);
      return results;
    });
  }

  /** AddOffsetsToTxn: the offsets topic joins the transaction, for TxnOffsetCommit. */
  async addOffsets(transactionalId: string, producer: { producerId: number; producerEpoch: number }): Promise<number> {
    const result = await this.addPartitions(transactionalId, producer, [{ name: consumerOffsetsTopic, partitions: [0] }]);
    return Array.isArray(result) ? (result.find((entry) => entry.errorCode !== ErrorCode.NONE)?.errorCode ?? ErrorCode.NONE) : result.errorCode;
  }

  /**
   * Whether the producer may write to a partition in its transaction (Produce with a
   * transactional id): it must be the current instance, with the partition added.
   */
  verifyProduce(transactionalId: string, producer: { producerId: number; producerEpoch: number }, topic: string, partition: number): { errorCode: number; message: string } | null {
    const state = this.#states.get(transactionalId);
    const problem = this.#producerProblem(transactionalId, state, producer);
    if (problem) return problem;
    if (state!.status !== TransactionStatus.ongoing || !state!.partitions.get(topic)?.has(partition)) {
      return failure(ErrorCode.INVALID_TXN_STATE, `Partition ${topic}-${partition} is not part of the open transaction of "${transactionalId}"`);
    }
    return null;
  }

  /** Whether `producer` may commit offsets in its transaction (TxnOffsetCommit): AddOffsetsToTxn must have come first. */
  verifyOffsets(transactionalId: string, producer: { producerId: number; producerEpoch: number }): { errorCode: number; message: string } | null {
    return this.verifyProduce(transactionalId, producer, consumerOffsetsTopic, 0);
  }

  /**
   * EndTxn: commits or aborts the open transaction: the decision is written first, then a
   * marker into every partition of the transaction, then the completion. A retry of an end
   * already done answers NONE; ending nothing is INVALID_TXN_STATE.
   */
  endTransaction(transactionalId: string, producer: { producerId: number; producerEpoch: number }, commit: boolean): Promise<{ errorCode: number; message?: string }> {
    return this.#serially(transactionalId, async () => {
      const state = this.#states.get(transactionalId);
      const problem = this.#producerProblem(transactionalId, state, producer);
      if (problem) return problem;
      const done = commit ? TransactionStatus.completeCommit : TransactionStatus.completeAbort;
      if (state!.status === done) return { errorCode: ErrorCode.NONE };
      if (state!.status !== TransactionStatus.ongoing) {
        return failure(ErrorCode.INVALID_TXN_STATE, `"${transactionalId}" has no open transaction to ${commit ? "commit" : "abort"}`);
      }
      return this.#prepareAndComplete(state!, commit);
    });
  }

  #producerProblem(transactionalId: string, state: TransactionState | undefined, producer: { producerId: number; producerEpoch: number }): { errorCode: number; message: string } | null {
    if (state === undefined || state.producerId !== producer.producerId) {
      return failure(ErrorCode.INVALID_PRODUCER_ID_MAPPING, `Producer ${producer.producerId} is not the one of transactional id "${transactionalId}"`);
    }
    if (producer.producerEpoch !== state.producerEpoch) {
      return failure(ErrorCode.PRODUCER_FENCED, `Epoch ${producer.producerEpoch} of "${transactionalId}" was fenced by epoch ${state.producerEpoch}`);
    }
    return null;
  }

  async #join(state: TransactionState, topics: readonly TopicPartitions[]): Promise<void> {
    const partitions = new Map([...state.partitions].map(([topic, set]) => [topic, new Set(set)]));
    let added = state.status !== TransactionStatus.ongoing;
    for (const topic of topics) {
      const set = partitions.get(topic.name) ?? new Set<number>();
      for (const partition of topic.partitions) {
        if (!set.has(partition)) added = true;
        set.add(partition);
      }
      partitions.set(topic.name, set);
    }
    if (!added) return;
    const now = this.#scheduler.now();
    const startMs = state.status === TransactionStatus.ongoing ? state.startMs : now;
    await this.#write({ ...state, status: TransactionStatus.ongoing, partitions, startMs, updateMs: now });
  }

  async #bumpEpoch(state: TransactionState): Promise<TransactionState> {
    const bumped = state.producerEpoch >= producerEpochMax
      ? { ...state, producerId: await this.#producerIds.next(), producerEpoch: 0 }
      : { ...state, producerEpoch: state.producerEpoch + 1 };
    return bumped;
  }

  /** Writes the decision, then the markers and the completion. */
  async #prepareAndComplete(state: TransactionState, commit: boolean): Promise<{ errorCode: number; message?: string }> {
    const prepared = { ...state, status: commit ? TransactionStatus.prepareCommit : TransactionStatus.prepareAbort, updateMs: this.#scheduler.now() };
    await this.#write(prepared);
    return this.#complete(prepared);
  }

  /**
   * Writes the markers of a prepared transaction into its partitions, then the completion. A
   * partition whose topic is gone is skipped. Should a marker not be written, the transaction
   * stays prepared and the caller gets COORDINATOR_NOT_AVAILABLE: a retry writes the markers again.
   */
  async #complete(state: TransactionState): Promise<{ errorCode: number; message?: string }> {
    const commit = state.status === TransactionStatus.prepareCommit;
    const marker = { producerId: state.producerId, producerEpoch: state.producerEpoch, commit, coordinatorEpoch: 0 };
    const writes: Promise<unknown>[] = [];
    for (const [name, partitions] of state.partitions) {
      for (const index of partitions) {
        if (name === consumerOffsetsTopic) {
          if (this.#offsets) writes.push(this.#offsets.completeTransaction(marker));
          continue;
        }
        const partition = this.#topics.get(name)?.partitions[index];
        if (partition !== undefined) writes.push(partition.writeMarker(marker, this.#scheduler.now()));
      }
    }
    const outcomes = await Promise.allSettled(writes);
    const failed = outcomes.find((outcome) => outcome.status === "rejected");
    if (failed) {
      const reason = (failed as PromiseRejectedResult).reason as Error;
      this.#logger.error("Cannot write a transaction marker; the transaction stays prepared", { transactionalId: state.transactionalId, error: reason.message });
      const errorCode = reason instanceof ProducerRefusedError ? reason.errorCode : ErrorCode.COORDINATOR_NOT_AVAILABLE;
      return failure(errorCode, `The ${commit ? "commit" : "abort"} markers of "${state.transactionalId}" could not all be written: ${reason.message}`);
    }
    await this.#write({ ...state, status: commit ? TransactionStatus.completeCommit : TransactionStatus.completeAbort, partitions: new Map(), updateMs: this.#scheduler.now() });
    return { errorCode: ErrorCode.NONE };
  }

  async #write(state: TransactionState): Promise<void> {
    await this.#log.write(state, this.#scheduler.now());
    this.#states.set(state.transactionalId, state);
  }

  #serially<T>(transactionalId: string, operation: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(transactionalId) ?? Promise.resolve();
    const next = previous.then(operation, operation);
    const tail = next.catch(() => {});
    this.#queues.set(transactionalId, tail);
    void tail.then(() => {
      if (this.#queues.get(transactionalId) === tail) this.#queues.delete(transactionalId);
    });
    return next;
  }

  /** Aborts open transactions older than their timeout and forgets expired ids, every check interval. */
  #scheduleTimeoutCheck(): void {
    if (this.#closed) return;
    this.#cancelTimeoutCheck = this.#scheduler.schedule(transactionTimeoutCheckIntervalMs, () => {
      void this.abortTimedOut()
        .then(() => this.expireIds())
        .finally(() => this.#scheduleTimeoutCheck());
    });
  }

  /**
   * Forgets transactional ids without an open transaction that were last used more than
   * transactional.id.expiration.ms ago (a tombstone in the log), so the state stays bounded;
   * returns how many. A producer using such an id later starts again at a new producer id.
   */
  async expireIds(): Promise<number> {
    const now = this.#scheduler.now();
    const idle = (state: TransactionState) =>
      (state.status === TransactionStatus.empty || state.status === TransactionStatus.completeCommit || state.status === TransactionStatus.completeAbort) &&
      now - state.updateMs > transactionalIdExpirationMs;
    let expired = 0;
    for (const state of [...this.#states.values()].filter(idle)) {
      await this.#serially(state.transactionalId, async () => {
        const current = this.#states.get(state.transactionalId);
        if (current === undefined || !idle(current)) return;
        await this.#log.remove(current.transactionalId, now);
        this.#states.delete(current.transactionalId);
        expired++;
      }).catch((error: unknown) => this.#logger.error("Cannot expire a transactional id", { transactionalId: state.transactionalId, error: (error as Error).message }));
    }
    if (expired > 0) this.#logger.info("Expired idle transactional ids", { count: expired });
    return expired;
  }

  /** Aborts (with a new epoch, fencing the producer) every open transaction past its timeout; returns how many. */
  async abortTimedOut(): Promise<number> {
    const now = this.#scheduler.now();
    // Markers that could not be written before are tried again.
    for (const state of [...this.#states.values()]) {
      if (state.status !== TransactionStatus.prepareCommit && state.status !== TransactionStatus.prepareAbort) continue;
      await this.#serially(state.transactionalId, async () => {
        const current = this.#states.get(state.transactionalId);
        if (current?.status === TransactionStatus.prepareCommit || current?.status === TransactionStatus.prepareAbort) await this.#complete(current);
      });
    }
    const expired = [...this.#states.values()].filter((state) => state.status === TransactionStatus.ongoing && now - state.startMs > state.timeoutMs);
    for (const state of expired) {
      await this.#serially(state.transactionalId, async () => {
        const current = this.#states.get(state.transactionalId);
        if (current?.status !== TransactionStatus.ongoing || now - current.startMs <= current.timeoutMs) return;
        this.#logger.info("Aborting a transaction past its timeout", { transactionalId: current.transactionalId, timeoutMs: current.timeoutMs });
        await this.#prepareAndComplete(await this.#bumpEpoch(current), false);
      }).catch((error: unknown) => this.#logger.error("Cannot abort a timed-out transaction", { transactionalId: state.transactionalId, error: (error as Error).message }));
    }
    return expired.length;
  }
}
