// Transaction administration (kafka-transactions.sh's list, describe and describe-producers):
// listing asks every broker, describing asks the transactional id's coordinator (FindCoordinator
// key type 1), and producers are asked of each partition's leader.
//
// ListTransactions Request (Version: 1) => [state_filters] [producer_id_filters] duration_filter _tagged_fields
// DescribeTransactions Request (Version: 0) => [transactional_ids] _tagged_fields
// DescribeProducers Request (Version: 0) => [topics] _tagged_fields

import { ErrorCode, KafkaProtocolError } from "../protocol/errors.ts";
import { DescribeProducers } from "../protocol/messages/describe-producers.ts";
import { DescribeTransactions } from "../protocol/messages/describe-transactions.ts";
import { FindCoordinator } from "../protocol/messages/find-coordinator.ts";
import { ListTransactions } from "../protocol/messages/list-transactions.ts";
import type { Cluster } from "./cluster.ts";
import { retry } from "./retry.ts";

const transactionKeyType = 1;

export interface TransactionListing {
  transactionalId: string;
  producerId: number;
  state: string;
}

export interface TransactionDescription {
  transactionalId: string;
  state: string;
  producerId: number;
  producerEpoch: number;
  timeoutMs: number;
  /** When the open transaction began, -1 when none is open. */
  startTimeMs: number;
  partitions: Array<{ topic: string; partitions: number[] }>;
}

export interface ProducerState {
  partition: number;
  producerId: number;
  producerEpoch: number;
  lastSequence: number;
  lastTimestamp: number;
  coordinatorEpoch: number;
  /** The first offset of its open transaction, -1 when none. */
  currentTransactionStartOffset: number;
}

function check(errorCode: number, what: string): void {
  if (errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(errorCode, what);
}

export class TransactionAdmin {
  readonly #cluster: Cluster;

  constructor(cluster: Cluster) {
    this.#cluster = cluster;
  }

  /** Every transactional id on every broker, sorted, optionally only those in `states`. */
  async list(states: string[] = []): Promise<TransactionListing[]> {
    await this.#cluster.refreshMetadata([]);
    const listings: TransactionListing[] = [];
    for (const nodeId of this.#cluster.brokers.keys()) {
      const connection = await this.#cluster.brokerConnection(nodeId);
      const response = await connection.request(ListTransactions, { stateFilters: states, producerIdFilters: [], durationFilter: -1 });
      check(response.errorCode, `transactions of broker ${nodeId}`);
      for (const state of response.transactionStates) listings.push({ transactionalId: state.transactionalId, producerId: state.producerId, state: state.transactionState });
    }
    return listings.sort((a, b) => a.transactionalId.localeCompare(b.transactionalId));
  }

  async describe(transactionalId: string): Promise<TransactionDescription> {
    const connection = await retry(
      async () => {
        const any = await this.#cluster.anyConnection();
        const response = await any.request(FindCoordinator, { keyType: transactionKeyType, coordinatorKeys: [transactionalId] });
        const coordinator = response.coordinators?.[0];
        check(coordinator?.errorCode ?? response.errorCode ?? ErrorCode.NONE, `coordinator of transactional id "${transactionalId}"`);
        const nodeId = coordinator?.nodeId ?? response.nodeId ?? -1;
        if (!this.#cluster.brokers.has(nodeId)) await this.#cluster.refreshMetadata([]);
        return this.#cluster.brokerConnection(nodeId);
      },
      { ...this.#cluster.retryOptions, logger: this.#cluster.logger, what: `coordinator of transactional id "${transactionalId}"` },
    );
    const response = await connection.request(DescribeTransactions, { transactionalIds: [transactionalId] });
    const state = response.transactionStates[0];
    check(state?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, `transactional id "${transactionalId}"`);
    return {
      transactionalId,
      state: state.transactionState,
      producerId: state.producerId,
      producerEpoch: state.producerEpoch,
      timeoutMs: state.transactionTimeoutMs,
      startTimeMs: state.transactionStartTimeMs,
      partitions: state.topics.map((topic) => ({ topic: topic.topic, partitions: topic.partitions })),
    };
  }

  /** The producers each partition of `topic` knows (all partitions when `partitions` is absent). */
  async producers(topic: string, partitions?: number[]): Promise<ProducerState[]> {
    const info = await this.#cluster.topic(topic);
    const wanted = partitions ?? info.partitions.map((entry) => entry.partition);
    const states: ProducerState[] = [];
    for (const partition of wanted) {
      const leader = info.partitions.find((entry) => entry.partition === partition)?.leaderId;
      if (leader === undefined || leader < 0) throw new KafkaProtocolError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `partition ${partition} of topic "${topic}"`);
      const connection = await this.#cluster.brokerConnection(leader);
      const response = await connection.request(DescribeProducers, { topics: [{ name: topic, partitionIndexes: [partition] }] });
      const answer = response.topics[0]?.partitions[0];
      check(answer?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, `producers of topic "${topic}" partition ${partition}`);
      for (const producer of answer.activeProducers) {
        states.push({
          partition,
          producerId: producer.producerId,
          producerEpoch: producer.producerEpoch,
          lastSequence: producer.lastSequence ?? -1,
          lastTimestamp: producer.lastTimestamp ?? -1,
          coordinatorEpoch: producer.coordinatorEpoch,
          currentTransactionStartOffset: producer.currentTxnStartOffset ?? -1,
        });
      }
    }
    return states;
  }
}
