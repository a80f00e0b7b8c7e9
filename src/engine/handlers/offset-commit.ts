// OffsetCommit: stores a group's consumed positions. The answer is sent only once the offsets
// are durable in `__consumer_offsets`, under the broker's fsync policy.
//
// OffsetCommit Request (Version: 8) => group_id generation_id_or_member_epoch member_id group_instance_id [topics] _tagged_fields
//   topics => name [partitions] _tagged_fields
//     partitions => partition_index committed_offset committed_leader_epoch committed_metadata _tagged_fields
// OffsetCommit Response (Version: 8) => throttle_time_ms [topics] _tagged_fields
//   topics => name [partitions] _tagged_fields
//     partitions => partition_index error_code _tagged_fields

import { ErrorCode } from "../../protocol/errors.ts";
import type { OffsetCommitRequest, OffsetCommitResponse } from "../../protocol/messages/offset-commit.ts";
import { coordinatorOf, groupIdProblem } from "../groups/group-context.ts";
import type { OffsetToCommit } from "../groups/group-coordinator.ts";
import type { Handler } from "../handler-context.ts";
import { partitionOf } from "../topic-lookup.ts";
import { groupAllowed, Operation, topicAllowed } from "../access.ts";

export const handleOffsetCommit: Handler<OffsetCommitRequest, OffsetCommitResponse> = async (request, ctx) => {
  const coordinator = coordinatorOf(ctx);
  const everyPartition = (errorCode: number): OffsetCommitResponse => ({
    throttleTimeMs: 0,
    topics: request.topics.map((topic) => ({ name: topic.name, partitions: topic.partitions.map(({ partitionIndex }) => ({ partitionIndex, errorCode })) })),
  });
  if (!groupAllowed(ctx, Operation.READ, request.groupId)) return everyPartition(ErrorCode.GROUP_AUTHORIZATION_FAILED);
  if (!coordinator) return everyPartition(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  const groupProblem = groupIdProblem(request.groupId);
  if (groupProblem !== ErrorCode.NONE) return everyPartition(groupProblem);

  // Per-partition checks first; the valid rest is committed together, or refused together.
  const errors = new Map<string, number>();
  const valid: OffsetToCommit[] = [];
  for (const topic of request.topics) {
    const known = ctx.topics.get(topic.name);
    for (const entry of topic.partitions) {
      const key = `${topic.name}\u0000${entry.partitionIndex}`;
      const metadata = entry.committedMetadata ?? null;
      if (!topicAllowed(ctx, Operation.READ, topic.name)) errors.set(key, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
      else if (!known || !partitionOf(known, entry.partitionIndex)) errors.set(key, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      else if (metadata !== null && Buffer.byteLength(metadata) > coordinator.config.offsetMetadataBytesMax) errors.set(key, ErrorCode.OFFSET_METADATA_TOO_LARGE);
      else valid.push({ topic: topic.name, partition: entry.partitionIndex, offset: entry.committedOffset, leaderEpoch: entry.committedLeaderEpoch ?? -1, metadata });
    }
  }
  let groupError: number;
  try {
    groupError = await coordinator.commitOffsets(
      request.groupId,
      { memberId: request.memberId ?? "", groupInstanceId: request.groupInstanceId ?? null, generationId: request.generationIdOrMemberEpoch ?? -1 },
      valid,
    );
  } catch (error) {
    ctx.logger.error("Cannot store committed offsets", { group: request.groupId, error });
    groupError = ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map(({ partitionIndex }) => ({
        partitionIndex,
        errorCode: errors.get(`${topic.name}\u0000${partitionIndex}`) ?? groupError,
      })),
    })),
  };
};
