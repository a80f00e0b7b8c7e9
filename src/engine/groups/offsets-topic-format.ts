// The records of `__consumer_offsets` in Kafka's own binary formats, so that tools reading a
// Kafka's offsets topic (lag monitors such as Burrow, kafka-console-consumer's formatters) read
// chronik's too. A key starts with an int16 naming its kind, a value with an int16 version:
//
//   key 1  OffsetCommitKey (group, topic, partition)        value v3 OffsetCommitValue
//   key 2  GroupMetadataKey (group): a classic group          value v3 GroupMetadataValue
//   key 3  ConsumerGroupMetadataKey (group): a KIP-848 group  value v0 (group epoch)
//   key 5  ConsumerGroupMemberMetadataKey (group, member)     value v0 (client, subscription)
//   key 6  ConsumerGroupTargetAssignmentMetadataKey (group)   value v0 (assignment epoch)
//   key 7  ConsumerGroupTargetAssignmentMemberKey             value v0 (target partitions)
//   key 8  ConsumerGroupCurrentMemberAssignmentKey            value v0 (epochs, partitions)
//
// A KIP-848 group is several records, one set per member, as Kafka writes it; a member that
// leaves gets tombstones. The engine thinks in whole groups (StoredGroup): GroupRecordWriter
// turns each into these records (remembering which members it wrote, to tombstone the ones that
// are gone) and GroupStateReader puts them back together when the log is replayed.

import { Reader } from "../../protocol/reader.ts";
import { Writer } from "../../protocol/writer.ts";
import { ConsumerGroupCurrentMemberAssignmentKey } from "../../protocol/internal/consumer-group-current-member-assignment-key.ts";
import { ConsumerGroupCurrentMemberAssignmentValue } from "../../protocol/internal/consumer-group-current-member-assignment-value.ts";
import { ConsumerGroupMemberMetadataKey } from "../../protocol/internal/consumer-group-member-metadata-key.ts";
import { ConsumerGroupMemberMetadataValue } from "../../protocol/internal/consumer-group-member-metadata-value.ts";
import { ConsumerGroupMetadataKey } from "../../protocol/internal/consumer-group-metadata-key.ts";
import { ConsumerGroupMetadataValue } from "../../protocol/internal/consumer-group-metadata-value.ts";
import { ConsumerGroupTargetAssignmentMemberKey } from "../../protocol/internal/consumer-group-target-assignment-member-key.ts";
import { ConsumerGroupTargetAssignmentMemberValue } from "../../protocol/internal/consumer-group-target-assignment-member-value.ts";
import { ConsumerGroupTargetAssignmentMetadataKey } from "../../protocol/internal/consumer-group-target-assignment-metadata-key.ts";
import { ConsumerGroupTargetAssignmentMetadataValue } from "../../protocol/internal/consumer-group-target-assignment-metadata-value.ts";
import { GroupMetadataKey } from "../../protocol/internal/group-metadata-key.ts";
import { GroupMetadataValue } from "../../protocol/internal/group-metadata-value.ts";
import { OffsetCommitKey } from "../../protocol/internal/offset-commit-key.ts";
import { OffsetCommitValue } from "../../protocol/internal/offset-commit-value.ts";
import { base64ToBytes, bytesToBase64 } from "./group-records.ts";
import type { CommittedOffset, GroupRecord, StoredConsumerMember, StoredGroup, StoredPartitions } from "./group-records.ts";

/** The int16 at the start of every key: which record it is (Kafka's coordinator record types). */
export const KeyVersion = {
  offsetCommit: 1,
  groupMetadata: 2,
  consumerGroupMetadata: 3,
  consumerGroupPartitionMetadata: 4,
  consumerGroupMemberMetadata: 5,
  consumerGroupTargetAssignmentMetadata: 6,
  consumerGroupTargetAssignmentMember: 7,
  consumerGroupCurrentMemberAssignment: 8,
} as const;

/** The value versions written; older ones of the first two are read too. */
const offsetCommitValueVersion = 3;
const groupMetadataValueVersion = 3;

/** Kafka's MemberState codes in ConsumerGroupCurrentMemberAssignmentValue. */
const MemberState = { stable: 0, unrevokedPartitions: 1 } as const;

/** One record of the topic as bytes; a null value is a tombstone. */
export interface OffsetsTopicRecord {
  key: Uint8Array;
  value: Uint8Array | null;
}

interface Codec<T> {
  encode(writer: Writer, version: number, value: T): void;
  decode(reader: Reader, version: number): T;
}

function encoded<T>(codec: Codec<T>, version: number, value: T): Uint8Array {
  const writer = new Writer();
  writer.writeInt16(version);
  codec.encode(writer, version, value);
  return writer.finish();
}

function decoded<T>(codec: Codec<T>, bytes: Uint8Array, versions: { min: number; max: number }): T {
  const reader = new Reader(bytes);
  const version = reader.readInt16();
  if (version < versions.min || version > versions.max) throw new Error(`value version ${version} is not one of ${versions.min}-${versions.max}`);
  return codec.decode(reader, version);
}

/** Each key kind has a codec of its own, whose only version is the kind. */
const groupKeyCodecs: Record<number, Codec<{ groupId: string }>> = {
  [KeyVersion.consumerGroupMetadata]: ConsumerGroupMetadataKey,
  [KeyVersion.consumerGroupTargetAssignmentMetadata]: ConsumerGroupTargetAssignmentMetadataKey,
};
const memberKeyCodecs: Record<number, Codec<{ groupId: string; memberId: string }>> = {
  [KeyVersion.consumerGroupMemberMetadata]: ConsumerGroupMemberMetadataKey,
  [KeyVersion.consumerGroupTargetAssignmentMember]: ConsumerGroupTargetAssignmentMemberKey,
  [KeyVersion.consumerGroupCurrentMemberAssignment]: ConsumerGroupCurrentMemberAssignmentKey,
};

const groupKey = (version: number, group: string) => encoded(GroupMetadataKey, version, { group });
const consumerKey = (version: number, groupId: string) => encoded(groupKeyCodecs[version], version, { groupId });
const memberKey = (version: number, groupId: string, memberId: string) => encoded(memberKeyCodecs[version], version, { groupId, memberId });

function toTopicPartitions(partitions: StoredPartitions): Array<{ topicId: string; partitions: number[] }> {
  return partitions.map(([topicId, indexes]) => ({ topicId, partitions: indexes }));
}

function fromTopicPartitions(entries: ReadonlyArray<{ topicId: string; partitions: number[] }>): StoredPartitions {
  return entries.map((entry) => [entry.topicId, entry.partitions]);
}

export function encodeOffsetCommit(group: string, topic: string, partition: number, committed: CommittedOffset | null): OffsetsTopicRecord {
  const key = encoded(OffsetCommitKey, KeyVersion.offsetCommit, { group, topic, partition });
  if (committed === null) return { key, value: null };
  const value = { offset: committed.offset, leaderEpoch: committed.leaderEpoch, metadata: committed.metadata ?? "", commitTimestamp: committed.commitTimestampMs };
  return { key, value: encoded(OffsetCommitValue, offsetCommitValueVersion, value) };
}

function classicGroupValue(group: StoredGroup, nowMs: number): Uint8Array {
  return encoded(GroupMetadataValue, groupMetadataValueVersion, {
    protocolType: group.protocolType ?? "",
    generation: group.generation,
    protocol: group.protocolName,
    leader: group.leader,
    // Kafka's field is the time of the group's last state change: for an empty group, when it became empty.
    currentStateTimestamp: group.emptySinceMs >= 0 ? group.emptySinceMs : nowMs,
    members: group.members.map((member) => ({
      memberId: member.memberId,
      groupInstanceId: member.groupInstanceId,
      clientId: member.clientId,
      clientHost: member.clientHost,
      rebalanceTimeout: member.rebalanceTimeoutMs,
      sessionTimeout: member.sessionTimeoutMs,
      subscription: base64ToBytes(member.subscription),
      assignment: base64ToBytes(member.assignment),
    })),
  });
}

function consumerMemberRecords(groupId: string, member: StoredConsumerMember): OffsetsTopicRecord[] {
  return [
    {
      key: memberKey(KeyVersion.consumerGroupMemberMetadata, groupId, member.memberId),
      value: encoded(ConsumerGroupMemberMetadataValue, 0, {
        instanceId: member.instanceId,
        rackId: member.rackId,
        clientId: member.clientId,
        clientHost: member.clientHost,
        subscribedTopicNames: member.subscribedTopicNames,
        subscribedTopicRegex: null,
        rebalanceTimeoutMs: member.rebalanceTimeoutMs,
        serverAssignor: member.serverAssignor,
        classicMemberMetadata: null,
      }),
    },
    {
      key: memberKey(KeyVersion.consumerGroupTargetAssignmentMember, groupId, member.memberId),
      value: encoded(ConsumerGroupTargetAssignmentMemberValue, 0, { topicPartitions: toTopicPartitions(member.target) }),
    },
    {
      key: memberKey(KeyVersion.consumerGroupCurrentMemberAssignment, groupId, member.memberId),
      value: encoded(ConsumerGroupCurrentMemberAssignmentValue, 0, {
        memberEpoch: member.memberEpoch,
        previousMemberEpoch: member.previousMemberEpoch,
        state: member.revoking.length > 0 ? MemberState.unrevokedPartitions : MemberState.stable,
        assignedPartitions: toTopicPartitions(member.assigned),
        partitionsPendingRevocation: toTopicPartitions(member.revoking),
      }),
    },
  ];
}

function memberTombstones(groupId: string, memberId: string): OffsetsTopicRecord[] {
  return [KeyVersion.consumerGroupCurrentMemberAssignment, KeyVersion.consumerGroupTargetAssignmentMember, KeyVersion.consumerGroupMemberMetadata].map(
    (version) => ({ key: memberKey(version, groupId, memberId), value: null }),
  );
}

/** What the writer last wrote of a group: its kind and, for a KIP-848 group, its members. */
interface WrittenGroup {
  kind: StoredGroup["kind"];
  members: Set<string>;
}

/**
 * Turns the engine's records into the topic's, remembering what it wrote of each group so that a
 * group written again tombstones what it no longer has (members that left, the records of its
 * other kind when an empty group changes kind).
 */
export class GroupRecordWriter {
  readonly #written = new Map<string, WrittenGroup>();

  /** Notes a group found in the log at start, so its later writes tombstone what it had. */
  remember(groupId: string, group: StoredGroup): void {
    this.#written.set(groupId, { kind: group.kind, members: new Set(group.consumer?.members.map((member) => member.memberId) ?? []) });
  }

  encode(record: GroupRecord, nowMs: number): OffsetsTopicRecord[] {
    const { key } = record;
    if (key.type === "offset") return [encodeOffsetCommit(key.group, key.topic, key.partition, record.value as CommittedOffset | null)];
    const group = record.value as StoredGroup | null;
    const records = this.#tombstonesFor(key.group, group);
    if (group === null) {
      this.#written.delete(key.group);
      return records;
    }
    if (group.kind === "classic") {
      records.push({ key: groupKey(KeyVersion.groupMetadata, key.group), value: classicGroupValue(group, nowMs) });
    } else {
      const consumer = group.consumer ?? { assignmentEpoch: group.generation, members: [] };
      records.push({ key: consumerKey(KeyVersion.consumerGroupMetadata, key.group), value: encoded(ConsumerGroupMetadataValue, 0, { epoch: group.generation }) });
      records.push({
        key: consumerKey(KeyVersion.consumerGroupTargetAssignmentMetadata, key.group),
        value: encoded(ConsumerGroupTargetAssignmentMetadataValue, 0, { assignmentEpoch: consumer.assignmentEpoch }),
      });
      for (const member of consumer.members) records.push(...consumerMemberRecords(key.group, member));
    }
    this.remember(key.group, group);
    return records;
  }

  /** Tombstones for what was written of the group and is not in `next` (everything when `next` is null). */
  #tombstonesFor(groupId: string, next: StoredGroup | null): OffsetsTopicRecord[] {
    const written = this.#written.get(groupId);
    const tombstones: OffsetsTopicRecord[] = [];
    if (written === undefined) {
      // Nothing known (a group deleted before it was ever written): a tombstone for its metadata keeps the log honest.
      if (next === null) tombstones.push({ key: groupKey(KeyVersion.groupMetadata, groupId), value: null });
      return tombstones;
    }
    const stays = next !== null && next.kind === written.kind;
    if (written.kind === "classic") {
      if (!stays) tombstones.push({ key: groupKey(KeyVersion.groupMetadata, groupId), value: null });
      return tombstones;
    }
    const members = new Set(stays ? next.consumer?.members.map((member) => member.memberId) : []);
    for (const memberId of written.members) if (!members.has(memberId)) tombstones.push(...memberTombstones(groupId, memberId));
    if (!stays) {
      tombstones.push({ key: consumerKey(KeyVersion.consumerGroupTargetAssignmentMetadata, groupId), value: null });
      tombstones.push({ key: consumerKey(KeyVersion.consumerGroupMetadata, groupId), value: null });
    }
    return tombstones;
  }
}

/** A KIP-848 group as its records arrive during a replay. */
interface ConsumerParts {
  epoch: number;
  assignmentEpoch: number;
  members: Map<string, { metadata?: ConsumerGroupMemberMetadataValue; target?: StoredPartitions; current?: ConsumerGroupCurrentMemberAssignmentValue }>;
}

function readKeyVersion(bytes: Uint8Array): { version: number; reader: Reader } {
  const reader = new Reader(bytes);
  return { version: reader.readInt16(), reader };
}

/**
 * Rebuilds offsets and groups from the topic's records, applied in log order (last value per key
 * wins, a tombstone deletes). Records of kinds chronik does not keep (Kafka's share groups,
 * partition metadata) are counted and skipped; an unreadable record throws, naming why.
 */
export class GroupStateReader {
  readonly offsets = new Map<string, { group: string; topic: string; partition: number; committed: CommittedOffset }>();
  readonly #classic = new Map<string, StoredGroup>();
  readonly #consumer = new Map<string, ConsumerParts>();
  skipped = 0;

  apply(keyBytes: Uint8Array, value: Uint8Array | null): void {
    const { version, reader } = readKeyVersion(keyBytes);
    switch (version) {
      case 0:
      case KeyVersion.offsetCommit: {
        const key = OffsetCommitKey.decode(reader, version);
        const id = `${key.group}\u0000${key.topic}\u0000${key.partition}`;
        if (value === null) this.offsets.delete(id);
        else this.offsets.set(id, { ...key, committed: decodeCommittedOffset(value) });
        return;
      }
      case KeyVersion.groupMetadata: {
        const { group } = GroupMetadataKey.decode(reader, version);
        if (value === null) {
          this.#classic.delete(group);
        } else {
          this.#consumer.delete(group);
          this.#classic.set(group, decodeClassicGroup(value));
        }
        return;
      }
      case KeyVersion.consumerGroupMetadata: {
        const { groupId } = ConsumerGroupMetadataKey.decode(reader, version);
        if (value === null) {
          this.#consumer.delete(groupId);
        } else {
          this.#classic.delete(groupId);
          this.#consumerParts(groupId).epoch = decoded(ConsumerGroupMetadataValue, value, { min: 0, max: 0 }).epoch;
        }
        return;
      }
      case KeyVersion.consumerGroupTargetAssignmentMetadata: {
        const { groupId } = groupKeyCodecs[version].decode(reader, version);
        if (value !== null) this.#consumerParts(groupId).assignmentEpoch = decoded(ConsumerGroupTargetAssignmentMetadataValue, value, { min: 0, max: 0 }).assignmentEpoch;
        return;
      }
      case KeyVersion.consumerGroupMemberMetadata:
      case KeyVersion.consumerGroupTargetAssignmentMember:
      case KeyVersion.consumerGroupCurrentMemberAssignment:
        this.#applyMember(version, reader, value);
        return;
      default:
        this.skipped++;
    }
  }

  /** Every group found, KIP-848 ones reassembled (a member missing its metadata or assignment is dropped). */
  groups(): Map<string, StoredGroup> {
    const groups = new Map(this.#classic);
    for (const [groupId, parts] of this.#consumer) {
      const members: StoredConsumerMember[] = [];
      for (const [memberId, member] of parts.members) {
        if (member.metadata === undefined || member.current === undefined) continue;
        members.push({
          memberId,
          instanceId: member.metadata.instanceId ?? null,
          rackId: member.metadata.rackId ?? null,
          clientId: member.metadata.clientId,
          clientHost: member.metadata.clientHost,
          rebalanceTimeoutMs: member.metadata.rebalanceTimeoutMs ?? -1,
          subscribedTopicNames: member.metadata.subscribedTopicNames,
          serverAssignor: member.metadata.serverAssignor ?? null,
          memberEpoch: member.current.memberEpoch,
          previousMemberEpoch: member.current.previousMemberEpoch,
          assigned: fromTopicPartitions(member.current.assignedPartitions),
          revoking: fromTopicPartitions(member.current.partitionsPendingRevocation),
          target: member.target ?? [],
        });
      }
      groups.set(groupId, {
        kind: "consumer",
        protocolType: "consumer",
        protocolName: null,
        generation: parts.epoch,
        leader: null,
        // Kafka's records do not say when a KIP-848 group became empty: the coordinator counts from its start.
        emptySinceMs: -1,
        members: [],
        consumer: { assignmentEpoch: parts.assignmentEpoch, members },
      });
    }
    return groups;
  }

  #consumerParts(groupId: string): ConsumerParts {
    let parts = this.#consumer.get(groupId);
    if (parts === undefined) {
      parts = { epoch: 0, assignmentEpoch: 0, members: new Map() };
      this.#consumer.set(groupId, parts);
    }
    return parts;
  }

  #applyMember(version: number, reader: Reader, value: Uint8Array | null): void {
    const { groupId, memberId } = memberKeyCodecs[version].decode(reader, version);
    const parts = this.#consumer.get(groupId) ?? (value === null ? undefined : this.#consumerParts(groupId));
    if (parts === undefined) return;
    if (value === null) {
      parts.members.delete(memberId);
      return;
    }
    const member = parts.members.get(memberId) ?? {};
    parts.members.set(memberId, member);
    if (version === KeyVersion.consumerGroupMemberMetadata) {
      member.metadata = decoded(ConsumerGroupMemberMetadataValue, value, { min: 0, max: 0 });
    } else if (version === KeyVersion.consumerGroupTargetAssignmentMember) {
      member.target = fromTopicPartitions(decoded(ConsumerGroupTargetAssignmentMemberValue, value, { min: 0, max: 0 }).topicPartitions);
    } else {
      member.current = decoded(ConsumerGroupCurrentMemberAssignmentValue, value, { min: 0, max: 0 });
    }
  }
}

/** An offset commit record's group, partition and offset (null for a tombstone); null for records of other kinds. */
export function decodeOffsetRecord(keyBytes: Uint8Array, value: Uint8Array | null): { group: string; topic: string; partition: number; committed: CommittedOffset | null } | null {
  const { version, reader } = readKeyVersion(keyBytes);
  if (version !== 0 && version !== KeyVersion.offsetCommit) return null;
  const key = OffsetCommitKey.decode(reader, version);
  return { ...key, committed: value === null ? null : decodeCommittedOffset(value) };
}

export function decodeCommittedOffset(bytes: Uint8Array): CommittedOffset {
  const value = decoded(OffsetCommitValue, bytes, { min: 0, max: 4 });
  return { offset: value.offset, leaderEpoch: value.leaderEpoch ?? -1, metadata: value.metadata, commitTimestampMs: value.commitTimestamp };
}

function decodeClassicGroup(bytes: Uint8Array): StoredGroup {
  const value = decoded(GroupMetadataValue, bytes, { min: 0, max: 4 });
  const empty = value.members.length === 0;
  return {
    kind: "classic",
    protocolType: value.protocolType === "" ? null : value.protocolType,
    protocolName: value.protocol ?? null,
    generation: value.generation,
    leader: value.leader ?? null,
    emptySinceMs: empty ? (value.currentStateTimestamp ?? -1) : -1,
    members: value.members.map((member) => ({
      memberId: member.memberId,
      groupInstanceId: member.groupInstanceId ?? null,
      clientId: member.clientId,
      clientHost: member.clientHost,
      sessionTimeoutMs: member.sessionTimeout,
      rebalanceTimeoutMs: member.rebalanceTimeout ?? member.sessionTimeout,
      subscription: bytesToBase64(member.subscription),
      assignment: bytesToBase64(member.assignment),
    })),
  };
}
