// What the group coordinator keeps in `__consumer_offsets`, as the engine sees it: one record
// per committed offset and one per group (a null value deletes it). offsets-topic-format.ts
// turns these into Kafka's binary records and back.

export interface CommittedOffset {
  offset: number;
  leaderEpoch: number;
  metadata: string | null;
  commitTimestampMs: number;
}

export interface StoredMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  /** The member's metadata for the group's protocol, base64. */
  subscription: string;
  /** The member's assignment, base64. */
  assignment: string;
}

/** Partitions by topic id: [topicId, partitions] pairs. */
export type StoredPartitions = [string, number[]][];

/** A KIP-848 member as Kafka persists it: metadata, epochs and current assignment. */
export interface StoredConsumerMember {
  memberId: string;
  instanceId: string | null;
  rackId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  subscribedTopicNames: string[];
  serverAssignor: string | null;
  memberEpoch: number;
  previousMemberEpoch: number;
  assigned: StoredPartitions;
  revoking: StoredPartitions;
  /** The member's target assignment for the group's assignment epoch. */
  target: StoredPartitions;
}

/** What survives a restart of a group besides its offsets. */
export interface StoredGroup {
  kind: "classic" | "consumer";
  protocolType: string | null;
  protocolName: string | null;
  /** Generation (classic) or group epoch (consumer). */
  generation: number;
  leader: string | null;
  /** When the group last became empty, or -1 when it has members. */
  emptySinceMs: number;
  members: StoredMember[];
  /** KIP-848 groups: the assignment epoch and the members (absent in records written before membership was stored). */
  consumer?: { assignmentEpoch: number; members: StoredConsumerMember[] };
}

export type GroupRecordKey =
  | { type: "offset"; group: string; topic: string; partition: number }
  | { type: "group"; group: string };

export interface GroupRecord {
  key: GroupRecordKey;
  /** null writes a tombstone. */
  value: CommittedOffset | StoredGroup | null;
}

export function bytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64");
}

export function base64ToBytes(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "base64"));
}
