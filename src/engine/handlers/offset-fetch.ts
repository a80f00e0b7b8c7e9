// OffsetFetch: a group's committed offsets, for the partitions asked or (topics null) all of
// them. A partition without a committed offset answers offset -1 and no error, as Kafka does.
// v8+ asks for several groups at once. With require_stable (v7+, KIP-447), a partition whose
// offset waits in an open transaction answers UNSTABLE_OFFSET_COMMIT: the client retries until
// the transaction ends, so it never starts from an offset about to change.
//
// OffsetFetch Request (Version: 8) => [groups] require_stable _tagged_fields
//   groups => group_id [topics] _tagged_fields
//     topics => name [partition_indexes] _tagged_fields
// OffsetFetch Response (Version: 8) => throttle_time_ms [groups] _tagged_fields
//   groups => group_id [topics] error_code _tagged_fields
//     topics => name [partitions] _tagged_fields
//       partitions => partition_index committed_offset committed_leader_epoch metadata error_code _tagged_fields
// (v0–7: one group_id and [topics] at the top level, and a top-level error_code from v2.)

import { ErrorCode } from "../../protocol/errors.ts";
import type { OffsetFetchRequest, OffsetFetchResponse } from "../../protocol/messages/offset-fetch.ts";
import { coordinatorOf, groupIdProblem } from "../groups/group-context.ts";
import type { GroupCoordinator } from "../groups/group-coordinator.ts";
import type { Handler, HandlerContext } from "../handler-context.ts";
import { groupAllowed, Operation, topicAllowed } from "../access.ts";

const multiGroupVersionMin = 8;

interface FetchedTopic {
  name: string;
  partitions: { partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; metadata: string | null; errorCode: number }[];
}

function fetchGroup(ctx: HandlerContext, coordinator: GroupCoordinator, groupId: string, topics: { name: string; partitionIndexes: number[] }[] | null, requireStable: boolean): FetchedTopic[] {
  const stability = (topic: string, partition: number) =>
    requireStable && coordinator.hasPendingOffset(groupId, topic, partition) ? ErrorCode.UNSTABLE_OFFSET_COMMIT : ErrorCode.NONE;
  if (topics === null) {
    const byTopic = new Map<string, FetchedTopic>();
    for (const entry of coordinator.offsets.list(groupId)) {
      // All of a group's offsets: only those of topics the principal may describe, as Kafka does.
      if (!topicAllowed(ctx, Operation.DESCRIBE, entry.topic)) continue;
      const topic = byTopic.get(entry.topic) ?? { name: entry.topic, partitions: [] };
      topic.partitions.push({ partitionIndex: entry.partition, committedOffset: entry.offset, committedLeaderEpoch: entry.leaderEpoch, metadata: entry.metadata, errorCode: stability(entry.topic, entry.partition) });
      byTopic.set(entry.topic, topic);
    }
    return [...byTopic.values()];
  }
  return topics.map(({ name, partitionIndexes }) => ({
    name,
    partitions: partitionIndexes.map((partitionIndex) => {
      if (!topicAllowed(ctx, Operation.DESCRIBE, name)) return { partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: "", errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED };
      const committed = coordinator.offsets.get(groupId, name, partitionIndex);
      return {
        partitionIndex,
        committedOffset: committed?.offset ?? -1,
        committedLeaderEpoch: committed?.leaderEpoch ?? -1,
        metadata: committed ? committed.metadata : "",
        errorCode: stability(name, partitionIndex),
      };
    }),
  }));
}

function groupError(ctx: HandlerContext, coordinator: GroupCoordinator | null, groupId: string): number {
  if (!groupAllowed(ctx, Operation.DESCRIBE, groupId)) return ErrorCode.GROUP_AUTHORIZATION_FAILED;
  return coordinator ? groupIdProblem(groupId) : ErrorCode.COORDINATOR_NOT_AVAILABLE;
}

export const handleOffsetFetch: Handler<OffsetFetchRequest, OffsetFetchResponse> = async (request, ctx) => {
  const coordinator = coordinatorOf(ctx);
  if (ctx.apiVersion >= multiGroupVersionMin) {
    return {
      throttleTimeMs: 0,
      groups: (request.groups ?? []).map(({ groupId, topics }) => {
        const errorCode = groupError(ctx, coordinator, groupId);
        return { groupId, errorCode, topics: errorCode === ErrorCode.NONE ? fetchGroup(ctx, coordinator!, groupId, topics ?? null, request.requireStable === true) : [] };
      }),
    };
  }
  const groupId = request.groupId ?? "";
  const errorCode = groupError(ctx, coordinator, groupId);
  // v0 and v1 have no top-level error code: put it on every partition asked for.
  if (errorCode !== ErrorCode.NONE) {
    const topics = (request.topics ?? []).map(({ name, partitionIndexes }) => ({
      name,
      partitions: partitionIndexes.map((partitionIndex) => ({ partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: "", errorCode })),
    }));
    return { throttleTimeMs: 0, errorCode, topics };
  }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, topics: fetchGroup(ctx, coordinator!, groupId, request.topics ?? null, request.requireStable === true) };
};
