// ConsumerGroupHeartbeat (KIP-848): joins, heartbeats and leaves a consumer group in one API;
// the coordinator assigns partitions server-side ("uniform" or "range").
//
// ConsumerGroupHeartbeat Request (Version: 1) => group_id member_id member_epoch instance_id rack_id rebalance_timeout_ms [subscribed_topic_names] subscribed_topic_regex server_assignor [topic_partitions] _tagged_fields
//   topic_partitions => topic_id [partitions] _tagged_fields
// ConsumerGroupHeartbeat Response (Version: 1) => throttle_time_ms error_code error_message member_id member_epoch heartbeat_interval_ms assignment _tagged_fields
//   assignment => [topic_partitions] _tagged_fields
//     topic_partitions => topic_id [partitions] _tagged_fields

import { ErrorCode } from "../../protocol/errors.ts";
import type { ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse } from "../../protocol/messages/consumer-group-heartbeat.ts";
import { ConsumerGroup, type ConsumerHeartbeatResult } from "../groups/consumer-group.ts";
import { clientHostOf, coordinatorOf, groupIdProblem } from "../groups/group-context.ts";
import type { Handler } from "../handler-context.ts";
import { groupAllowed, Operation, topicAllowed } from "../access.ts";

/** From v1 the client generates its member id (a UUID) before its first heartbeat. */
const clientMemberIdVersionMin = 1;

export const handleConsumerGroupHeartbeat: Handler<ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse> = async (request, ctx) => {
  const fail = (errorCode: number, errorMessage: string): ConsumerGroupHeartbeatResponse => ({
    throttleTimeMs: 0,
    errorCode,
    errorMessage,
    memberId: request.memberId || null,
    memberEpoch: request.memberEpoch,
    heartbeatIntervalMs: 0,
    assignment: null,
  });
  if (!groupAllowed(ctx, Operation.READ, request.groupId)) return fail(ErrorCode.GROUP_AUTHORIZATION_FAILED, `Not allowed to READ group "${request.groupId}"`);
  const hidden = (request.subscribedTopicNames ?? []).find((topic) => !topicAllowed(ctx, Operation.DESCRIBE, topic));
  if (hidden !== undefined) return fail(ErrorCode.TOPIC_AUTHORIZATION_FAILED, `Not allowed to DESCRIBE topic "${hidden}"`);
  const coordinator = coordinatorOf(ctx);
  if (!coordinator) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE, "The group coordinator is not running");
  if (groupIdProblem(request.groupId) !== ErrorCode.NONE) return fail(ErrorCode.INVALID_GROUP_ID, "Group id is empty");
  const group = coordinator.consumerGroup(request.groupId, request.memberEpoch === 0);
  if (!group) return fail(ErrorCode.UNKNOWN_MEMBER_ID, `Group "${request.groupId}" has no member "${request.memberId}"`);
  if (!(group instanceof ConsumerGroup)) {
    return fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group "${request.groupId}" is a classic group with members`);
  }
  let result: ConsumerHeartbeatResult;
  try {
    result = await group.heartbeat({
      memberId: request.memberId,
      memberEpoch: request.memberEpoch,
      instanceId: request.instanceId ?? null,
      rackId: request.rackId ?? null,
      rebalanceTimeoutMs: request.rebalanceTimeoutMs ?? -1,
      subscribedTopicNames: request.subscribedTopicNames ?? null,
      subscribedTopicRegex: request.subscribedTopicRegex ?? null,
      serverAssignor: request.serverAssignor ?? null,
      ownedPartitions: request.topicPartitions ?? null,
      clientId: ctx.clientId ?? "",
      clientHost: clientHostOf(ctx),
      clientChoosesMemberId: ctx.apiVersion >= clientMemberIdVersionMin,
    });
  } catch (error) {
    // The change could not be made durable: the client retries against a coordinator that can write.
    ctx.logger.error("Cannot store consumer group", { group: request.groupId, error });
    return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE, "The group coordinator cannot write the group log");
  }
  return {
    throttleTimeMs: 0,
    errorCode: result.errorCode,
    errorMessage: result.errorMessage,
    memberId: result.memberId,
    memberEpoch: result.memberEpoch,
    heartbeatIntervalMs: result.heartbeatIntervalMs,
    assignment: result.assignment === null ? null : { topicPartitions: result.assignment },
  };
};
