// OffsetDelete: drops a group's committed offsets for some partitions. Refused per partition
// (GROUP_SUBSCRIBED_TO_TOPIC) while a member of the group consumes the topic, and for the whole
// request (NON_EMPTY_GROUP) when a non-consumer group has members.
//
// OffsetDelete Request (Version: 0) => group_id [topics]
//   topics => name [partitions]
//     partitions => partition_index
// OffsetDelete Response (Version: 0) => error_code throttle_time_ms [topics]
//   topics => name [partitions]
//     partitions => partition_index error_code

import { ErrorCode } from "../../protocol/errors.ts";
import type { OffsetDeleteRequest, OffsetDeleteResponse } from "../../protocol/messages/offset-delete.ts";
import { ClassicGroup } from "../groups/classic-group.ts";
import { subscribedTopics } from "../../protocol/consumer-protocol.ts";
import { coordinatorOf, groupIdProblem } from "../groups/group-context.ts";
import type { Group } from "../groups/group-coordinator.ts";
import type { Handler } from "../handler-context.ts";
import { groupAllowed, Operation, topicAllowed } from "../access.ts";

/** Topics some member of the group consumes; null when the group's members cannot be read that way. */
function topicsInUse(group: Group): Set<string> | null {
  const inUse = new Set<string>();
  if (!(group instanceof ClassicGroup)) {
    for (const member of group.members.values()) for (const topic of member.subscribedTopicNames) inUse.add(topic);
    return inUse;
  }
  if (group.members.size === 0) return inUse;
  if (group.protocolType !== "consumer") return null;
  for (const member of group.members.values()) {
    const metadata = member.protocols.find((protocol) => protocol.name === group.protocolName)?.metadata;
    for (const topic of (metadata && subscribedTopics(metadata)) ?? []) inUse.add(topic);
  }
  return inUse;
}

export const handleOffsetDelete: Handler<OffsetDeleteRequest, OffsetDeleteResponse> = async (request, ctx) => {
  const refuse = (errorCode: number): OffsetDeleteResponse => ({ errorCode, throttleTimeMs: 0, topics: [] });
  if (!groupAllowed(ctx, Operation.DELETE, request.groupId)) return refuse(ErrorCode.GROUP_AUTHORIZATION_FAILED);
  const coordinator = coordinatorOf(ctx);
  if (!coordinator) return refuse(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  const problem = groupIdProblem(request.groupId);
  if (problem !== ErrorCode.NONE) return refuse(problem);
  const group = coordinator.get(request.groupId);
  if (!group) return refuse(ErrorCode.GROUP_ID_NOT_FOUND);
  const inUse = topicsInUse(group);
  if (inUse === null) return refuse(ErrorCode.NON_EMPTY_GROUP);
  const deletable: { topic: string; partition: number }[] = [];
  const topics = request.topics.map(({ name, partitions }) => {
    const known = ctx.topics.get(name);
    const readable = topicAllowed(ctx, Operation.READ, name);
    return {
      name,
      partitions: partitions.map(({ partitionIndex }) => {
        if (!readable) return { partitionIndex, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED };
        if (!known || partitionIndex < 0 || partitionIndex >= known.partitions.length) return { partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
        if (inUse.has(name)) return { partitionIndex, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC };
        deletable.push({ topic: name, partition: partitionIndex });
        return { partitionIndex, errorCode: ErrorCode.NONE };
      }),
    };
  });
  try {
    await coordinator.deleteOffsets(request.groupId, deletable);
  } catch (error) {
    ctx.logger.error("Cannot delete committed offsets", { group: request.groupId, error });
    return refuse(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  }
  return { errorCode: ErrorCode.NONE, throttleTimeMs: 0, topics };
};
