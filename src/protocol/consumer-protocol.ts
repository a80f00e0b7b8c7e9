// The "consumer" embedded protocol that classic-group clients put in JoinGroup metadata and
// SyncGroup assignments (ConsumerProtocolSubscription / ConsumerProtocolAssignment). The
// coordinator reads subscriptions (OffsetDelete asks which topics a group consumes) and writes
// assignments of KIP-848 groups for DescribeGroups, as Kafka does; admin clients and the HTTP
// API read assignments.
//
// Subscription => version:int16 [topics:string] user_data:nullable_bytes ...
// Assignment   => version:int16 [assigned_partitions => topic:string [partitions:int32]] user_data:nullable_bytes

import { Reader } from "./reader.ts";
import { Writer } from "./writer.ts";

export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

/** The topics of a consumer protocol subscription; null when the bytes are not one. */
export function subscribedTopics(metadata: Uint8Array): string[] | null {
  try {
    const reader = new Reader(metadata);
    reader.readInt16();
    const count = reader.readArrayLength();
    const topics: string[] = [];
    for (let index = 0; index < count; index++) topics.push(reader.readString());
    return topics;
  } catch {
    return null;
  }
}

export function encodeSubscription(topics: readonly string[]): Uint8Array {
  const writer = new Writer();
  writer.writeInt16(0);
  writer.writeArrayLength(topics.length);
  for (const topic of topics) writer.writeString(topic);
  writer.writeNullableBytes(null);
  return writer.finish();
}

export function encodeAssignment(partitions: readonly { topic: string; partitions: readonly number[] }[]): Uint8Array {
  const writer = new Writer();
  writer.writeInt16(0);
  writer.writeArrayLength(partitions.length);
  for (const entry of partitions) {
    writer.writeString(entry.topic);
    writer.writeArrayLength(entry.partitions.length);
    for (const partition of entry.partitions) writer.writeInt32(partition);
  }
  writer.writeNullableBytes(null);
  return writer.finish();
}

/** Decodes ConsumerProtocolAssignment bytes; null when they are not one. */
export function decodeConsumerAssignment(bytes: Uint8Array): TopicPartitions[] | null {
  if (bytes.length === 0) return [];
  try {
    const reader = new Reader(bytes);
    reader.readInt16();
    const topicCount = reader.readArrayLength();
    const assignment: TopicPartitions[] = [];
    for (let t = 0; t < topicCount; t++) {
      const topic = reader.readString();
      const partitionCount = reader.readArrayLength();
      const partitions: number[] = [];
      for (let p = 0; p < partitionCount; p++) partitions.push(reader.readInt32());
      assignment.push({ topic, partitions: partitions.sort((a, b) => a - b) });
    }
    return assignment;
  } catch {
    return null;
  }
}
