// DescribeGroups: state, protocol and members of groups. A classic group shows member metadata
// and assignments only while Stable (as Kafka); a KIP-848 group shows its members'
// subscriptions and current assignments encoded in the consumer protocol. An unknown group is
// reported Dead with no error (v0–5).
//
// DescribeGroups Request (Version: 5) => [groups] include_authorized_operations _tagged_fields
// DescribeGroups Response (Version: 5) => throttle_time_ms [groups] _tagged_fields
//   groups => error_code group_id group_state protocol_type protocol_data [members] authorized_operations _tagged_fields
//     members => member_id group_instance_id client_id client_host member_metadata member_assignment _tagged_fields

import { ErrorCode } from "../../protocol/errors.ts";
import type { DescribeGroupsRequest, DescribeGroupsResponse, DescribeGroupsResponseDescribedGroup } from "../../protocol/messages/describe-groups.ts";
import { ClassicGroup, GroupState } from "../groups/classic-group.ts";
import type { ConsumerGroup } from "../groups/consumer-group.ts";
import { encodeAssignment, encodeSubscription } from "../../protocol/consumer-protocol.ts";
import { coordinatorOf, groupIdProblem } from "../groups/group-context.ts";
import type { Handler } from "../handler-context.ts";
import type { TopicRegistry } from "../topic-registry.ts";
import { groupAllowed, Operation } from "../access.ts";

/** Kafka's "authorized operations not requested" marker. */
const operationsNotRequested = -2147483648;
const noBytes = new Uint8Array(0);

function describeClassic(group: ClassicGroup): DescribeGroupsResponseDescribedGroup {
  const stable = group.state === GroupState.stable;
  return {
    errorCode: ErrorCode.NONE,
    groupId: group.groupId,
    groupState: group.state,
    protocolType: group.protocolType ?? "",
    protocolData: stable ? (group.protocolName ?? "") : "",
    members: [...group.members.values()].map((member) => ({
      memberId: member.memberId,
      groupInstanceId: member.groupInstanceId,
      clientId: member.clientId,
      clientHost: member.clientHost,
      memberMetadata: stable ? (member.protocols.find((protocol) => protocol.name === group.protocolName)?.metadata ?? noBytes) : noBytes,
      memberAssignment: stable ? member.assignment : noBytes,
    })),
    authorizedOperations: operationsNotRequested,
  };
}

/** Topic ids to names for an assignment; partitions of deleted topics are left out. */
export function assignmentByName(topics: TopicRegistry, partitions: ReadonlyMap<string, ReadonlySet<number>>): { topic: string; partitions: number[] }[] {
  const named: { topic: string; partitions: number[] }[] = [];
  for (const [topicId, set] of partitions) {
    const topic = topics.getById(topicId);
    if (topic && set.size > 0) named.push({ topic: topic.meta.name, partitions: [...set].sort((a, b) => a - b) });
  }
  return named.sort((a, b) => (a.topic < b.topic ? -1 : 1));
}

function describeConsumer(group: ConsumerGroup, topics: TopicRegistry): DescribeGroupsResponseDescribedGroup {
  return {
    errorCode: ErrorCode.NONE,
    groupId: group.groupId,
    groupState: group.state,
    protocolType: "consumer",
    protocolData: group.assignorName,
    members: [...group.members.values()].map((member) => ({
      memberId: member.memberId,
      groupInstanceId: member.instanceId,
      clientId: member.clientId,
      clientHost: member.clientHost,
      memberMetadata: encodeSubscription(member.subscribedTopicNames),
      memberAssignment: encodeAssignment(assignmentByName(topics, member.assigned)),
    })),
    authorizedOperations: operationsNotRequested,
  };
}

function missing(groupId: string, errorCode: number): DescribeGroupsResponseDescribedGroup {
  return { errorCode, groupId, groupState: GroupState.dead, protocolType: "", protocolData: "", members: [], authorizedOperations: operationsNotRequested };
}

export const handleDescribeGroups: Handler<DescribeGroupsRequest, DescribeGroupsResponse> = async (request, ctx) => {
  const coordinator = coordinatorOf(ctx);
  return {
    throttleTimeMs: 0,
    groups: request.groups.map((groupId) => {
      if (!groupAllowed(ctx, Operation.DESCRIBE, groupId)) return missing(groupId, ErrorCode.GROUP_AUTHORIZATION_FAILED);
      if (!coordinator) return missing(groupId, ErrorCode.COORDINATOR_NOT_AVAILABLE);
      const problem = groupIdProblem(groupId);
      if (problem !== ErrorCode.NONE) return missing(groupId, problem);
      const group = coordinator.get(groupId);
      if (!group) return missing(groupId, ErrorCode.NONE);
      return group instanceof ClassicGroup ? describeClassic(group) : describeConsumer(group, ctx.topics);
    }),
  };
};
