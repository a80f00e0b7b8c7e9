// The records of the internal `__consumer_offsets` topic: one key per committed offset and one
// per group, JSON encoded. Keys are deterministic so compaction keeps the latest value of each;
// a null value (tombstone) deletes the key.
//
//   key   {"type":"offset","group":g,"topic":t,"partition":p}  value {"offset","leaderEpoch","metadata","commitTimestampMs"}
//   key   {"type":"group","group":g}                           value StoredGroup

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

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

export function encodeGroupRecordKey(key: GroupRecordKey): Uint8Array {
  const ordered = key.type === "offset"
    ? { type: key.type, group: key.group, topic: key.topic, partition: key.partition }
    : { type: key.type, group: key.group };
  return textEncoder.encode(JSON.stringify(ordered));
}

export function encodeGroupRecordValue(value: CommittedOffset | StoredGroup | null): Uint8Array | null {
  return value === null ? null : textEncoder.encode(JSON.stringify(value));
}

/** Decodes a stored key; null for keys this version does not know (they are skipped, not fatal). */
export function decodeGroupRecordKey(bytes: Uint8Array): GroupRecordKey | null {
  const parsed = JSON.parse(textDecoder.decode(bytes)) as Partial<GroupRecordKey> & { partition?: unknown; topic?: unknown };
  if (typeof parsed.group !== "string") return null;
  if (parsed.type === "group") return { type: "group", group: parsed.group };
  if (parsed.type === "offset" && typeof parsed.topic === "string" && Number.isInteger(parsed.partition)) {
    return { type: "offset", group: parsed.group, topic: parsed.topic, partition: parsed.partition as number };
  }
  return null;
}

export function decodeCommittedOffset(bytes: Uint8Array): CommittedOffset {
  const parsed = JSON.parse(textDecoder.decode(bytes)) as CommittedOffset;
  return {
    offset: Number(parsed.offset),
    leaderEpoch: Number(parsed.leaderEpoch ?? -1),
    metadata: parsed.metadata ?? null,
    commitTimestampMs: Number(parsed.commitTimestampMs ?? 0),
  };
}

export function decodeStoredGroup(bytes: Uint8Array): StoredGroup {
  const parsed = JSON.parse(textDecoder.decode(bytes)) as StoredGroup;
  return { ...parsed, members: parsed.members ?? [] };
}

export function bytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64");
}

export function base64ToBytes(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "base64"));
}
