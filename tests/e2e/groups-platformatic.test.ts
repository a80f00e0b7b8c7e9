// Consumer groups with @platformatic/kafka against the real server, with the classic protocol
// (JoinGroup/SyncGroup) and with KIP-848 (`groupProtocol: "consumer"`, ConsumerGroupHeartbeat):
// a consumer commits part of what it read, and a second run in the same group reads exactly the
// rest. A KIP-848 member (in its own process) also keeps consuming across a broker SIGKILL and
// restart.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { Admin, Consumer, MessagesStreamFallbackModes, MessagesStreamModes, ProduceAcks, Producer, stringDeserializers, stringSerializers } from "@platformatic/kafka";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { Kafka, logLevel } from "kafkajs";
import { type Broker, chronikCommand, eventually, repoRoot, runOk, startBroker } from "./harness.ts";

let broker: Broker;

beforeAll(async () => {
  broker = await startBroker();
}, 30_000);

afterAll(async () => {
  await broker?.cleanup();
}, 30_000);

const partitionCount = 3;
const waitStepMs = 100;
/** The broker's default consumerGroupHeartbeatIntervalMs. */
const heartbeatIntervalMs = 5000;
type Protocol = "classic" | "consumer";

async function createTopic(topic: string): Promise<void> {
  const admin = new Admin({ clientId: "e2e-plt-groups-admin", bootstrapBrokers: [broker.bootstrap], retries: 2 });
  try {
    await admin.createTopics({ topics: [topic], partitions: partitionCount, replicas: 1 });
  } finally {
    await admin.close();
  }
}

async function produce(topic: string, values: string[]): Promise<void> {
  const producer = new Producer({ clientId: "e2e-plt-groups-producer", bootstrapBrokers: [broker.bootstrap], serializers: stringSerializers, retries: 5 });
  try {
    await producer.send({
      messages: values.map((value, index) => ({ topic, partition: index % partitionCount, value })),
      acks: ProduceAcks.ALL,
    });
  } finally {
    await producer.close();
  }
}

function newConsumer(group: string, protocol: Protocol): Consumer<string, string, string, string> {
  const common = { clientId: `e2e-plt-${protocol}`, bootstrapBrokers: [broker.bootstrap], groupId: group, deserializers: stringDeserializers, retries: 10, retryDelay: 200 };
  return protocol === "consumer"
    ? new Consumer({ ...common, groupProtocol: "consumer" })
    : new Consumer({ ...common, sessionTimeout: 6000, heartbeatInterval: 500 });
}

/** Reads `count` records in the group, committing each of the first `commitCount`; returns values read and committed. */
async function consumeSome(topic: string, group: string, protocol: Protocol, count: number, commitCount: number): Promise<{ read: string[]; committed: string[] }> {
  const consumer = newConsumer(group, protocol);
  const read: string[] = [];
  const committed: string[] = [];
  try {
    const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.COMMITTED, fallbackMode: MessagesStreamFallbackModes.EARLIEST, autocommit: false, maxWaitTime: 200 });
    for await (const message of stream) {
      read.push(message.value);
      if (committed.length < commitCount) {
        await message.commit();
        committed.push(message.value);
      }
      if (read.length >= count) break;
    }
    await stream.close();
  } finally {
    await consumer.close();
  }
  return { read, committed };
}

for (const protocol of ["classic", "consumer"] as const) {
  test(`@platformatic/kafka ${protocol} protocol: a second run in the group reads exactly what the first did not commit`, async () => {
    const topic = `plt-group-${protocol}`;
    const group = `plt-${protocol}`;
    const values = Array.from({ length: 60 }, (_, index) => `${protocol}-${index}`);
    await createTopic(topic);
    await produce(topic, values);
    // Commits are per partition, so the committed set is a prefix of each partition, not of `values`.
    const first = await consumeSome(topic, group, protocol, 30, 20);
    expect(first.read.length).toBe(30);
    const remaining = values.filter((value) => !isCommittedPrefix(value, first.committed));
    const second = await consumeSome(topic, group, protocol, remaining.length, remaining.length);
    expect([...second.read].sort()).toEqual([...remaining].sort());
    // Everything is committed now: a third run finds nothing before a new record arrives.
    await produce(topic, [`${protocol}-last`]);
    const third = await consumeSome(topic, group, protocol, 1, 1);
    expect(third.read).toEqual([`${protocol}-last`]);
  }, 120_000);
}

/** Whether `value` lies within the committed prefix of its partition (values go round-robin over partitions). */
function isCommittedPrefix(value: string, committed: string[]): boolean {
  const index = Number(value.slice(value.lastIndexOf("-") + 1));
  const partition = index % partitionCount;
  const committedInPartition = committed.map((entry) => Number(entry.slice(entry.lastIndexOf("-") + 1))).filter((entry) => entry % partitionCount === partition);
  return committedInPartition.length > 0 && index <= Math.max(...committedInPartition);
}

/** A tests/e2e/node/platformatic_group_member.ts process; its JSON-line events collected as they arrive. */
class PlatformaticMember {
  readonly values: string[] = [];
  readonly memberIds = new Set<string>();
  stderr = "";
  readonly #child: Subprocess<"ignore", "pipe", "pipe">;

  constructor(topic: string, group: string) {
    const script = join(repoRoot, "tests/e2e/node/platformatic_group_member.ts");
    const child = Bun.spawn([join(repoRoot, "node_modules/.bin/bun"), script, broker.bootstrap, topic, group], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    this.#child = child;
    void this.#readEvents(child.stdout);
    void this.#readStderr(child.stderr);
  }

  async #readEvents(stream: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let pending = "";
    for await (const chunk of stream) {
      pending += decoder.decode(chunk, { stream: true });
      const lines = pending.split("\n");
      pending = lines.pop()!;
      for (const line of lines) {
        const event = JSON.parse(line) as { value?: string; memberId?: string | null };
        if (event.memberId) this.memberIds.add(event.memberId);
        if (event.value !== undefined) this.values.push(event.value);
      }
    }
  }

  async #readStderr(stream: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of stream) this.stderr += decoder.decode(chunk, { stream: true });
  }

  async kill(): Promise<void> {
    this.#child.kill("SIGKILL");
    await this.#child.exited;
  }
}

test("@platformatic/kafka consumer protocol: a member keeps consuming across a broker SIGKILL and restart", async () => {
  const topic = "plt-restart";
  await createTopic(topic);
  await produce(topic, Array.from({ length: 30 }, (_, index) => `before-${index}`));
  const member = new PlatformaticMember(topic, "plt-restart");
  try {
    await waitFor(() => member.values.length >= 30, 30_000, "the first 30 records", member);
    let committed = 0;
    await waitFor(() => committed === 30, 20_000, "the first 30 offsets committed", member, async () => (committed = await committedSum(topic, "plt-restart")));
    await broker.kill9();
    await broker.start();
    // The member has heartbeated the restarted coordinator (whose request counts start at zero).
    let heartbeats = 0;
    const countHeartbeats = async () => (heartbeats = [...(await broker.requestCounts())].filter(([key]) => key.startsWith("ConsumerGroupHeartbeat ")).reduce((sum, [, count]) => sum + count, 0));
    await waitFor(() => heartbeats > 0, 2 * heartbeatIntervalMs + 10_000, "a heartbeat to the restarted broker", member, countHeartbeats);
    await produce(topic, Array.from({ length: 30 }, (_, index) => `after-${index}`));
    await waitFor(() => member.values.filter((value) => value.startsWith("after-")).length >= 30, 60_000, "the records produced after the restart", member);
    // Its commits are accepted: the coordinator still knows the member and its epoch.
    await waitFor(() => committed === 60, 20_000, "all 60 offsets committed", member, async () => (committed = await committedSum(topic, "plt-restart")));
    // The member carried on under the same member id: its membership came back from __consumer_offsets.
    expect([...member.memberIds].length).toBe(1);
    // `chronik group describe` shows the KIP-848 member owning every partition, with no lag.
    const described = await runOk([...chronikCommand(), "group", "describe", "plt-restart", "-f", "json", "-b", broker.bootstrap], { timeoutMs: 20_000 });
    const description = JSON.parse(described.stdout.toString()) as { protocolType: string; members: { memberId: string; assignment: { topic: string; partitions: number[] }[] }[]; partitions: { lag: number | null }[] };
    expect(description.protocolType).toBe("consumer");
    expect(description.members.map((entry) => [entry.memberId, entry.assignment])).toEqual([[[...member.memberIds][0], [{ topic, partitions: [0, 1, 2] }]]]);
    expect(description.partitions.map((row) => row.lag)).toEqual([0, 0, 0]);
    expect(new Set(member.values.filter((value) => value.startsWith("after-"))).size).toBe(30);
    expect(member.stderr).not.toContain("unexpected error");
  } finally {
    await member.kill();
  }
}, 120_000);

/** The sum of the group's committed offsets over the topic's partitions (OffsetFetch through kafkajs). */
async function committedSum(topic: string, group: string): Promise<number> {
  const admin = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return offsets.partitions.reduce((sum, partition) => sum + Math.max(0, Number(partition.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

function waitFor(condition: () => boolean, timeoutMs: number, what: string, member?: PlatformaticMember, refresh?: () => Promise<unknown>): Promise<unknown> {
  const check = async () => (await refresh?.(), condition());
  const detail = () => (member ? `${member.values.length} records, member ids ${[...member.memberIds].join(", ")}\n${member.stderr.slice(-3000)}` : "");
  return eventually(check, what, { waitMs: timeoutMs, pollMs: waitStepMs, detail });
}
