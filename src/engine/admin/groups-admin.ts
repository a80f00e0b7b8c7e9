// Consumer groups as the HTTP API, the console and /metrics see them: state, members and their
// assignments, committed offsets with lag, and resetting offsets or deleting a group that has no
// members (as `kafka-consumer-groups --reset-offsets` and `--delete` require).

import { decodeConsumerAssignment, type TopicPartitions } from "../../protocol/consumer-protocol.ts";
import { ErrorCode } from "../../protocol/errors.ts";
import { ClassicGroup, GroupState } from "../groups/classic-group.ts";
import type { GroupCoordinator } from "../groups/group-coordinator.ts";
import { assignmentByName } from "../handlers/describe-groups.ts";
import type { TopicRegistry } from "../topic-registry.ts";
import { AdminError } from "./topics-admin.ts";

export interface PartitionLag {
  topic: string;
  partition: number;
  committedOffset: number;
  highWatermark: number;
  /** The high watermark minus the committed offset, never below 0: `chronik group describe`'s LAG. */
  lag: number;
}

/** Lag of every partition the group has a committed offset for (in a topic that still exists). */
export function groupLags(groups: GroupCoordinator, topics: TopicRegistry, groupId: string): PartitionLag[] {
  const lags: PartitionLag[] = [];
  for (const committed of groups.offsets.list(groupId)) {
    const partition = topics.get(committed.topic)?.partitions[committed.partition];
    if (partition === undefined) continue;
    const highWatermark = partition.log.highWatermark;
    lags.push({ topic: committed.topic, partition: committed.partition, committedOffset: committed.offset, highWatermark, lag: Math.max(0, highWatermark - committed.offset) });
  }
  return lags;
}

/** Every group: those with members or a state, and those with only committed offsets. */
export function groupIds(groups: GroupCoordinator): string[] {
  return [...new Set([...groups.list().map((group) => group.groupId), ...groups.offsets.groups()])].sort();
}

export interface GroupSummary {
  groupId: string;
  /** "classic" or "consumer" (KIP-848). */
  type: "classic" | "consumer";
  state: string;
  members: number;
  topics: string[];
  lag: number;
}

export interface GroupMemberDetail {
  memberId: string;
  instanceId: string | null;
  clientId: string;
  clientHost: string;
  assignment: TopicPartitions[];
}

export interface GroupDetail extends GroupSummary {
  protocol: string;
  memberDetails: GroupMemberDetail[];
  offsets: Array<PartitionLag & { memberId: string | null }>;
}

function summaryOf(groups: GroupCoordinator, topics: TopicRegistry, groupId: string): GroupSummary {
  const group = groups.get(groupId);
  const lags = groupLags(groups, topics, groupId);
  return {
    groupId,
    type: group === undefined || group instanceof ClassicGroup ? "classic" : "consumer",
    state: group?.state ?? GroupState.empty,
    members: group?.members.size ?? 0,
    topics: [...new Set(lags.map((row) => row.topic))].sort(),
    lag: lags.reduce((sum, row) => sum + row.lag, 0),
  };
}

export function listGroups(groups: GroupCoordinator, topics: TopicRegistry): GroupSummary[] {
  return groupIds(groups).map((groupId) => summaryOf(groups, topics, groupId));
}

function membersOf(groups: GroupCoordinator, topics: TopicRegistry, groupId: string): GroupMemberDetail[] {
  const group = groups.get(groupId);
  if (group === undefined) return [];
  if (group instanceof ClassicGroup) {
    // A classic group's assignments are final only once it is Stable (DescribeGroups shows them then too).
    const stable = group.state === GroupState.stable;
    return [...group.members.values()].map((member) => ({
      memberId: member.memberId,
      instanceId: member.groupInstanceId,
      clientId: member.clientId,
      clientHost: member.clientHost,
      assignment: stable ? (decodeConsumerAssignment(member.assignment) ?? []) : [],
    }));
  }
  return [...group.members.values()].map((member) => ({
    memberId: member.memberId,
    instanceId: member.instanceId,
    clientId: member.clientId,
    clientHost: member.clientHost,
    assignment: assignmentByName(topics, member.assigned),
  }));
}

export function describeGroup(groups: GroupCoordinator, topics: TopicRegistry, groupId: string): GroupDetail {
  const group = groups.get(groupId);
  if (group === undefined && !groups.offsets.has(groupId)) throw new AdminError(ErrorCode.GROUP_ID_NOT_FOUND, `Group "${groupId}" does not exist`);
  const memberDetails = membersOf(groups, topics, groupId);
  const owners = new Map<string, string>();
  for (const member of memberDetails) for (const { topic, partitions } of member.assignment) for (const partition of partitions) owners.set(`${topic}/${partition}`, member.memberId);
  const protocol = group === undefined ? "" : group instanceof ClassicGroup ? (group.protocolName ?? "") : group.assignorName;
  return {
    ...summaryOf(groups, topics, groupId),
    protocol,
    memberDetails,
    offsets: groupLags(groups, topics, groupId).map((row) => ({ ...row, memberId: owners.get(`${row.topic}/${row.partition}`) ?? null })),
  };
}

export type ResetTarget = { kind: "earliest" } | { kind: "latest" } | { kind: "offset"; offset: number } | { kind: "timestamp"; timestamp: number };

export interface ResetRequest {
  topic: string;
  /** Every partition of the topic when absent. */
  partitions?: number[];
  to: ResetTarget;
}

/** Commits new offsets for a group with no members; returns them. */
export async function resetGroupOffsets(groups: GroupCoordinator, topics: TopicRegistry, groupId: string, request: ResetRequest): Promise<Array<{ partition: number; offset: number }>> {
  const group = groups.get(groupId);
  if (group !== undefined && group.members.size > 0) {
    throw new AdminError(ErrorCode.NON_EMPTY_GROUP, `Group "${groupId}" has ${group.members.size} active member(s) (state ${group.state}): stop its consumers before resetting offsets`);
  }
  const topic = topics.get(request.topic);
  if (topic === undefined) throw new AdminError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic "${request.topic}" does not exist`);
  const chosen = request.partitions ?? topic.partitions.map((partition) => partition.index);
  const offsets: Array<{ partition: number; offset: number }> = [];
  for (const index of chosen) {
    const partition = topic.partitions[index];
    if (partition === undefined) throw new AdminError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic "${request.topic}" has no partition ${index}`);
    const { log } = partition;
    const to = request.to;
    const offset =
      to.kind === "earliest" ? log.logStartOffset
      : to.kind === "latest" ? log.highWatermark
      : to.kind === "offset" ? Math.min(Math.max(to.offset, log.logStartOffset), log.highWatermark)
      : ((await log.offsetForTimestamp(to.timestamp))?.offset ?? log.highWatermark);
    offsets.push({ partition: index, offset });
  }
  const errorCode = await groups.commitOffsets(
    groupId,
    { memberId: "", groupInstanceId: null, generationId: -1 },
    offsets.map(({ partition, offset }) => ({ topic: request.topic, partition, offset, leaderEpoch: -1, metadata: null })),
  );
  if (errorCode !== ErrorCode.NONE) throw new AdminError(errorCode, `Cannot commit the offsets of group "${groupId}"`);
  return offsets;
}

export async function deleteGroup(groups: GroupCoordinator, groupId: string): Promise<void> {
  const errorCode = await groups.deleteGroup(groupId);
  if (errorCode === ErrorCode.GROUP_ID_NOT_FOUND && groups.offsets.has(groupId)) {
    // A group known only by its committed offsets: deleting it deletes them.
    await groups.deleteOffsets(groupId, groups.offsets.list(groupId).map(({ topic, partition }) => ({ topic, partition })));
    return;
  }
  if (errorCode === ErrorCode.NON_EMPTY_GROUP) throw new AdminError(errorCode, `Group "${groupId}" has active members: stop its consumers before deleting it`);
  if (errorCode !== ErrorCode.NONE) throw new AdminError(errorCode, `Cannot delete group "${groupId}"`);
}
