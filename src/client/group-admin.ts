// Consumer group administration: list, describe, read and set committed offsets, delete. Every
// group call goes to the group's coordinator (FindCoordinator); listing asks every broker.
//
// FindCoordinator Request (Version: 4) => key_type [coordinator_keys] _tagged_fields
// FindCoordinator Response (Version: 4) => throttle_time_ms [coordinators] _tagged_fields
//   coordinators => key node_id host port error_code error_message _tagged_fields
// DescribeGroups Request (Version: 5) => [groups] include_authorized_operations _tagged_fields
// DescribeGroups Response (Version: 5) => throttle_time_ms [groups] _tagged_fields
//   groups => error_code group_id group_state protocol_type protocol_data [members] authorized_operations _tagged_fields
//     members => member_id group_instance_id client_id client_host member_metadata member_assignment _tagged_fields
// OffsetFetch Request (Version: 8) => [groups] require_stable _tagged_fields
//   groups => group_id [topics] _tagged_fields   (null topics: every committed offset)
// OffsetCommit Request (Version: 8) => group_id generation_id_or_member_epoch member_id group_instance_id [topics] _tagged_fields
// DeleteGroups Request (Version: 2) => [groups_names] _tagged_fields
// ListGroups Request (Version: 5) => [states_filter] [types_filter] _tagged_fields
//
// Member assignments of consumer groups are ConsumerProtocolAssignment bytes (protocol/consumer-protocol.ts).

import { decodeConsumerAssignment, type TopicPartitions } from "../protocol/consumer-protocol.ts";
import { ErrorCode, KafkaProtocolError } from "../protocol/errors.ts";
import { DeleteGroups } from "../protocol/messages/delete-groups.ts";
import { DescribeGroups } from "../protocol/messages/describe-groups.ts";
import { FindCoordinator } from "../protocol/messages/find-coordinator.ts";
import { ListGroups } from "../protocol/messages/list-groups.ts";
import { OffsetCommit } from "../protocol/messages/offset-commit.ts";
import { OffsetFetch } from "../protocol/messages/offset-fetch.ts";
import type { Cluster } from "./cluster.ts";
import type { Connection } from "./connection.ts";
import { retry } from "./retry.ts";

/** FindCoordinator key type of a consumer group (1 would be a transactional id). */
const groupKeyType = 0;

export interface GroupListing {
  groupId: string;
  /** "consumer" for consumer groups, "" for groups that only store offsets. */
  protocolType: string;
  state: string;
  /** "classic" or "consumer" (KIP-848); "" when the broker does not say. */
  type: string;
}

export interface GroupMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** Decoded from the member's assignment bytes; empty when they are not a consumer protocol assignment. */
  assignment: TopicPartitions[];
}

export interface GroupDescription {
  groupId: string;
  state: string;
  protocolType: string;
  /** The selected assignor (classic groups), "" when none. */
  protocol: string;
  members: GroupMember[];
}

export interface CommittedOffset {
  topic: string;
  partition: number;
  offset: number;
  metadata: string | null;
}

export interface OffsetToCommit {
  topic: string;
  partition: number;
  offset: number;
}

function check(errorCode: number, what: string): void {
  if (errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(errorCode, what);
}

export class GroupAdmin {
  readonly #cluster: Cluster;

  constructor(cluster: Cluster) {
    this.#cluster = cluster;
  }

  /** The connection to the group's coordinator; retried while the coordinator is loading or moving. */
  async #coordinator(groupId: string): Promise<Connection> {
    return retry(
      async () => {
        const connection = await this.#cluster.anyConnection();
        const response = await connection.request(FindCoordinator, { keyType: groupKeyType, coordinatorKeys: [groupId] });
        const coordinator = response.coordinators?.[0];
        const errorCode = coordinator?.errorCode ?? response.errorCode ?? ErrorCode.NONE;
        check(errorCode, `coordinator of group "${groupId}"`);
        const nodeId = coordinator?.nodeId ?? response.nodeId ?? -1;
        if (!this.#cluster.brokers.has(nodeId)) await this.#cluster.refreshMetadata([]);
        return this.#cluster.brokerConnection(nodeId);
      },
      { ...this.#cluster.retryOptions, logger: this.#cluster.logger, what: `coordinator of group "${groupId}"` },
    );
  }

  /** Every group on every broker, sorted by id. */
  async listGroups(): Promise<GroupListing[]> {
    await this.#cluster.refreshMetadata([]);
    const listings: GroupListing[] = [];
    for (const nodeId of this.#cluster.brokers.keys()) {
      const connection = await this.#cluster.brokerConnection(nodeId);
      const response = await connection.request(ListGroups, { statesFilter: [], typesFilter: [] });
      check(response.errorCode, `groups of broker ${nodeId}`);
      for (const group of response.groups) {
        listings.push({ groupId: group.groupId, protocolType: group.protocolType, state: group.groupState ?? "", type: group.groupType ?? "" });
      }
    }
    return listings.sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
  }

  /** The group's state and members; a group that does not exist is "Dead" with no members, as Kafka reports it. */
  async describeGroup(groupId: string): Promise<GroupDescription> {
    const connection = await this.#coordinator(groupId);
    const response = await connection.request(DescribeGroups, { groups: [groupId], includeAuthorizedOperations: false });
    const group = response.groups[0];
    check(group.errorCode, `group "${groupId}"`);
    return {
      groupId,
      state: group.groupState,
      protocolType: group.protocolType,
      protocol: group.protocolData,
      members: group.members.map((member) => ({
        memberId: member.memberId,
        groupInstanceId: member.groupInstanceId ?? null,
        clientId: member.clientId,
        clientHost: member.clientHost,
        assignment: decodeConsumerAssignment(member.memberAssignment) ?? [],
      })),
    };
  }

  /** Every committed offset of the group, sorted by topic then partition. */
  async fetchOffsets(groupId: string): Promise<CommittedOffset[]> {
    const connection = await this.#coordinator(groupId);
    const response = await connection.request(OffsetFetch, { groups: [{ groupId, memberId: null, memberEpoch: -1, topics: null }], requireStable: false });
    const group = response.groups![0];
    check(group.errorCode ?? ErrorCode.NONE, `offsets of group "${groupId}"`);
    const offsets: CommittedOffset[] = [];
    for (const topic of group.topics) {
      for (const partition of topic.partitions) {
        check(partition.errorCode, `offset of group "${groupId}" topic "${topic.name}" partition ${partition.partitionIndex}`);
        if (partition.committedOffset >= 0) offsets.push({ topic: topic.name, partition: partition.partitionIndex, offset: partition.committedOffset, metadata: partition.metadata ?? null });
      }
    }
    return offsets.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  }

  /**
   * Commits offsets outside group membership (generation -1), which the coordinator accepts only
   * while the group has no members; throws on the first partition that was refused.
   */
  async commitOffsets(groupId: string, offsets: readonly OffsetToCommit[]): Promise<void> {
    const byTopic = new Map<string, OffsetToCommit[]>();
    for (const entry of offsets) byTopic.set(entry.topic, [...(byTopic.get(entry.topic) ?? []), entry]);
    const connection = await this.#coordinator(groupId);
    const response = await connection.request(OffsetCommit, {
      groupId,
      generationIdOrMemberEpoch: -1,
      memberId: "",
      groupInstanceId: null,
      retentionTimeMs: -1,
      topics: [...byTopic].map(([name, entries]) => ({
        name,
        partitions: entries.map((entry) => ({ partitionIndex: entry.partition, committedOffset: entry.offset, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null })),
      })),
    });
    for (const topic of response.topics) {
      for (const partition of topic.partitions) check(partition.errorCode, `commit of group "${groupId}" topic "${topic.name}" partition ${partition.partitionIndex}`);
    }
  }

  /** Deletes an empty group and its offsets; NON_EMPTY_GROUP while it has members. */
  async deleteGroup(groupId: string): Promise<void> {
    const connection = await this.#coordinator(groupId);
    const response = await connection.request(DeleteGroups, { groupsNames: [groupId] });
    check(response.results[0].errorCode, `delete group "${groupId}"`);
  }
}
