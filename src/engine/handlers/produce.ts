// Produce: validate each partition's record batches, append them, answer when durable.
//
// Produce Request (Version: 9) => transactional_id acks timeout_ms [topic_data] _tagged_fields
//   topic_data => name [partition_data] _tagged_fields
//     partition_data => index records _tagged_fields
// Produce Response (Version: 9) => [responses] throttle_time_ms _tagged_fields
//   responses => name [partition_responses] _tagged_fields
//     partition_responses => index error_code base_offset log_append_time_ms log_start_offset
//                            [record_errors] error_message _tagged_fields

import { ErrorCode } from "../../protocol/errors.ts";
import type {
  ProduceRequest,
  ProduceRequestPartitionProduceData,
  ProduceResponse,
  ProduceResponsePartitionProduceResponse,
} from "../../protocol/messages/produce.ts";
import { Attributes, readBatchHeader } from "../../records/batch-header.ts";
import { correctMaxTimestamps, decodeRecordBatches, validateBatchesForAppend } from "../../records/record-batch.ts";
import { compacts } from "../../storage/log-settings.ts";
import { isInternalTopic } from "../groups/group-log.ts";
import { appendLimitsOf, logSettingsOf } from "../topic-log-settings.ts";
import type { AppendLimits } from "../topic-log-settings.ts";
import { type Handler, type HandlerContext, schedulerOf } from "../handler-context.ts";
import { ProducerRefusedError } from "../partition.ts";
import { lookupTopic, partitionOf } from "../topic-lookup.ts";
import { Operation, topicAllowed, transactionalIdAllowed } from "../access.ts";
import type { Topic } from "../topic-registry.ts";

type PartitionResponse = ProduceResponsePartitionProduceResponse;

function failed(index: number, errorCode: number, errorMessage: string | null = null): PartitionResponse {
  return { index, errorCode, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, recordErrors: [], errorMessage };
}

/**
 * Record-level rules that need the records decoded, checked only for topics that set them:
 * CreateTime within message.timestamp.difference.max.ms of the broker's clock
 * (INVALID_TIMESTAMP), and a key on every record of a compacted topic (INVALID_RECORD).
 */
function recordProblem(
  records: Uint8Array,
  options: { limits: AppendLimits; now: number; compacted: boolean },
): { errorCode: number; message: string } | null {
  const checkTimestamps = !options.limits.logAppendTime && options.limits.timestampDifferenceMaxMs < Number.MAX_SAFE_INTEGER;
  if (!checkTimestamps && !options.compacted) return null;
  for (const batch of decodeRecordBatches(records)) {
    for (const record of batch.records) {
      if (checkTimestamps && Math.abs(record.timestamp - options.now) > options.limits.timestampDifferenceMaxMs) {
        const message = `Timestamp ${record.timestamp} of offset delta ${record.offset - batch.header.baseOffset} is more than ${options.limits.timestampDifferenceMaxMs} ms from the broker's time ${options.now}`;
        return { errorCode: ErrorCode.INVALID_TIMESTAMP, message };
      }
      if (options.compacted && record.key === null) {
        return { errorCode: ErrorCode.INVALID_RECORD, message: "A compacted topic cannot accept a record without a key" };
      }
    }
  }
  return null;
}

/**
 * Validates and issues the append synchronously (so batches of pipelined requests keep their
 * order), returning a promise of the partition's response.
 */
function appendPartition(ctx: HandlerContext, topic: Topic, data: ProduceRequestPartitionProduceData, transactionalId: string | null): Promise<PartitionResponse> {
  const partition = partitionOf(topic, data.index);
  if (!partition) return Promise.resolve(failed(data.index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
  if (!data.records || data.records.length === 0) {
    return Promise.resolve(failed(data.index, ErrorCode.CORRUPT_MESSAGE, "Produce request has no record batches"));
  }
  const configs = topic.meta.configs;
  const limits = appendLimitsOf(configs, ctx.config);
  const validation = validateBatchesForAppend(data.records, { batchBytesMax: limits.batchBytesMax });
  if (!validation.ok) return Promise.resolve(failed(data.index, validation.errorCode, validation.message));
  // Produce v0–v2 carry legacy message sets (magic 0/1), which validation already refused; a
  // magic-2 batch in them breaks the version's contract, as Kafka's ProduceRequest says too.
  if (ctx.apiVersion < 3) {
    return Promise.resolve(failed(data.index, ErrorCode.INVALID_RECORD, `Produce v${ctx.apiVersion} may only carry message sets of magic 0 or 1; use Produce v3+ for record batches`));
  }
  // Kafka's rule since Produce v3: one batch per partition, so a batch is the unit of atomicity.
  if (validation.batches.length !== 1) {
    return Promise.resolve(failed(data.index, ErrorCode.INVALID_RECORD, `Produce v3+ carries exactly one record batch per partition, got ${validation.batches.length}`));
  }
  // Kafka's rule: transactional records come with the transactional id of their producer, and
  // go to a partition the producer added to its open transaction.
  const header = readBatchHeader(data.records);
  const isTransactional = (header.attributes & Attributes.transactional) !== 0;
  if (isTransactional !== (transactionalId !== null)) {
    const message = isTransactional ? "A transactional batch needs the request's transactional id" : "A request with a transactional id carries transactional batches only";
    return Promise.resolve(failed(data.index, ErrorCode.INVALID_RECORD, message));
  }
  if (transactionalId !== null) {
    const refused = ctx.transactions
      ? ctx.transactions.verifyProduce(transactionalId, { producerId: header.producerId, producerEpoch: header.producerEpoch }, topic.meta.name, data.index)
      : { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, message: "The transaction coordinator is not running" };
    if (refused) {
      // Produce reports a fenced producer as INVALID_PRODUCER_EPOCH (Kafka's partition-level answer).
      const errorCode = refused.errorCode === ErrorCode.PRODUCER_FENCED ? ErrorCode.INVALID_PRODUCER_EPOCH : refused.errorCode;
      return Promise.resolve(failed(data.index, errorCode, refused.message));
    }
  }
  const now = schedulerOf(ctx).now();
  const problem = recordProblem(data.records, { limits, now, compacted: compacts(logSettingsOf(configs, ctx.config).cleanupPolicy) });
  if (problem) return Promise.resolve(failed(data.index, problem.errorCode, problem.message));
  const logAppendTime = limits.logAppendTime ? now : undefined;
  // As Kafka's log validator: the stored max timestamp is the records' (old sarama sends -1).
  if (logAppendTime === undefined) correctMaxTimestamps(data.records, validation.batches);

  const records = data.records;
  return partition.append(records, { logAppendTime }).then(
    (appended): PartitionResponse => {
      if (appended.duplicate !== true) ctx.metrics?.produced(topic.meta.name, header.recordCount, records.length);
      return {
        index: data.index,
        errorCode: ErrorCode.NONE,
        baseOffset: appended.baseOffset,
        logAppendTimeMs: appended.logAppendTime,
        logStartOffset: appended.logStartOffset,
        recordErrors: [],
        errorMessage: null,
      };
    },
    (error): PartitionResponse => {
      if (error instanceof ProducerRefusedError) return failed(data.index, error.errorCode, error.message);
      // The topic was deleted meanwhile (its log closed): the partition is unknown now, not failed.
      if (ctx.topics.get(topic.meta.name) !== topic) return failed(data.index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic "${topic.meta.name}" was deleted`);
      ctx.logger.error("Cannot append to partition", { topic: topic.meta.name, partition: data.index, error });
      return failed(data.index, ErrorCode.KAFKA_STORAGE_ERROR, "The broker could not write the batch to disk");
    },
  );
}

export const handleProduce: Handler<ProduceRequest, ProduceResponse> = async (request, ctx) => {
  const acks = request.acks;
  const acksAllowed = acks === 0 || acks === 1 || acks === -1;
  // Kafka's order: the transactional id, then WRITE on each topic, before anything is looked up or created.
  const transactionalId = request.transactionalId ?? null;
  const refusal = (name: string): number | null => {
    if (transactionalId !== null && !transactionalIdAllowed(ctx, Operation.WRITE, transactionalId)) return ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
    return topicAllowed(ctx, Operation.WRITE, name) ? null : ErrorCode.TOPIC_AUTHORIZATION_FAILED;
  };
  const refused = request.topicData.map((data) => refusal(data.name));
  // Topic lookups (and auto-creation) happen first, in request order, before any append is issued.
  const topics = await Promise.all(
    request.topicData.map((data, t) => (acksAllowed && refused[t] === null ? lookupTopic(ctx, data.name, true) : null)),
  );
  const pending = request.topicData.map((data, t) => {
    const lookup = topics[t];
    const partitionResponses = data.partitionData.map((partitionData) => {
      if (!acksAllowed) return Promise.resolve(failed(partitionData.index, ErrorCode.INVALID_REQUIRED_ACKS));
      if (refused[t] !== null) return Promise.resolve(failed(partitionData.index, refused[t]));
      if (!lookup?.topic) return Promise.resolve(failed(partitionData.index, lookup?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR));
      // Kafka's rule: only the broker writes its internal topics (the group coordinator's log).
      if (isInternalTopic(data.name)) {
        return Promise.resolve(failed(partitionData.index, ErrorCode.INVALID_TOPIC_EXCEPTION, `Cannot append to internal topic "${data.name}"`));
      }
      return appendPartition(ctx, lookup.topic, partitionData, transactionalId);
    });
    return { name: data.name, partitionResponses };
  });
  ctx.releaseConnection();

  if (acks === 0) return null;
  const responses = await Promise.all(
    pending.map(async ({ name, partitionResponses }) => ({ name, partitionResponses: await Promise.all(partitionResponses) })),
  );
  return { responses, throttleTimeMs: 0 };
};
