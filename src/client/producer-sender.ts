// Ships closed batches to partition leaders. Each partition has a queue and at most one batch
// in flight, so records keep their order even when a batch is retried; batches of different
// partitions led by the same broker share one Produce request (up to `requestBytesMax`), and
// requests to one broker are pipelined by its connection. A retriable failure (leader moved,
// connection lost) refreshes the topic's metadata and retries the batch after a backoff.
//
// Produce Request (Version: 9) => transactional_id acks timeout_ms [topic_data] _tagged_fields
//   topic_data => name [partition_data] _tagged_fields
//     partition_data => index records _tagged_fields
// Produce Response (Version: 9) => [responses] throttle_time_ms _tagged_fields
//   responses => name [partition_responses] _tagged_fields
//     partition_responses => index error_code base_offset log_append_time_ms log_start_offset
//                            [record_errors] error_message _tagged_fields

import { ErrorCode, KafkaProtocolError } from "../protocol/errors.ts";
import { Produce, type ProduceRequest, type ProduceResponsePartitionProduceResponse } from "../protocol/messages/produce.ts";
import type { Cluster } from "./cluster.ts";
import { ConnectionError, DeliveryError, isRetriableError } from "./errors.ts";
import type { ProducerOptions } from "./producer.ts";
import { backoffDelayMs } from "./retry.ts";

/** An encoded batch waiting for (or being) delivered. */
export interface ClosedBatch {
  topic: string;
  partition: number;
  recordCount: number;
  bytes: Uint8Array;
  attempts: number;
  /** Not sent again before this time (epoch ms) after a retriable failure. */
  retryAtMs: number;
  resolve(baseOffset: number): void;
  reject(error: Error): void;
}

interface PartitionQueue {
  topic: string;
  partition: number;
  batches: ClosedBatch[];
  inFlight: boolean;
}

export class ProducerSender {
  readonly #cluster: Cluster;
  readonly #options: ProducerOptions;
  readonly #queues = new Map<string, PartitionQueue>();
  readonly #refreshing = new Set<string>();
  #drainScheduled = false;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(cluster: Cluster, options: ProducerOptions) {
    this.#cluster = cluster;
    this.#options = options;
  }

  enqueue(batch: ClosedBatch): void {
    const key = `${batch.partition}:${batch.topic}`;
    let queue = this.#queues.get(key);
    if (queue === undefined) {
      queue = { topic: batch.topic, partition: batch.partition, batches: [], inFlight: false };
      this.#queues.set(key, queue);
    }
    queue.batches.push(batch);
    this.#scheduleDrain();
  }

  /** Drains once the current synchronous work is done, so batches closed together share requests. */
  #scheduleDrain(): void {
    if (this.#drainScheduled) return;
    this.#drainScheduled = true;
    queueMicrotask(() => {
      this.#drainScheduled = false;
      this.#drain();
    });
  }

  #drain(): void {
    const now = Date.now();
    const byLeader = new Map<number, PartitionQueue[]>();
    let nextRetryAtMs = Infinity;
    for (const queue of this.#queues.values()) {
      const head = queue.batches[0];
      if (queue.inFlight || head === undefined) continue;
      if (head.retryAtMs > now) {
        nextRetryAtMs = Math.min(nextRetryAtMs, head.retryAtMs);
        continue;
      }
      const leader = this.#cluster.leaderOf(queue.topic, queue.partition);
      if (leader < 0) {
        this.#refresh(queue.topic);
        continue;
      }
      const group = byLeader.get(leader) ?? [];
      group.push(queue);
      byLeader.set(leader, group);
    }
    if (nextRetryAtMs < Infinity) this.#scheduleRetry(nextRetryAtMs - now);
    for (const [leader, queues] of byLeader) {
      for (const request of this.#splitIntoRequests(queues)) void this.#send(leader, request);
    }
  }

  #scheduleRetry(delayMs: number): void {
    if (this.#retryTimer !== null) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.#drain();
    }, delayMs);
  }

  /** Groups partition queues into requests of at most `requestBytesMax` bytes of batches (at least one each). */
  #splitIntoRequests(queues: PartitionQueue[]): PartitionQueue[][] {
    const requests: PartitionQueue[][] = [];
    let current: PartitionQueue[] = [];
    let bytes = 0;
    for (const queue of queues) {
      const size = queue.batches[0].bytes.length;
      if (current.length > 0 && bytes + size > this.#options.requestBytesMax) {
        requests.push(current);
        current = [];
        bytes = 0;
      }
      current.push(queue);
      bytes += size;
    }
    if (current.length > 0) requests.push(current);
    return requests;
  }

  async #send(leader: number, queues: PartitionQueue[]): Promise<void> {
    for (const queue of queues) queue.inFlight = true;
    try {
      const connection = await this.#cluster.brokerConnection(leader);
      const request = this.#request(queues);
      if (this.#options.acks === 0) {
        await connection.send(Produce, request);
        for (const queue of queues) queue.batches.shift()?.resolve(-1);
        return;
      }
      const response = await connection.request(Produce, request, { extraWaitMs: this.#options.ackTimeoutMs });
      const answers = new Map<string, ProduceResponsePartitionProduceResponse>();
      for (const topic of response.responses) {
        for (const partition of topic.partitionResponses) answers.set(`${partition.index}:${topic.name}`, partition);
      }
      for (const queue of queues) this.#settle(queue, answers.get(`${queue.partition}:${queue.topic}`));
    } catch (error) {
      for (const queue of queues) this.#failAttempt(queue, error as Error);
    } finally {
      for (const queue of queues) queue.inFlight = false;
      this.#scheduleDrain();
    }
  }

  #request(queues: PartitionQueue[]): ProduceRequest {
    const topics = new Map<string, Array<{ index: number; records: Uint8Array }>>();
    for (const queue of queues) {
      const partitions = topics.get(queue.topic) ?? [];
      partitions.push({ index: queue.partition, records: queue.batches[0].bytes });
      topics.set(queue.topic, partitions);
    }
    return {
      transactionalId: null,
      acks: this.#options.acks,
      timeoutMs: this.#options.ackTimeoutMs,
      topicData: [...topics].map(([name, partitionData]) => ({ name, partitionData })),
    };
  }

  #settle(queue: PartitionQueue, answer: ProduceResponsePartitionProduceResponse | undefined): void {
    if (answer === undefined) {
      this.#failAttempt(queue, new ConnectionError(`The broker's Produce response left out topic "${queue.topic}" partition ${queue.partition}`));
      return;
    }
    if (answer.errorCode === ErrorCode.NONE) {
      queue.batches.shift()?.resolve(answer.baseOffset);
      return;
    }
    const details = [answer.errorMessage, ...(answer.recordErrors ?? []).map((entry) => `record ${entry.batchIndex}: ${entry.batchIndexErrorMessage ?? "rejected"}`)];
    const detail = details.filter((entry) => entry !== null && entry !== undefined && entry !== "").join("; ");
    this.#failAttempt(queue, new KafkaProtocolError(answer.errorCode, detail === "" ? undefined : detail));
  }

  #failAttempt(queue: PartitionQueue, error: Error): void {
    const batch = queue.batches[0];
    if (batch === undefined) return;
    batch.attempts++;
    if (isRetriableError(error) && batch.attempts < this.#options.retry.attempts) {
      batch.retryAtMs = Date.now() + backoffDelayMs(batch.attempts - 1, this.#options.retry);
      this.#cluster.logger.debug("Retrying produce", { topic: queue.topic, partition: queue.partition, attempt: batch.attempts, error });
      this.#refresh(queue.topic);
      return;
    }
    queue.batches.shift();
    const tries = batch.attempts > 1 ? ` after ${batch.attempts} attempts` : "";
    batch.reject(
      new DeliveryError(`Cannot deliver ${batch.recordCount} records to topic "${queue.topic}" partition ${queue.partition}${tries}: ${error.message}`, {
        cause: error,
      }),
    );
  }

  /** Refreshes a topic's leaders (one refresh per topic at a time), then drains again. */
  #refresh(topic: string): void {
    if (this.#refreshing.has(topic)) return;
    this.#refreshing.add(topic);
    this.#cluster
      .topic(topic, { allowAutoTopicCreation: this.#options.allowAutoTopicCreation })
      .then(
        // Fresh metadata still without a leader (say, a partition the topic no longer has) is a failed
        // attempt too, or the batch would wait through refresh after refresh forever.
        () => this.#failLeaderless(topic, new KafkaProtocolError(ErrorCode.LEADER_NOT_AVAILABLE, `the metadata of topic "${topic}" names no leader for the partition`)),
        (error) => this.#failLeaderless(topic, error as Error),
      )
      .finally(() => {
        this.#refreshing.delete(topic);
        this.#scheduleDrain();
      });
  }

  /** Metadata could not be had: the topic's waiting batches count a failed attempt each. */
  #failLeaderless(topic: string, error: Error): void {
    for (const queue of this.#queues.values()) {
      if (queue.topic === topic && !queue.inFlight && this.#cluster.leaderOf(topic, queue.partition) < 0) this.#failAttempt(queue, error);
    }
  }
}
