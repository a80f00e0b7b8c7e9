// TxnOffsetCommit: a transactional producer commits a group's offsets inside its transaction
// (the consume-transform-produce loop). They count once the transaction commits.
//
// TxnOffsetCommit Request (Version: 3) => transactional_id group_id producer_id producer_epoch generation_id
//   member_id group_instance_id [topics] _tagged_fields
// TxnOffsetCommit Response (Version: 3) => throttle_time_ms [topics] _tagged_fields

import { ErrorCode } from "../../protocol/errors.ts";
import type { TxnOffsetCommitRequest, TxnOffsetCommitResponse } from "../../protocol/messages/txn-offset-commit.ts";
import { groupIdProblem } from "../groups/group-context.ts";
import type { OffsetToCommit } from "../groups/group-coordinator.ts";
import type { Handler } from "../handler-context.ts";
import { partitionOf } from "../topic-lookup.ts";
import { fencedFor } from "./transaction-errors.ts";
import { groupAllowed, Operation, topicAllowed, transactionalIdAllowed } from "../access.ts";

export const handleTxnOffsetCommit: Handler<TxnOffsetCommitRequest, TxnOffsetCommitResponse> = async (request, ctx) => {
  const everyPartition = (errorOf: (topic: string, partition: number) => number): TxnOffsetCommitResponse => ({
    throttleTimeMs: 0,
    topics: request.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map(({ partitionIndex }) => ({ partitionIndex, errorCode: errorOf(topic.name, partitionIndex) })),
    })),
  });
  if (!transactionalIdAllowed(ctx, Operation.WRITE, request.transactionalId)) return everyPartition(() => ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  if (!groupAllowed(ctx, Operation.READ, request.groupId)) return everyPartition(() => ErrorCode.GROUP_AUTHORIZATION_FAILED);
  const { transactions, groups } = ctx;
  if (!transactions || !groups) return everyPartition(() => ErrorCode.COORDINATOR_NOT_AVAILABLE);
  const groupProblem = groupIdProblem(request.groupId);
  if (groupProblem !== ErrorCode.NONE) return everyPartition(() => groupProblem);
  const producer = { producerId: request.producerId, producerEpoch: request.producerEpoch };
  const refused = transactions.verifyOffsets(request.transactionalId, producer);
  if (refused) return everyPartition(() => fencedFor(refused.errorCode, ctx.apiVersion, 3));

  const errors = new Map<string, number>();
  const valid: OffsetToCommit[] = [];
  for (const topic of request.topics) {
    const known = ctx.topics.get(topic.name);
    for (const entry of topic.partitions) {
      const metadata = entry.committedMetadata ?? null;
      const key = `${topic.name}\u0000${entry.partitionIndex}`;
      if (!topicAllowed(ctx, Operation.READ, topic.name)) errors.set(key, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
      else if (!known || !partitionOf(known, entry.partitionIndex)) errors.set(key, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      else if (metadata !== null && Buffer.byteLength(metadata) > groups.config.offsetMetadataBytesMax) errors.set(key, ErrorCode.OFFSET_METADATA_TOO_LARGE);
      else valid.push({ topic: topic.name, partition: entry.partitionIndex, offset: entry.committedOffset, leaderEpoch: entry.committedLeaderEpoch ?? -1, metadata });
    }
  }
  let groupError: number;
  try {
    groupError = await groups.commitTransactionalOffsets(
      request.groupId,
      producer,
      { memberId: request.memberId ?? "", groupInstanceId: request.groupInstanceId ?? null, generationId: request.generationId ?? -1 },
      valid,
    );
  } catch (error) {
    ctx.logger.error("Cannot store transactional offsets", { group: request.groupId, error });
    groupError = ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }
  return everyPartition((topic, partition) => errors.get(`${topic}\u0000${partition}`) ?? groupError);
};
