// `chronik group` against a real server: list, describe (with lag while a producer runs and a
// kafkajs consumer group reads), reset-offsets in every mode with --dry-run, delete.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Kafka, logLevel } from "kafkajs";
import { renderTable } from "../../src/commands/admin-command.ts";
import { parseDatetime, parseTopicPartitions } from "../../src/commands/group.ts";
import { type Broker, chronikCommand, run, startBroker } from "../e2e/harness.ts";
import { eventually, letRealTimePass } from "../support/wait.ts";

let broker: Broker;
let kafka: Kafka;

const commandTimeoutMs = 20_000;
const recordsPerPartition = 10;

beforeAll(async () => {
  broker = await startBroker({ args: ["--group-initial-rebalance-delay-ms", "0"] });
  kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: "orders", numPartitions: 3 }, { topic: "live", numPartitions: 2 }] });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  for (let partition = 0; partition < 3; partition++) {
    await producer.send({ topic: "orders", messages: Array.from({ length: recordsPerPartition }, (_, index) => ({ partition, value: `p${partition}-${index}`, timestamp: String(1_700_000_000_000 + index * 1000) })) });
  }
  await producer.disconnect();
}, 30_000);

afterAll(async () => {
  await broker?.cleanup();
}, 30_000);

async function group(args: string[]): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  const result = await run([...chronikCommand(), "group", ...args, "-b", broker.bootstrap], { timeoutMs: commandTimeoutMs });
  return { exitCode: result.exitCode, stdout: result.stdout.toString(), stderr: result.stderr };
}

async function groupJson<T>(args: string[]): Promise<T> {
  const result = await group([...args, "-f", "json"]);
  if (result.exitCode !== 0) throw new Error(`chronik group ${args.join(" ")} failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

async function setOffsets(groupId: string, topic: string, offsets: number[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.setOffsets({ groupId, topic, partitions: offsets.map((offset, partition) => ({ partition, offset: String(offset) })) });
  await admin.disconnect();
}

interface Row {
  topic: string;
  partition: number;
  committedOffset: number | null;
  logEndOffset: number | null;
  lag: number | null;
  memberId: string | null;
}

describe("chronik group", () => {
  test("helpers: tables, topic:partitions, date-times", () => {
    expect(renderTable(["A", "LONGER"], [["xyz", "1"], ["x", "22"]])).toBe("A    LONGER\nxyz  1\nx    22\n");
    expect(parseTopicPartitions("orders:0,2")).toEqual([{ topic: "orders", partitions: [0, 2] }]);
    expect(parseTopicPartitions("orders")).toEqual([{ topic: "orders", partitions: null }]);
    expect(() => parseTopicPartitions("orders:x")).toThrow();
    expect(parseDatetime("2024-05-01T10:00:00")).toBe(Date.UTC(2024, 4, 1, 10));
    expect(parseDatetime("2024-05-01T12:00:00+02:00")).toBe(Date.UTC(2024, 4, 1, 10));
    expect(parseDatetime("1700000000000")).toBe(1_700_000_000_000);
    expect(() => parseDatetime("yesterday")).toThrow();
  });

  test("list and describe show committed offsets, log end and lag per partition", async () => {
    await setOffsets("audit", "orders", [2, 5, 10]);
    const listed = await groupJson<{ groupId: string; state: string }[]>(["list"]);
    expect(listed.find((entry) => entry.groupId === "audit")?.state).toBe("Empty");
    const table = await group(["list"]);
    expect(table.stdout.split("\n")[0]).toMatch(/^GROUP\s+STATE\s+TYPE\s+PROTOCOL-TYPE$/);
    expect(table.stdout).toMatch(/\naudit\s+Empty\s+classic/);

    const described = await groupJson<{ state: string; partitions: Row[] }>(["describe", "audit"]);
    expect(described.state).toBe("Empty");
    expect(described.partitions.map((row) => [row.partition, row.committedOffset, row.logEndOffset, row.lag])).toEqual([
      [0, 2, 10, 8],
      [1, 5, 10, 5],
      [2, 10, 10, 0],
    ]);
    const text = await group(["describe", "audit"]);
    expect(text.stdout).toContain('Group "audit": Empty, 0 members');
    expect(text.stdout).toMatch(/\naudit\s+orders\s+0\s+2\s+10\s+8\s+-/);

    const missing = await group(["describe", "nobody"]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('Group "nobody" does not exist');
  }, 60_000);

  test("reset-offsets: --dry-run changes nothing; earliest, latest, offset (clamped), datetime, topic:partitions", async () => {
    await setOffsets("resettable", "orders", [3, 3, 3]);
    const committed = async () => (await groupJson<{ partitions: Row[] }>(["describe", "resettable"])).partitions.map((row) => row.committedOffset);
    const dry = await groupJson<{ dryRun: boolean; partitions: { previousOffset: number; newOffset: number }[] }>(["reset-offsets", "resettable", "--topic", "orders", "--to-earliest", "--dry-run"]);
    expect(dry.dryRun).toBe(true);
    expect(dry.partitions.map((entry) => [entry.previousOffset, entry.newOffset])).toEqual([[3, 0], [3, 0], [3, 0]]);
    expect(await committed()).toEqual([3, 3, 3]);

    await groupJson(["reset-offsets", "resettable", "--topic", "orders", "--to-earliest"]);
    expect(await committed()).toEqual([0, 0, 0]);
    await groupJson(["reset-offsets", "resettable", "--topic", "orders:1", "--to-latest"]);
    expect(await committed()).toEqual([0, 10, 0]);
    await groupJson(["reset-offsets", "resettable", "--topic", "orders:0,2", "--to-offset", "500"]);
    expect(await committed()).toEqual([10, 10, 10]);
    await groupJson(["reset-offsets", "resettable", "--all-topics", "--to-offset", "4"]);
    expect(await committed()).toEqual([4, 4, 4]);
    // Records of each partition are 1 s apart from 1_700_000_000_000: the first at or after +6.5 s is offset 7.
    await groupJson(["reset-offsets", "resettable", "--topic", "orders", "--to-datetime", "1700000006500"]);
    expect(await committed()).toEqual([7, 7, 7]);
    await groupJson(["reset-offsets", "resettable", "--topic", "orders", "--to-datetime", "2100-01-01T00:00:00Z"]);
    expect(await committed()).toEqual([10, 10, 10]);

    const table = await group(["reset-offsets", "resettable", "--topic", "orders:0", "--to-earliest", "--dry-run"]);
    expect(table.stdout).toMatch(/^GROUP\s+TOPIC\s+PARTITION\s+PREVIOUS-OFFSET\s+NEW-OFFSET\nresettable\s+orders\s+0\s+10\s+0\n$/);
    const twoTargets = await group(["reset-offsets", "resettable", "--topic", "orders", "--to-earliest", "--to-latest"]);
    expect(twoTargets.exitCode).toBe(1);
    expect(twoTargets.stderr).toContain("Give exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime");
    const badPartition = await group(["reset-offsets", "resettable", "--topic", "orders:7", "--to-earliest"]);
    expect(badPartition.exitCode).toBe(1);
    expect(badPartition.stderr).toContain('Topic "orders" has no partition 7');
  }, 60_000);

  test("describe shows members and correct lag while a producer runs; reset and delete refuse a group with members", async () => {
    const consumer = kafka.consumer({ groupId: "live-readers", sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: "live", fromBeginning: true });
    let consumed = 0;
    await consumer.run({ autoCommitInterval: 200, eachMessage: async () => void consumed++ });
    const producer = kafka.producer();
    await producer.connect();
    let produced = 0;
    let producing = true;
    const production = (async () => {
      while (producing) {
        await producer.send({ topic: "live", messages: Array.from({ length: 10 }, (_, index) => ({ partition: index % 2, value: `live-${produced + index}` })) });
        produced += 10;
        await letRealTimePass(20, "the producer keeps a steady pace while the group is described");
      }
    })();
    try {
      let previousEnd = 0;
      for (let round = 0; round < 5; round++) {
        const described = await groupJson<{ state: string; members: { memberId: string }[]; partitions: Row[] }>(["describe", "live-readers"]);
        expect(described.members.length).toBe(1);
        const end = described.partitions.reduce((sum, row) => sum + (row.logEndOffset ?? 0), 0);
        expect(end).toBeGreaterThanOrEqual(previousEnd);
        previousEnd = end;
        for (const row of described.partitions) {
          expect(row.memberId).toBe(described.members[0].memberId);
          if (row.committedOffset !== null) expect(row.lag).toBe(row.logEndOffset! - row.committedOffset);
        }
      }
      const refused = await group(["reset-offsets", "live-readers", "--topic", "live", "--to-earliest"]);
      expect(refused.exitCode).toBe(1);
      expect(refused.stderr).toContain('Group "live-readers" has 1 active member(s)');
      const notDeleted = await group(["delete", "live-readers"]);
      expect(notDeleted.exitCode).toBe(1);
      expect(notDeleted.stderr).toContain("NON_EMPTY_GROUP");
    } finally {
      producing = false;
      await production;
      await producer.disconnect();
    }
    // Once the producer stops and the consumer has committed everything, the log end is what was produced and lag is 0.
    const caughtUp = async () => {
      const rows = (await groupJson<{ partitions: Row[] }>(["describe", "live-readers"])).partitions;
      return rows.every((row) => row.lag === 0) ? rows : null;
    };
    const final = await eventually(caughtUp, "the consumer commits everything produced", { waitMs: 20_000, pollMs: 200 });
    expect(final.reduce((sum, row) => sum + row.logEndOffset!, 0)).toBe(produced);
    expect(final.map((row) => row.lag)).toEqual([0, 0]);
    await consumer.disconnect();
  }, 90_000);

  test("delete removes empty groups with their offsets", async () => {
    await setOffsets("doomed", "orders", [1, 1, 1]);
    const deleted = await group(["delete", "doomed"]);
    expect(deleted.exitCode).toBe(0);
    expect(deleted.stdout).toBe('Deleted group "doomed"\n');
    const listed = await groupJson<{ groupId: string }[]>(["list"]);
    expect(listed.map((entry) => entry.groupId)).not.toContain("doomed");
    const again = await group(["delete", "doomed"]);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain("GROUP_ID_NOT_FOUND");
  }, 60_000);
});
