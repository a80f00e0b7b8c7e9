// ListGroups: every group this coordinator knows, optionally filtered by state (v4, case
// insensitive) and by type (v5: "classic" or "consumer").
//
// ListGroups Request (Version: 5) => [states_filter] [types_filter] _tagged_fields
// ListGroups Response (Version: 5) => throttle_time_ms error_code [groups] _tagged_fields
//   groups => group_id protocol_type group_state group_type _tagged_fields

import { ErrorCode } from "../../protocol/errors.ts";
import type { ListGroupsRequest, ListGroupsResponse } from "../../protocol/messages/list-groups.ts";
import { ClassicGroup } from "../groups/classic-group.ts";
import { coordinatorOf } from "../groups/group-context.ts";
import type { Handler } from "../handler-context.ts";
import { clusterAllowed, groupAllowed, Operation } from "../access.ts";

export const handleListGroups: Handler<ListGroupsRequest, ListGroupsResponse> = async (request, ctx) => {
  const coordinator = coordinatorOf(ctx);
  if (!coordinator) return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, groups: [] };
  const states = new Set((request.statesFilter ?? []).map((state) => state.toLowerCase()));
  const types = new Set((request.typesFilter ?? []).map((type) => type.toLowerCase()));
  // Kafka's rule: DESCRIBE on the cluster lists every group, otherwise only the groups the principal may describe.
  const everyGroup = clusterAllowed(ctx, Operation.DESCRIBE);
  const groups = coordinator
    .list()
    .filter((group) => everyGroup || groupAllowed(ctx, Operation.DESCRIBE, group.groupId))
    .map((group) => {
      const classic = group instanceof ClassicGroup;
      return {
        groupId: group.groupId,
        protocolType: classic ? (group.protocolType ?? "") : "consumer",
        groupState: group.state as string,
        groupType: classic ? "classic" : "consumer",
      };
    })
    .filter((group) => (states.size === 0 || states.has(group.groupState.toLowerCase())) && (types.size === 0 || types.has(group.groupType)))
    .sort((a, b) => (a.groupId < b.groupId ? -1 : 1));
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, groups };
};
