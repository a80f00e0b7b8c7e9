import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Cluster } from "../../src/client/index.ts";
import type { Connection } from "../../src/client/connection.ts";
import { type GroupAssignment, GroupMember } from "../../src/client/group-member.ts";
import { Broker } from "../../src/engine/broker.ts";
import { defaultBrokerConfig } from "../../src/engine/broker-config.ts";
import { ConsumerGroup } from "../../src/engine/groups/consumer-group.ts";
import { silentLogger } from "../../src/logger.ts";
import { ErrorCode, KafkaProtocolError } from "../../src/protocol/errors.ts";
import { ConsumerGroupHeartbeat } from "../../src/protocol/messages/consumer-group-heartbeat.ts";
import { eventually } from "../support/wait.ts";

// GroupMember against a broker running in this process, whose KIP-848 coordinator asks for a
// heartbeat every 10 ms: tests wait for the assignments the member hears of, never for time.

let broker: Broker;
let dataDir: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "chronik-group-member-"));
  broker = await Broker.start(
    { ...defaultBrokerConfig, dataDir, host: "127.0.0.1", port: 0, advertisedHost: "127.0.0.1", advertisedPort: 0, consumerGroupHeartbeatIntervalMs: 10 },
    silentLogger,
  );
});

afterAll(async () => {
  await broker?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let count = 0;
const unique = (prefix: string) => `${prefix}-${++count}`;

function newCluster(): Cluster {
  const cluster = new Cluster({ brokers: `127.0.0.1:${broker.port}`, logger: silentLogger });
  cleanups.push(() => cluster.close());
  return cluster;
}

/** A member that remembers every assignment it hears of, and acknowledges each (as a consumer does once it acted on it). */
function member(cluster: Cluster, groupId: string, topics: string[]) {
  const groupMember = new GroupMember(cluster, { groupId, topics, rebalanceTimeoutMs: 10_000 });
  const heard: GroupAssignment[] = [];
  cleanups.push(() => groupMember.leave().catch(() => {}));
  return {
    groupMember,
    heard,
    async join(): Promise<GroupAssignment> {
      const first = await groupMember.join((assignment) => {
        heard.push(assignment);
        groupMember.acknowledge(assignment);
      });
      groupMember.acknowledge(first);
      return first;
    },
  };
}

/** Counts the ConsumerGroupHeartbeat requests the cluster's connections send (observed, not changed). */
function countHeartbeats(cluster: Cluster): { count: number } {
  const counter = { count: 0 };
  const observed = new WeakSet<Connection>();
  const brokerConnection = cluster.brokerConnection.bind(cluster);
  cluster.brokerConnection = async (nodeId: number) => {
    const connection = await brokerConnection(nodeId);
    if (!observed.has(connection)) {
      observed.add(connection);
      const request = connection.request.bind(connection);
      connection.request = ((api, body, options) => {
        if ((api as unknown) === ConsumerGroupHeartbeat) counter.count++;
        return request(api, body, options);
      }) as Connection["request"];
    }
    return connection;
  };
  return counter;
}

const plain = (assignment: GroupAssignment | undefined) => (assignment ? Object.fromEntries(assignment) : undefined);

function consumerGroup(groupId: string): ConsumerGroup {
  const group = broker.groups.get(groupId);
  if (!(group instanceof ConsumerGroup)) throw new Error(`Group "${groupId}" is not a KIP-848 group on the broker`);
  return group;
}

describe("GroupMember", () => {
  test("joins and gets every partition of its topics, by name; the broker knows it by its id", async () => {
    const [orders, payments] = [unique("orders"), unique("payments")];
    await broker.topics.create(orders, 3);
    await broker.topics.create(payments, 1);
    const groupId = unique("group");
    const a = member(newCluster(), groupId, [orders, payments]);
    expect(plain(await a.join())).toEqual({ [orders]: [0, 1, 2], [payments]: [0] });
    expect(a.groupMember.memberId).toMatch(/^[0-9a-f]{22}$/);
    const group = consumerGroup(groupId);
    expect([...group.members.keys()]).toEqual([a.groupMember.memberId]);
    expect(group.members.get(a.groupMember.memberId)!.subscribedTopicNames).toEqual([orders, payments].sort());
    expect(a.groupMember.failure).toBeNull();
  });

  test("a second member: the first hears its share shrink, and the second gets the rest once it is released", async () => {
    const topic = unique("shared");
    await broker.topics.create(topic, 4);
    const groupId = unique("group");
    const cluster = newCluster();
    const a = member(cluster, groupId, [topic]);
    const b = member(cluster, groupId, [topic]);
    expect(plain(await a.join())).toEqual({ [topic]: [0, 1, 2, 3] });
    // b waits for a to release its half.
    const bFirst = await b.join();
    expect(bFirst.get(topic) ?? []).toEqual([]);
    const aShare = await eventually(() => a.heard.find((assignment) => assignment.get(topic)?.length === 2), "a hears it keeps two partitions", { pollMs: 5 });
    const bShare = await eventually(() => b.heard.find((assignment) => assignment.get(topic)?.length === 2), "b hears of its two partitions", { pollMs: 5 });
    expect([...aShare.get(topic)!, ...bShare.get(topic)!].sort()).toEqual([0, 1, 2, 3]);
    await eventually(() => consumerGroup(groupId).state === "Stable", "the group is Stable", { pollMs: 5 });
    // The broker's view of what each member owns is what each reported owning.
    const topicId = broker.topics.get(topic)!.meta.topicId;
    for (const [one, share] of [
      [a, aShare],
      [b, bShare],
    ] as const) {
      expect([...(consumerGroup(groupId).members.get(one.groupMember.memberId)!.assigned.get(topicId) ?? [])].sort()).toEqual(share.get(topic)!);
    }
  });

  test("until a member reports giving up a revoked partition, the coordinator does not hand it to another", async () => {
    const topic = unique("held");
    await broker.topics.create(topic, 2);
    const groupId = unique("group");
    const cluster = newCluster();
    const heartbeats = countHeartbeats(cluster);
    // a hears of assignments but never acknowledges one: it keeps reporting both partitions as owned.
    const a = new GroupMember(cluster, { groupId, topics: [topic], rebalanceTimeoutMs: 60_000 });
    cleanups.push(() => a.leave().catch(() => {}));
    const aHeard: GroupAssignment[] = [];
    a.acknowledge(new Map([[topic, [0, 1]]]));
    await a.join((assignment) => aHeard.push(assignment));
    const b = member(newCluster(), groupId, [topic]);
    await b.join();
    await eventually(() => aHeard.some((assignment) => assignment.get(topic)?.length === 1), "a hears one partition is revoked", { pollMs: 5 });
    const seen = heartbeats.count;
    await eventually(() => heartbeats.count >= seen + 3, "three more heartbeats of a", { pollMs: 5 });
    // a's heartbeats still report both partitions: the coordinator counts them as a's, and b has none.
    const group = consumerGroup(groupId);
    const topicId = broker.topics.get(topic)!.meta.topicId;
    const aAtBroker = group.members.get(a.memberId)!;
    expect(aAtBroker.revoking.get(topicId)?.size).toBe(1);
    expect([...aAtBroker.assigned.get(topicId)!, ...aAtBroker.revoking.get(topicId)!].sort()).toEqual([0, 1]);
    expect(group.members.get(b.groupMember.memberId)!.assigned.get(topicId)?.size ?? 0).toBe(0);
    expect(b.heard.every((assignment) => (assignment.get(topic) ?? []).length === 0)).toBe(true);
    a.acknowledge(aHeard.at(-1)!);
    const bShare = await eventually(() => b.heard.find((assignment) => assignment.get(topic)?.length === 1), "b gets the released partition", { pollMs: 5 });
    expect([...aHeard.at(-1)!.get(topic)!, ...bShare.get(topic)!].sort()).toEqual([0, 1]);
  });

  test("commits the next offsets to read and reads them back; partitions without a commit are left out", async () => {
    const topic = unique("commits");
    await broker.topics.create(topic, 3);
    const groupId = unique("group");
    const a = member(newCluster(), groupId, [topic]);
    const assignment = await a.join();
    await a.groupMember.commit(new Map([[topic, new Map([[0, 42], [2, 7]])]]));
    const committed = await a.groupMember.committedOffsets(assignment);
    expect([...committed.get(topic)!].sort()).toEqual([
      [0, 42],
      [2, 7],
    ]);
    expect(broker.groups.offsets.get(groupId, topic, 0)?.offset).toBe(42);
    // Nothing to commit: no request, no error.
    await a.groupMember.commit(new Map([[topic, new Map()]]));
  });

  test("a commit the coordinator refuses throws, naming the group, topic and partition", async () => {
    const topic = unique("refused");
    await broker.topics.create(topic, 1);
    const groupId = unique("group");
    const a = member(newCluster(), groupId, [topic]);
    await a.join();
    const commit = a.groupMember.commit(new Map([[topic, new Map([[5, 1]])]]));
    await expect(commit).rejects.toBeInstanceOf(KafkaProtocolError);
    await expect(commit).rejects.toThrow(`commit of group "${groupId}" topic "${topic}" partition 5`);
  });

  test("leave takes the member out of the group at once; leaving again, or committing after, sends nothing", async () => {
    const topic = unique("leave");
    await broker.topics.create(topic, 2);
    const groupId = unique("group");
    const a = member(newCluster(), groupId, [topic]);
    await a.join();
    await a.groupMember.leave();
    expect(consumerGroup(groupId).members.size).toBe(0);
    await a.groupMember.leave();
    await a.groupMember.commit(new Map([[topic, new Map([[0, 9]])]]));
    expect(broker.groups.offsets.get(groupId, topic, 0)).toBeUndefined();
  });

  test("a heartbeat the coordinator refuses ends the membership: failure is set and the member hears of an empty assignment", async () => {
    const topic = unique("fenced");
    await broker.topics.create(topic, 1);
    const groupId = unique("group");
    const cluster = newCluster();
    const a = member(cluster, groupId, [topic]);
    await a.join();
    // The member is taken out of the group behind its back (as a session timeout would).
    const connection = await cluster.anyConnection();
    const left = await connection.request(ConsumerGroupHeartbeat, { groupId, memberId: a.groupMember.memberId, memberEpoch: -1, topicPartitions: null, subscribedTopicNames: null });
    expect(left.errorCode).toBe(ErrorCode.NONE);
    const failure = await eventually(() => a.groupMember.failure, "the next heartbeat fails", { pollMs: 5 });
    expect(failure).toBeInstanceOf(KafkaProtocolError);
    expect((failure as KafkaProtocolError).code).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(failure.message).toContain(`group "${groupId}": `);
    expect(plain(a.heard.at(-1))).toEqual({});
    // No more heartbeats: the member did not join again.
    expect(consumerGroup(groupId).members.size).toBe(0);
  });

  test("a group id the coordinator refuses fails the join", async () => {
    const topic = unique("invalid");
    await broker.topics.create(topic, 1);
    const a = member(newCluster(), "", [topic]);
    const joining = a.join();
    await expect(joining).rejects.toBeInstanceOf(KafkaProtocolError);
    await expect(joining).rejects.toThrow('coordinator of group ""');
  });
});
