// Consumer groups with the Python clients: kafka-python resumes exactly after the last commit,
// also after the broker was SIGKILLed and restarted; with confluent-kafka (librdkafka) a killed
// member's partitions go to the survivor after its session timeout, from the committed offsets.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { Kafka, logLevel } from "kafkajs";
import { Connection, defaultConnectionOptions } from "../../src/client/index.ts";
import { createLogger } from "../../src/logger.ts";
import { DescribeGroups } from "../../src/protocol/messages/describe-groups.ts";
import { type Broker, eventually, pythonPath, repoRoot, runOk, startBroker } from "./harness.ts";
import { letRealTimePass } from "../support/wait.ts";

let broker: Broker;

beforeAll(async () => {
  broker = await startBroker();
}, 30_000);

afterAll(async () => {
  await broker?.cleanup();
}, 30_000);

const scriptTimeoutMs = 60_000;
const waitStepMs = 100;
/** How long a test watches for a record delivered twice after the last expected one. */
const duplicateWindowMs = 500;

async function produce(topic: string, partitions: number, values: string[]): Promise<void> {
  const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }] });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value })) });
  await producer.disconnect();
}

async function produceMore(topic: string, values: string[]): Promise<void> {
  const producer = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value })) });
  await producer.disconnect();
}

async function consumeWithKafkaPython(topic: string, group: string, count: number): Promise<string[]> {
  const script = join(repoRoot, "tests/e2e/python/kafka_python_group.py");
  const result = await runOk([pythonPath, script, "--bootstrap", broker.bootstrap, "--topic", topic, "--group", group, "--count", String(count)], {
    timeoutMs: scriptTimeoutMs,
  });
  return JSON.parse(result.stdout.toString()) as string[];
}

test("kafka-python: a new consumer resumes exactly after the last commit, also after SIGKILL and restart", async () => {
  const values = Array.from({ length: 90 }, (_, index) => `record-${index}`);
  await produce("resume", 1, values);
  expect(await consumeWithKafkaPython("resume", "py", 30)).toEqual(values.slice(0, 30));
  expect(await consumeWithKafkaPython("resume", "py", 30)).toEqual(values.slice(30, 60));
  await broker.kill9();
  await broker.restart();
  expect(await consumeWithKafkaPython("resume", "py", 30)).toEqual(values.slice(60, 90));
}, 120_000);

// ---- confluent-kafka (librdkafka 2.0.2) in separate processes ----

type GroupEvent =
  | { event: "assign" | "revoke"; partitions: number[] }
  | { event: "record"; partition: number; offset: number; value: string };

/** A confluent_kafka_group.py process whose JSON-line events are collected as they arrive. */
class PythonMember {
  readonly events: GroupEvent[] = [];
  readonly #child: Subprocess<"ignore", "pipe", "pipe">;
  #stderr = "";

  constructor(args: string[]) {
    const script = join(repoRoot, "tests/e2e/python/confluent_kafka_group.py");
    const child = Bun.spawn([pythonPath, script, "--bootstrap", broker.bootstrap, ...args], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    this.#child = child;
    void this.#readEvents();
    void this.#readStderr(child.stderr);
  }

  async #readStderr(stream: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of stream) this.#stderr += decoder.decode(chunk, { stream: true });
  }

  async #readEvents(): Promise<void> {
    let pending = "";
    for await (const chunk of this.#child.stdout) {
      pending += new TextDecoder().decode(chunk);
      const lines = pending.split("\n");
      pending = lines.pop()!;
      for (const line of lines) if (line.trim() !== "") this.events.push(JSON.parse(line) as GroupEvent);
    }
  }

  /** The partitions of the last assign event, or null before the first. */
  get assignment(): number[] | null {
    const assigns = this.events.filter((event) => event.event === "assign");
    return assigns.length === 0 ? null : (assigns.at(-1) as { partitions: number[] }).partitions;
  }

  get assignCount(): number {
    return this.events.filter((event) => event.event === "assign").length;
  }

  get values(): string[] {
    return this.events.flatMap((event) => (event.event === "record" ? [event.value] : []));
  }

  get stderr(): string {
    return this.#stderr;
  }

  async kill9(): Promise<void> {
    this.#child.kill("SIGKILL");
    await this.#child.exited;
  }
}

function waitFor(condition: () => boolean, timeoutMs: number, what: string, members: PythonMember[] = []): Promise<unknown> {
  const detail = () => members.map((member, index) => `member ${index}: ${JSON.stringify(member.events.filter((event) => event.event !== "record"))}\n${member.stderr.slice(-2000)}`).join("\n");
  return eventually(condition, what, { waitMs: timeoutMs, pollMs: waitStepMs, detail });
}

/** DescribeGroups through chronik's own client: state and members (id, instance id). */
async function describeGroup(group: string): Promise<{ state: string; members: { memberId: string; groupInstanceId: string | null }[] }> {
  const connection = await Connection.open({ host: broker.host, port: broker.port }, { ...defaultConnectionOptions, logger: createLogger("e2e", "error") });
  try {
    const response = await connection.request(DescribeGroups, { groups: [group], includeAuthorizedOperations: false });
    const described = response.groups[0];
    return { state: described.groupState, members: described.members.map((member) => ({ memberId: member.memberId, groupInstanceId: member.groupInstanceId ?? null })) };
  } finally {
    connection.close();
  }
}

/** The partitions a cooperative member owns: its incremental assigns minus its incremental revokes. */
function ownedIncrementally(member: PythonMember): number[] {
  const owned = new Set<number>();
  for (const event of member.events) {
    if (event.event === "assign") for (const partition of event.partitions) owned.add(partition);
    if (event.event === "revoke") for (const partition of event.partitions) owned.delete(partition);
  }
  return [...owned].sort();
}

/** How many rebalances of `group` the broker has logged (its "Preparing to rebalance group ... group=<id>" lines). */
function rebalancesLogged(group: string): number {
  return broker.log.split("\n").filter((line) => line.includes("Preparing to rebalance group") && line.includes(` group=${group} `)).length;
}

test("confluent-kafka: a SIGKILLed member's partitions go to the survivor after its session timeout, from the committed offsets", async () => {
  const topic = "ck-kill";
  await produce(topic, 4, Array.from({ length: 40 }, (_, index) => `first-${index}`));
  const members: PythonMember[] = [];
  try {
    members.push(new PythonMember(["--topic", topic, "--group", "ck", "--session-timeout-ms", "6000"]));
    await waitFor(() => members[0].assignment?.length === 4, 30_000, "the first member to own all partitions", members);
    members.push(new PythonMember(["--topic", topic, "--group", "ck", "--session-timeout-ms", "6000"]));
    await waitFor(() => members.every((member) => member.assignment?.length === 2), 30_000, "two members with two partitions each", members);
    await waitFor(() => members[0].values.length + members[1].values.length >= 40, 30_000, "the first 40 records", members);
    const [survivor, victim] = members;
    const victimPartitions = victim.assignment!;
    const killedAtMs = Date.now();
    await victim.kill9();
    await waitFor(() => survivor.assignment?.length === 4, 30_000, "the survivor to own all partitions", members);
    const takeoverMs = Date.now() - killedAtMs;
    console.log(`confluent-kafka: survivor owned all partitions ${takeoverMs} ms after the SIGKILL (session.timeout.ms 6000)`);
    expect(takeoverMs).toBeGreaterThanOrEqual(4000);
    await produceMore(topic, Array.from({ length: 40 }, (_, index) => `second-${index}`));
    await waitFor(() => survivor.values.filter((value) => value.startsWith("second-")).length >= 40, 30_000, "the second 40 records", members);
    await letRealTimePass(duplicateWindowMs, "a record delivered twice would arrive within this");
    const all = [...survivor.values, ...victim.values];
    // Every record exactly once: the survivor resumed the victim's partitions at their committed offsets.
    expect(all.length).toBe(80);
    expect(new Set(all).size).toBe(80);
    const resumed = survivor.events.filter((event) => event.event === "record" && victimPartitions.includes(event.partition));
    expect(resumed.length).toBeGreaterThan(0);
    const described = await describeGroup("ck");
    expect(described.state).toBe("Stable");
    expect(described.members.length).toBe(1);
  } finally {
    for (const member of members) await member.kill9();
  }
}, 120_000);

test("confluent-kafka: a static member (group.instance.id) that restarts within its session timeout gets its assignment back without a rebalance", async () => {
  const topic = "ck-static";
  await produce(topic, 4, Array.from({ length: 20 }, (_, index) => `static-${index}`));
  const members: PythonMember[] = [];
  try {
    members.push(new PythonMember(["--topic", topic, "--group", "ck-static", "--instance-id", "static-a", "--session-timeout-ms", "30000"]));
    await waitFor(() => members[0].assignment?.length === 4, 30_000, "the first static member to own all partitions", members);
    members.push(new PythonMember(["--topic", topic, "--group", "ck-static", "--instance-id", "static-b", "--session-timeout-ms", "30000"]));
    await waitFor(() => members.every((member) => member.assignment?.length === 2), 30_000, "two static members with two partitions each", members);
    await waitFor(() => members[0].values.length + members[1].values.length >= 20, 30_000, "the first 20 records", members);
    const before = await describeGroup("ck-static");
    expect(before.state).toBe("Stable");
    const rebalancesBefore = rebalancesLogged("ck-static");
    const otherAssignCount = members[0].assignCount;
    const restartedPartitions = members[1].assignment!;

    await members[1].kill9();
    members[1] = new PythonMember(["--topic", topic, "--group", "ck-static", "--instance-id", "static-b", "--session-timeout-ms", "30000"]);
    await waitFor(() => members[1].assignment !== null, 20_000, "the restarted static member's assignment", members);
    expect(members[1].assignment).toEqual(restartedPartitions);
    await produceMore(topic, Array.from({ length: 20 }, (_, index) => `static-after-${index}`));
    const after20 = () => [...members[0].values, ...members[1].values].filter((value) => value.startsWith("static-after-"));
    await waitFor(() => after20().length >= 20, 30_000, "the records after the restart", members);

    // The other member saw no rebalance, the broker logged none, and the group kept both instances.
    expect(members[0].assignCount).toBe(otherAssignCount);
    expect(rebalancesLogged("ck-static")).toBe(rebalancesBefore);
    const after = await describeGroup("ck-static");
    expect(after.state).toBe("Stable");
    expect(after.members.map((member) => member.groupInstanceId).sort()).toEqual(["static-a", "static-b"]);
    const restartedBefore = before.members.find((member) => member.groupInstanceId === "static-b")!;
    const restartedAfter = after.members.find((member) => member.groupInstanceId === "static-b")!;
    expect(restartedAfter.memberId).not.toBe(restartedBefore.memberId);
    expect(new Set(after20()).size).toBe(20);
    expect(members[1].values.length).toBeGreaterThan(0);
  } finally {
    for (const member of members) await member.kill9();
  }
}, 120_000);

test("confluent-kafka cooperative-sticky: a joining member takes half the partitions incrementally, the first member keeps the rest without a full revoke", async () => {
  const topic = "ck-coop";
  await produce(topic, 4, Array.from({ length: 40 }, (_, index) => `coop-${index}`));
  const args = ["--topic", topic, "--group", "ck-coop", "--strategy", "cooperative-sticky", "--session-timeout-ms", "6000"];
  const members: PythonMember[] = [];
  try {
    members.push(new PythonMember(args));
    await waitFor(() => ownedIncrementally(members[0]).length === 4, 30_000, "the first member to own all partitions", members);
    await waitFor(() => members[0].values.length >= 40, 30_000, "the first 40 records", members);
    members.push(new PythonMember(args));
    await waitFor(() => members.every((member) => ownedIncrementally(member).length === 2), 30_000, "two members with two partitions each", members);

    // Incremental: the first member gave up exactly the two partitions the newcomer got, in one
    // revoke of two, and was never assigned the whole set again.
    const [first, second] = members.map(ownedIncrementally);
    expect([...first, ...second].sort()).toEqual([0, 1, 2, 3]);
    const firstRevokes = members[0].events.filter((event) => event.event === "revoke") as { partitions: number[] }[];
    expect(firstRevokes.map((event) => event.partitions.length)).toEqual([2]);
    expect(firstRevokes[0].partitions).toEqual(second);
    const laterAssigns = members[0].events.filter((event) => event.event === "assign").slice(1) as { partitions: number[] }[];
    expect(laterAssigns.every((event) => event.partitions.length === 0)).toBe(true);

    await produceMore(topic, Array.from({ length: 40 }, (_, index) => `coop-after-${index}`));
    const all = () => [...members[0].values, ...members[1].values];
    await waitFor(() => all().length >= 80, 30_000, "all 80 records", members);
    await letRealTimePass(duplicateWindowMs, "a record delivered twice would arrive within this");
    expect(all().length).toBe(80);
    expect(new Set(all()).size).toBe(80);
    expect(members[1].values.length).toBeGreaterThan(0);
  } finally {
    for (const member of members) await member.kill9();
  }
}, 120_000);
