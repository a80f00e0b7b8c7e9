// The JSON records chronik wrote to `__consumer_offsets` before it wrote Kafka's formats
// (offsets-topic-format.ts), read once, at the first start of a newer broker, which then writes
// the state again in Kafka's formats and drops the old records (GroupLog.replaceAll):
//
//   key   {"type":"offset","group":g,"topic":t,"partition":p}  value {"offset","leaderEpoch","metadata","commitTimestampMs"}
//   key   {"type":"group","group":g}                           value StoredGroup as JSON
//
// A Kafka key starts with an int16 version below 256, so its first byte is 0; a JSON key's is "{".

import type { CommittedOffset, GroupRecord, StoredGroup } from "./group-records.ts";

const textDecoder = new TextDecoder();
const openingBrace = 0x7b;

/** Whether a key is one of the old JSON ones. */
export function isLegacyJsonKey(key: Uint8Array): boolean {
  return key.length > 0 && key[0] === openingBrace;
}

/** The record an old JSON key and value held; null for keys it never wrote (skipped, as then). */
export function decodeLegacyJsonRecord(key: Uint8Array, value: Uint8Array | null): GroupRecord | null {
  const parsed = JSON.parse(textDecoder.decode(key)) as { type?: unknown; group?: unknown; topic?: unknown; partition?: unknown };
  if (typeof parsed.group !== "string") return null;
  if (parsed.type === "group") {
    return { key: { type: "group", group: parsed.group }, value: value === null ? null : decodeStoredGroup(value) };
  }
  if (parsed.type === "offset" && typeof parsed.topic === "string" && Number.isInteger(parsed.partition)) {
    const recordKey = { type: "offset" as const, group: parsed.group, topic: parsed.topic, partition: parsed.partition as number };
    return { key: recordKey, value: value === null ? null : decodeCommittedOffset(value) };
  }
  return null;
}

function decodeCommittedOffset(bytes: Uint8Array): CommittedOffset {
  const parsed = JSON.parse(textDecoder.decode(bytes)) as CommittedOffset;
  return {
    offset: Number(parsed.offset),
    leaderEpoch: Number(parsed.leaderEpoch ?? -1),
    metadata: parsed.metadata ?? null,
    commitTimestampMs: Number(parsed.commitTimestampMs ?? 0),
  };
}

function decodeStoredGroup(bytes: Uint8Array): StoredGroup {
  const parsed = JSON.parse(textDecoder.decode(bytes)) as StoredGroup;
  return { ...parsed, members: parsed.members ?? [] };
}
