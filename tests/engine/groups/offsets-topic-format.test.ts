import { describe, expect, test } from "bun:test";
import type { StoredConsumerMember, StoredGroup } from "../../../src/engine/groups/group-records.ts";
import { encodeOffsetCommit, GroupRecordWriter, GroupStateReader, KeyVersion } from "../../../src/engine/groups/offsets-topic-format.ts";
import type { OffsetsTopicRecord } from "../../../src/engine/groups/offsets-topic-format.ts";

/** Kafka's int16-length string, written by hand to check the codecs against the format, not against themselves. */
function kafkaString(text: string): number[] {
  const bytes = [...Buffer.from(text)];
  return [bytes.length >> 8, bytes.length & 0xff, ...bytes];
}

function int64(value: number): number[] {
  return [...Buffer.from(BigInt.asUintN(64, BigInt(value)).toString(16).padStart(16, "0"), "hex")];
}

function member(memberId: string, overrides: Partial<StoredConsumerMember> = {}): StoredConsumerMember {
  return {
    memberId,
    instanceId: null,
    rackId: null,
    clientId: `client-${memberId}`,
    clientHost: "/127.0.0.1",
    rebalanceTimeoutMs: 30_000,
    subscribedTopicNames: ["orders"],
    serverAssignor: "uniform",
    memberEpoch: 4,
    previousMemberEpoch: 3,
    assigned: [["0123456789abcdef0123456789abcdef", [0, 2]]],
    revoking: [],
    target: [["0123456789abcdef0123456789abcdef", [0, 2]]],
    ...overrides,
  };
}

function consumerGroup(members: StoredConsumerMember[]): StoredGroup {
  return {
    kind: "consumer",
    protocolType: "consumer",
    protocolName: null,
    generation: 7,
    leader: null,
    emptySinceMs: -1,
    members: [],
    consumer: { assignmentEpoch: 6, members },
  };
}

const classicGroup: StoredGroup = {
  kind: "classic",
  protocolType: "consumer",
  protocolName: "range",
  generation: 3,
  leader: "m-1",
  emptySinceMs: -1,
  members: [{
    memberId: "m-1",
    groupInstanceId: "instance-1",
    clientId: "rdkafka",
    clientHost: "/127.0.0.1",
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 60_000,
    subscription: Buffer.from([0, 1, 2]).toString("base64"),
    assignment: Buffer.from([3, 4]).toString("base64"),
  }],
};

const keyVersionOf = (record: OffsetsTopicRecord) => (record.key[0] << 8) | record.key[1];

function replay(records: readonly OffsetsTopicRecord[]): GroupStateReader {
  const reader = new GroupStateReader();
  for (const record of records) reader.apply(record.key, record.value);
  return reader;
}

describe("__consumer_offsets in Kafka's formats", () => {
  test("an offset commit is OffsetCommitKey v1 and OffsetCommitValue v3, byte for byte", () => {
    const record = encodeOffsetCommit("billing", "orders", 2, { offset: 42, leaderEpoch: 5, metadata: "m", commitTimestampMs: 1_700_000_000_000 });
    expect([...record.key]).toEqual([0, 1, ...kafkaString("billing"), ...kafkaString("orders"), 0, 0, 0, 2]);
    expect([...record.value!]).toEqual([0, 3, ...int64(42), 0, 0, 0, 5, ...kafkaString("m"), ...int64(1_700_000_000_000)]);
    expect(encodeOffsetCommit("billing", "orders", 2, null).value).toBeNull();
  });

  test("a null metadata is stored as Kafka's empty string; offsets replay with the last value winning", () => {
    const first = encodeOffsetCommit("g", "t", 0, { offset: 1, leaderEpoch: -1, metadata: null, commitTimestampMs: 10 });
    const second = encodeOffsetCommit("g", "t", 0, { offset: 8, leaderEpoch: -1, metadata: null, commitTimestampMs: 20 });
    const other = encodeOffsetCommit("g", "t", 1, { offset: 3, leaderEpoch: -1, metadata: null, commitTimestampMs: 20 });
    const reader = replay([first, other, second, encodeOffsetCommit("g", "t", 1, null)]);
    expect([...reader.offsets.values()]).toEqual([{ group: "g", topic: "t", partition: 0, committed: { offset: 8, leaderEpoch: -1, metadata: "", commitTimestampMs: 20 } }]);
  });

  test("a classic group is one GroupMetadataKey v2 record and replays to what was written", () => {
    const writer = new GroupRecordWriter();
    const records = writer.encode({ key: { type: "group", group: "g" }, value: classicGroup }, 5_000);
    expect(records.map(keyVersionOf)).toEqual([KeyVersion.groupMetadata]);
    expect([...records[0].key]).toEqual([0, 2, ...kafkaString("g")]);
    expect(replay(records).groups().get("g")).toEqual(classicGroup);
  });

  test("a KIP-848 group is written as Kafka does, one record set per member; a member that leaves gets tombstones", () => {
    const writer = new GroupRecordWriter();
    const first = writer.encode({ key: { type: "group", group: "g" }, value: consumerGroup([member("a"), member("b", { revoking: [["0123456789abcdef0123456789abcdef", [1]]] })]) }, 0);
    expect(first.map(keyVersionOf)).toEqual([3, 6, 5, 7, 8, 5, 7, 8]);
    const afterLeave = writer.encode({ key: { type: "group", group: "g" }, value: consumerGroup([member("a")]) }, 0);
    const tombstones = afterLeave.filter((record) => record.value === null);
    expect(tombstones.map(keyVersionOf)).toEqual([8, 7, 5]);
    expect(tombstones.every((record) => Buffer.from(record.key).includes(Buffer.from("b")))).toBe(true);
    const replayed = replay([...first, ...afterLeave]).groups().get("g")!;
    expect(replayed).toEqual({ ...consumerGroup([member("a")]) });
    expect(replay(first).groups().get("g")!.consumer!.members[1].revoking).toEqual([["0123456789abcdef0123456789abcdef", [1]]]);
  });

  test("deleting a group tombstones every record it had; an empty group changing kind drops the other kind's records", () => {
    const writer = new GroupRecordWriter();
    const consumer = writer.encode({ key: { type: "group", group: "g" }, value: consumerGroup([member("a")]) }, 0);
    const emptied = writer.encode({ key: { type: "group", group: "g" }, value: consumerGroup([]) }, 0);
    const asClassic = writer.encode({ key: { type: "group", group: "g" }, value: { ...classicGroup, members: [], emptySinceMs: 900 } }, 0);
    expect(asClassic.filter((record) => record.value === null).map(keyVersionOf)).toEqual([6, 3]);
    const deleted = writer.encode({ key: { type: "group", group: "g" }, value: null }, 0);
    expect(deleted.map((record) => [keyVersionOf(record), record.value])).toEqual([[2, null]]);
    expect(replay([...consumer, ...emptied, ...asClassic]).groups().get("g")).toMatchObject({ kind: "classic", emptySinceMs: 900 });
    expect(replay([...consumer, ...emptied, ...asClassic, ...deleted]).groups().size).toBe(0);
  });

  test("records of kinds chronik does not keep are counted and skipped", () => {
    const reader = new GroupStateReader();
    reader.apply(new Uint8Array([0, 11, 0, 1, 0x67]), new Uint8Array([0, 0]));
    reader.apply(new Uint8Array([0, KeyVersion.consumerGroupPartitionMetadata, 0, 1, 0x67]), new Uint8Array([0, 0]));
    expect(reader.skipped).toBe(2);
    expect(reader.groups().size).toBe(0);
  });
});
