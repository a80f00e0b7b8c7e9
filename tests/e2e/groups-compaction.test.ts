// __consumer_offsets is a compacted log: with small segments and frequent maintenance, thousands
// of commits to the same partitions shrink to the latest per key, and a restarted broker replays
// the compacted log to the same committed offsets (deleted groups stay deleted).

import { afterAll, beforeAll, expect, test } from "bun:test";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { Connection, defaultConnectionOptions } from "../../src/client/index.ts";
import { createLogger } from "../../src/logger.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { CreateTopics } from "../../src/protocol/messages/create-topics.ts";
import { DeleteGroups } from "../../src/protocol/messages/delete-groups.ts";
import { OffsetCommit } from "../../src/protocol/messages/offset-commit.ts";
import { OffsetFetch } from "../../src/protocol/messages/offset-fetch.ts";
import { type Broker, eventually, startBroker } from "./harness.ts";

let broker: Broker;

beforeAll(async () => {
  broker = await startBroker({ args: ["--segment-bytes", "4096", "--retention-check-interval", "200ms", "--log-cleaner-backoff", "200ms"] });
}, 30_000);

afterAll(async () => {
  await broker?.cleanup();
}, 30_000);

const commitCount = 1500;
const partitionCount = 3;

async function connect(): Promise<Connection> {
  return await Connection.open({ host: broker.host, port: broker.port }, { ...defaultConnectionOptions, logger: createLogger("e2e", "error") });
}

async function groupLogBytes(): Promise<number> {
  const dir = join(broker.dataDir, "topics", "__consumer_offsets", "0");
  let total = 0;
  for (const name of await readdir(dir)) if (name.endsWith(".log")) total += (await stat(join(dir, name))).size;
  return total;
}

async function committed(connection: Connection, group: string): Promise<number[]> {
  const response = await connection.request(OffsetFetch, { groups: [{ groupId: group, memberId: null, memberEpoch: -1, topics: null }], requireStable: false });
  return response.groups![0].topics.flatMap((topic) => topic.partitions.map((partition) => partition.committedOffset));
}

test("compaction keeps the latest commit per key and a restart replays the compacted log", async () => {
  let connection = await connect();
  await connection.request(CreateTopics, { topics: [{ name: "compacted-commits", numPartitions: partitionCount, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
  for (let index = 1; index <= commitCount; index++) {
    for (const group of ["kept", "dropped"]) {
      const response = await connection.request(OffsetCommit, {
        groupId: group, generationIdOrMemberEpoch: -1, memberId: "", groupInstanceId: null,
        topics: [{ name: "compacted-commits", partitions: [{ partitionIndex: index % partitionCount, committedOffset: index, committedLeaderEpoch: -1, committedMetadata: null }] }],
      });
      expect(response.topics[0].partitions[0].errorCode).toBe(ErrorCode.NONE);
    }
  }
  expect((await connection.request(DeleteGroups, { groupsNames: ["dropped"] })).results[0].errorCode).toBe(ErrorCode.NONE);
  const expected = [commitCount - 2, commitCount - 1, commitCount].sort((a, b) => (a % partitionCount) - (b % partitionCount));
  expect(await committed(connection, "kept")).toEqual(expected);

  // Let maintenance compact the sealed segments. Each commit is a batch of one record with a
  // ~70-byte key and a ~70-byte value, so the log took well over `uncompactedBytesMin`.
  const uncompactedBytesMin = 2 * commitCount * 150;
  const compactedBytesMax = uncompactedBytesMin / 10;
  await eventually(async () => (await groupLogBytes()) < compactedBytesMax, `__consumer_offsets compacted below ${compactedBytesMax} bytes`, { waitMs: 20_000, pollMs: 200, detail: () => broker.log.slice(-3000) });
  const compactedBytes = await groupLogBytes();
  console.log(`__consumer_offsets: ${2 * commitCount} commits (over ${uncompactedBytesMin} bytes) compacted to ${compactedBytes} bytes`);
  expect(compactedBytes).toBeLessThan(compactedBytesMax);

  connection.close();
  await broker.kill9();
  await broker.start();
  connection = await connect();
  expect(await committed(connection, "kept")).toEqual(expected);
  expect(await committed(connection, "dropped")).toEqual([]);
  connection.close();
}, 120_000);
