// Membership of a consumer group with the KIP-848 protocol (ConsumerGroupHeartbeat): the broker
// assigns partitions, the member heartbeats every heartbeat_interval_ms, reports the partitions
// it owns, and learns of a new assignment in a heartbeat answer. Committed offsets are read
// with OffsetFetch and written with OffsetCommit under the member's id and epoch. Needs a
// broker with KIP-848 groups (chronik, Kafka 4.0+).
//
// ConsumerGroupHeartbeat Request (Version: 0) => group_id member_id member_epoch instance_id rack_id
//   rebalance_timeout_ms [subscribed_topic_names] server_assignor [topic_partitions] _tagged_fields
//   topic_partitions => topic_id [partitions] _tagged_fields
// ConsumerGroupHeartbeat Response (Version: 0) => throttle_time_ms error_code error_message member_id
//   member_epoch heartbeat_interval_ms assignment _tagged_fields
//   assignment => [topic_partitions] _tagged_fields

import { randomUUID } from "node:crypto";
import { ErrorCode, KafkaProtocolError } from "../protocol/errors.ts";
import { ConsumerGroupHeartbeat } from "../protocol/messages/consumer-group-heartbeat.ts";
import { FindCoordinator } from "../protocol/messages/find-coordinator.ts";
import { OffsetCommit } from "../protocol/messages/offset-commit.ts";
import { OffsetFetch } from "../protocol/messages/offset-fetch.ts";
import type { Cluster } from "./cluster.ts";
import type { Connection } from "./connection.ts";
import { ClientError } from "./errors.ts";
import { retry } from "./retry.ts";

/** Topic name → assigned partitions (sorted). */
export type GroupAssignment = Map<string, number[]>;

export interface GroupMemberOptions {
  groupId: string;
  topics: string[];
  /** How long the member may take to give up revoked partitions. */
  rebalanceTimeoutMs: number;
}

const groupKeyType = 0;
const leaveEpoch = -1;

export class GroupMember {
  readonly #cluster: Cluster;
  readonly #options: GroupMemberOptions;
  readonly #memberId = randomUUID().replaceAll("-", "").slice(0, 22);
  #memberEpoch = 0;
  #heartbeatIntervalMs = 1000;
  #coordinator: Promise<Connection> | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #owned: GroupAssignment = new Map();
  #idsToNames = new Map<string, string>();
  #onAssignment: (assignment: GroupAssignment) => void = () => {};
  #failure: Error | null = null;
  #left = false;

  constructor(cluster: Cluster, options: GroupMemberOptions) {
    this.#cluster = cluster;
    this.#options = options;
  }

  get memberId(): string {
    return this.#memberId;
  }

  /** A heartbeat failure that ended the membership, if any. */
  get failure(): Error | null {
    return this.#failure;
  }

  /** Joins and waits for the first assignment; `onAssignment` hears of every later change. */
  async join(onAssignment: (assignment: GroupAssignment) => void): Promise<GroupAssignment> {
    for (const name of this.#options.topics) this.#idsToNames.set((await this.#cluster.topic(name)).topicId, name);
    this.#onAssignment = onAssignment;
    const first = await this.#heartbeat();
    this.#schedule();
    return first ?? new Map();
  }

  /** Tells the coordinator which partitions this member now consumes (after acting on an assignment). */
  acknowledge(assignment: GroupAssignment): void {
    this.#owned = assignment;
  }

  /** Committed offsets of the group for these partitions (missing: none committed). */
  async committedOffsets(assignment: GroupAssignment): Promise<Map<string, Map<number, number>>> {
    const connection = await this.#coordinatorConnection();
    const response = await connection.request(OffsetFetch, {
      groups: [{ groupId: this.#options.groupId, memberId: null, memberEpoch: -1, topics: [...assignment].map(([name, partitionIndexes]) => ({ name, partitionIndexes })) }],
      requireStable: false,
    });
    const group = response.groups?.[0];
    if (group && (group.errorCode ?? ErrorCode.NONE) !== ErrorCode.NONE) throw new KafkaProtocolError(group.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, `offsets of group "${this.#options.groupId}"`);
    const offsets = new Map<string, Map<number, number>>();
    for (const topic of group?.topics ?? []) {
      const partitions = new Map<number, number>();
      for (const partition of topic.partitions) if (partition.committedOffset >= 0) partitions.set(partition.partitionIndex, partition.committedOffset);
      offsets.set(topic.name, partitions);
    }
    return offsets;
  }

  /** Commits the next offset to read per partition. */
  async commit(positions: Map<string, Map<number, number>>): Promise<void> {
    const topics = [...positions].filter(([, partitions]) => partitions.size > 0);
    if (topics.length === 0 || this.#left) return;
    const connection = await this.#coordinatorConnection();
    const response = await connection.request(OffsetCommit, {
      groupId: this.#options.groupId,
      generationIdOrMemberEpoch: this.#memberEpoch,
      memberId: this.#memberId,
      groupInstanceId: null,
      retentionTimeMs: -1,
      topics: topics.map(([name, partitions]) => ({
        name,
        partitions: [...partitions].map(([partitionIndex, committedOffset]) => ({ partitionIndex, committedOffset, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null })),
      })),
    });
    for (const topic of response.topics) {
      for (const partition of topic.partitions) {
        if (partition.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(partition.errorCode, `commit of group "${this.#options.groupId}" topic "${topic.name}" partition ${partition.partitionIndex}`);
      }
    }
  }

  /** Leaves the group (its partitions go to the other members at once). */
  async leave(): Promise<void> {
    if (this.#left) return;
    this.#left = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    const connection = await this.#coordinatorConnection();
    await connection.request(ConsumerGroupHeartbeat, { groupId: this.#options.groupId, memberId: this.#memberId, memberEpoch: leaveEpoch, topicPartitions: null, subscribedTopicNames: null });
  }

  #schedule(): void {
    if (this.#left) return;
    this.#timer = setTimeout(async () => {
      try {
        const assignment = await this.#heartbeat();
        if (assignment !== null) this.#onAssignment(assignment);
        this.#schedule();
      } catch (error) {
        this.#failure = error as Error;
        this.#onAssignment(new Map());
      }
    }, this.#heartbeatIntervalMs);
  }

  /** One heartbeat; returns the new assignment when the coordinator sent one. */
  async #heartbeat(): Promise<GroupAssignment | null> {
    const joining = this.#memberEpoch === 0;
    const connection = await this.#coordinatorConnection();
    const response = await connection.request(ConsumerGroupHeartbeat, {
      groupId: this.#options.groupId,
      memberId: this.#memberId,
      memberEpoch: this.#memberEpoch,
      instanceId: null,
      rackId: null,
      rebalanceTimeoutMs: this.#options.rebalanceTimeoutMs,
      subscribedTopicNames: joining ? this.#options.topics : null,
      serverAssignor: null,
      topicPartitions: [...this.#owned].map(([name, partitions]) => ({ topicId: this.#idOf(name), partitions })),
    });
    if (response.errorCode !== ErrorCode.NONE) {
      this.#coordinator = null;
      throw new KafkaProtocolError(response.errorCode, response.errorMessage ? `group "${this.#options.groupId}": ${response.errorMessage}` : `group "${this.#options.groupId}"`);
    }
    this.#memberEpoch = response.memberEpoch;
    this.#heartbeatIntervalMs = response.heartbeatIntervalMs;
    if (response.assignment === null || response.assignment === undefined) return null;
    const assignment: GroupAssignment = new Map();
    for (const entry of response.assignment.topicPartitions) {
      const name = this.#idsToNames.get(entry.topicId);
      if (name !== undefined) assignment.set(name, [...entry.partitions].sort((a, b) => a - b));
    }
    return assignment;
  }

  #idOf(name: string): string {
    for (const [id, known] of this.#idsToNames) if (known === name) return id;
    throw new ClientError(`Topic "${name}" has no known id`);
  }

  #coordinatorConnection(): Promise<Connection> {
    this.#coordinator ??= retry(
      async () => {
        const connection = await this.#cluster.anyConnection();
        const response = await connection.request(FindCoordinator, { keyType: groupKeyType, coordinatorKeys: [this.#options.groupId] });
        const coordinator = response.coordinators?.[0];
        const errorCode = coordinator?.errorCode ?? response.errorCode ?? ErrorCode.NONE;
        if (errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(errorCode, `coordinator of group "${this.#options.groupId}"`);
        const nodeId = coordinator?.nodeId ?? response.nodeId ?? -1;
        if (!this.#cluster.brokers.has(nodeId)) await this.#cluster.refreshMetadata([]);
        return this.#cluster.brokerConnection(nodeId);
      },
      { ...this.#cluster.retryOptions, logger: this.#cluster.logger, what: `coordinator of group "${this.#options.groupId}"` },
    );
    this.#coordinator.catch(() => {
      this.#coordinator = null;
    });
    return this.#coordinator;
  }
}
