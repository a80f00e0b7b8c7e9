// ConsumerGroupDescribe (KIP-848): epochs, assignor, and each member's current and target assignment.
//
// ConsumerGroupDescribe Request (Version: 0) => [group_ids] include_authorized_operations _tagged_fields
// ConsumerGroupDescribe Response (Version: 0) => throttle_time_ms [groups] _tagged_fields
//   groups => error_code error_message group_id group_state group_epoch assignment_epoch assignor_name [members] authorized_operations _tagged_fields
//     members => member_id instance_id rack_id member_epoch client_id client_host [subscribed_topic_names] subscribed_topic_regex assignment target_assignment _tagged_fields

import { ErrorCode } from "../../protocol/errors.ts";
import type {
  ConsumerGroupDescribeRequest,
  ConsumerGroupDescribeResponse,
  ConsumerGroupDescribeResponseAssignment,
  ConsumerGroupDescribeResponseDescribedGroup,
} from "../../protocol/messages/consumer-group-describe.ts";
import { ConsumerGroup } from "../groups/consumer-group.ts";
import { coordinatorOf, groupIdProblem } from "../groups/group-context.ts";
import type { Handler } from "../handler-context.ts";
import type { TopicRegistry } from "../topic-registry.ts";
import { groupAllowed, Operation } from "../access.ts";

const operationsNotRequested = -2147483648;

function describeAssignment(topics: TopicRegistry, partitions: Iterable<[string, Iterable<number>]>): ConsumerGroupDescribeResponseAssignment {
  const topicPartitions = [];
  for (const [topicId, set] of partitions) {
    const list = [...set].sort((a, b) => a - b);
    if (list.length > 0) topicPartitions.push({ topicId, topicName: topics.getById(topicId)?.meta.name ?? "", partitions: list });
  }
  return { topicPartitions };
}

function describe(group: ConsumerGroup, topics: TopicRegistry): ConsumerGroupDescribeResponseDescribedGroup {
  return {
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    groupId: group.groupId,
    groupState: group.state,
    groupEpoch: group.groupEpoch,
    assignmentEpoch: group.assignmentEpoch,
    assignorName: group.assignorName,
    members: [...group.members.values()].map((member) => ({
      memberId: member.memberId,
      instanceId: member.instanceId,
      rackId: member.rackId,
      memberEpoch: member.memberEpoch,
      clientId: member.clientId,
      clientHost: member.clientHost,
      subscribedTopicNames: member.subscribedTopicNames,
      subscribedTopicRegex: member.subscribedTopicRegex,
      assignment: describeAssignment(topics, member.assigned),
      targetAssignment: describeAssignment(topics, group.targetOf(member.memberId).map(({ topicId, partitions }) => [topicId, partitions] as [string, number[]])),
    })),
    authorizedOperations: operationsNotRequested,
  };
}

function missing(groupId: string, errorCode: number, errorMessage: string): ConsumerGroupDescribeResponseDescribedGroup {
  return { errorCode, errorMessage, groupId, groupState: "Dead", groupEpoch: -1, assignmentEpoch: -1, assignorName: "", members: [], authorizedOperations: operationsNotRequested };
}

export const handleConsumerGroupDescribe: Handler<ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse> = async (request, ctx) => {
  const coordinator = coordinatorOf(ctx);
  return {
    throttleTimeMs: 0,
    groups: request.groupIds.map((groupId) => {
      if (!groupAllowed(ctx, Operation.DESCRIBE, groupId)) return missing(groupId, ErrorCode.GROUP_AUTHORIZATION_FAILED, `Not allowed to DESCRIBE group "${groupId}"`);
      if (!coordinator) return missing(groupId, ErrorCode.COORDINATOR_NOT_AVAILABLE, "The group coordinator is not running");
      if (groupIdProblem(groupId) !== ErrorCode.NONE) return missing(groupId, ErrorCode.INVALID_GROUP_ID, "Group id is empty");
      const group = coordinator.get(groupId);
      if (!group) return missing(groupId, ErrorCode.GROUP_ID_NOT_FOUND, `Group "${groupId}" does not exist`);
      if (!(group instanceof ConsumerGroup)) return missing(groupId, ErrorCode.GROUP_ID_NOT_FOUND, `Group "${groupId}" is not a consumer group`);
      return describe(group, ctx.topics);
    }),
  };
};
