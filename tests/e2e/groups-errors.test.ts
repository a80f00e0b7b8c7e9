// Bad group requests against the real server, sent by chronik's own client over one connection
// per member: each gets Kafka's error code, and the group they aimed at carries on unharmed.
// Clients cannot write to or delete the coordinator's log, __consumer_offsets.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { Kafka, logLevel } from "kafkajs";
import { Connection, defaultConnectionOptions } from "../../src/client/index.ts";
import { encodeAssignment, encodeSubscription } from "../../src/protocol/consumer-protocol.ts";
import { createLogger } from "../../src/logger.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { DescribeGroups } from "../../src/protocol/messages/describe-groups.ts";
import { Heartbeat } from "../../src/protocol/messages/heartbeat.ts";
import { JoinGroup, type JoinGroupRequest } from "../../src/protocol/messages/join-group.ts";
import { OffsetCommit } from "../../src/protocol/messages/offset-commit.ts";
import { DeleteTopics } from "../../src/protocol/messages/delete-topics.ts";
import { OffsetFetch } from "../../src/protocol/messages/offset-fetch.ts";
import { Produce } from "../../src/protocol/messages/produce.ts";
import { buildRecordBatch } from "../../src/records/build-batch.ts";
import { SyncGroup } from "../../src/protocol/messages/sync-group.ts";
import { type Broker, startBroker } from "./harness.ts";

let broker: Broker;
const connections: Connection[] = [];

beforeAll(async () => {
  broker = await startBroker();
}, 30_000);

afterAll(async () => {
  for (const connection of connections) connection.close();
  await broker?.cleanup();
}, 30_000);

const group = "bad-input";
const topic = "bad-input-topic";
const sessionTimeoutMs = 30_000;

async function connect(clientId: string): Promise<Connection> {
  const connection = await Connection.open({ host: broker.host, port: broker.port }, { ...defaultConnectionOptions, clientId, logger: createLogger("e2e", "error") });
  connections.push(connection);
  return connection;
}

function joinRequest(memberId: string, overrides: Partial<JoinGroupRequest> = {}): JoinGroupRequest {
  return {
    groupId: group,
    sessionTimeoutMs,
    rebalanceTimeoutMs: 10_000,
    memberId,
    groupInstanceId: null,
    protocolType: "consumer",
    protocols: [{ name: "range", metadata: encodeSubscription([topic]) }],
    reason: null,
    ...overrides,
  };
}

test("bad JoinGroup, SyncGroup and OffsetCommit requests get Kafka's error codes and the group carries on", async () => {
  const admin = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
  await admin.disconnect();

  // A well-behaved member forms generation 1 (JoinGroup v4+: first MEMBER_ID_REQUIRED, then its id).
  const member = await connect("good-member");
  const first = await member.request(JoinGroup, joinRequest(""));
  expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
  const joined = await member.request(JoinGroup, joinRequest(first.memberId));
  expect(joined.errorCode).toBe(ErrorCode.NONE);
  expect(joined.leader).toBe(first.memberId);
  const generationId = joined.generationId!;
  const assignment = encodeAssignment([{ topic, partitions: [0, 1] }]);
  const synced = await member.request(SyncGroup, {
    groupId: group, generationId, memberId: first.memberId, groupInstanceId: null, protocolType: "consumer", protocolName: "range",
    assignments: [{ memberId: first.memberId, assignment }],
  });
  expect(synced.errorCode).toBe(ErrorCode.NONE);
  expect(Buffer.from(synced.assignment).equals(Buffer.from(assignment))).toBe(true);

  // JoinGroup with another protocol type, or with no protocol in common: INCONSISTENT_GROUP_PROTOCOL.
  const intruder = await connect("intruder");
  expect((await intruder.request(JoinGroup, joinRequest("", { protocolType: "connect" }))).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  expect((await intruder.request(JoinGroup, joinRequest("", { protocols: [{ name: "sticky-only", metadata: new Uint8Array([0]) }] }))).errorCode).toBe(
    ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
  );
  // SyncGroup and Heartbeat from a stale generation: ILLEGAL_GENERATION; an unknown member: UNKNOWN_MEMBER_ID.
  const staleSync = await member.request(SyncGroup, {
    groupId: group, generationId: generationId - 1, memberId: first.memberId, groupInstanceId: null, protocolType: "consumer", protocolName: "range",
    assignments: [{ memberId: first.memberId, assignment: encodeAssignment([]) }],
  });
  expect(staleSync.errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
  expect((await member.request(Heartbeat, { groupId: group, generationId: generationId + 7, memberId: first.memberId, groupInstanceId: null })).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
  expect((await intruder.request(Heartbeat, { groupId: group, generationId, memberId: "nobody", groupInstanceId: null })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  // Commits for an unknown topic and an unknown partition fail per partition; the valid one is stored.
  const committed = await member.request(OffsetCommit, {
    groupId: group, generationIdOrMemberEpoch: generationId, memberId: first.memberId, groupInstanceId: null,
    topics: [
      { name: "no-such-topic", partitions: [{ partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: -1, committedMetadata: null }] },
      { name: topic, partitions: [
        { partitionIndex: 0, committedOffset: 3, committedLeaderEpoch: -1, committedMetadata: "ok" },
        { partitionIndex: 9, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: null },
      ] },
    ],
  });
  expect(committed.topics.map((entry) => [entry.name, entry.partitions.map((partition) => [partition.partitionIndex, partition.errorCode])])).toEqual([
    ["no-such-topic", [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
    [topic, [[0, ErrorCode.NONE], [9, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
  ]);

  // The group is unharmed: same generation, member, protocol and assignment bytes; heartbeats and fetches work.
  expect((await member.request(Heartbeat, { groupId: group, generationId, memberId: first.memberId, groupInstanceId: null })).errorCode).toBe(ErrorCode.NONE);
  const described = (await member.request(DescribeGroups, { groups: [group], includeAuthorizedOperations: false })).groups[0];
  expect([described.groupState, described.protocolType, described.protocolData, described.members.length]).toEqual(["Stable", "consumer", "range", 1]);
  expect(described.members[0].memberId).toBe(first.memberId);
  expect(Buffer.from(described.members[0].memberAssignment).equals(Buffer.from(assignment))).toBe(true);
  const fetched = await member.request(OffsetFetch, { groups: [{ groupId: group, memberId: null, memberEpoch: -1, topics: null }], requireStable: false });
  expect(fetched.groups![0].topics.map((entry) => [entry.name, entry.partitions.map((partition) => [partition.partitionIndex, partition.committedOffset, partition.metadata])])).toEqual([
    [topic, [[0, 3, "ok"]]],
  ]);
}, 60_000);

test("clients can neither produce to nor delete __consumer_offsets (INVALID_TOPIC_EXCEPTION); committed offsets survive the attempts", async () => {
  const client = await connect("vandal");
  const commit = await client.request(OffsetCommit, {
    groupId: "keeper", generationIdOrMemberEpoch: -1, memberId: "", groupInstanceId: null,
    topics: [{ name: topic, partitions: [{ partitionIndex: 1, committedOffset: 11, committedLeaderEpoch: -1, committedMetadata: null }] }],
  });
  expect(commit.topics[0].partitions[0].errorCode).toBe(ErrorCode.NONE);
  const batch = buildRecordBatch({ timestamp: Date.now(), records: [{ key: new TextEncoder().encode('{"type":"group","group":"keeper"}'), value: null }] });
  const produced = await client.request(Produce, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: "__consumer_offsets", partitionData: [{ index: 0, records: batch }] }] });
  expect(produced!.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
  const deleted = await client.request(DeleteTopics, { topics: [{ name: "__consumer_offsets", topicId: "0".repeat(32) }], topicNames: ["__consumer_offsets"], timeoutMs: 5000 });
  expect(deleted.responses[0].errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
  await broker.restart();
  const after = await connect("vandal-after-restart");
  const fetched = await after.request(OffsetFetch, { groups: [{ groupId: "keeper", memberId: null, memberEpoch: -1, topics: null }], requireStable: false });
  expect(fetched.groups![0].topics.flatMap((entry) => entry.partitions.map((partition) => partition.committedOffset))).toEqual([11]);
}, 60_000);
