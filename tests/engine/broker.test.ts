import { afterEach, describe, expect, test } from "bun:test";
import fs from "node:fs";
import { connect } from "node:net";
import os from "node:os";
import path from "node:path";
import { Broker } from "../../src/engine/broker.ts";
import { type BrokerConfig, defaultBrokerConfig } from "../../src/engine/broker-config.ts";
import { silentLogger } from "../../src/logger.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { FrameSplitter, encodeRequestFrame } from "../../src/protocol/frames.ts";
import { decodeResponseHeader } from "../../src/protocol/headers.ts";
import { ApiVersions } from "../../src/protocol/messages/api-versions.ts";
import { Fetch } from "../../src/protocol/messages/fetch.ts";
import { Reader } from "../../src/protocol/reader.ts";
import { batchOf, recordsOf } from "./fixtures.ts";

const dataDirs: string[] = [];
const brokers: Broker[] = [];

afterEach(async () => {
  await Promise.all(brokers.splice(0).map((broker) => broker.stop()));
  for (const dir of dataDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function testConfig(dataDir?: string): BrokerConfig {
  const dir = dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "chronik-broker-"));
  if (!dataDir) dataDirs.push(dir);
  return { ...defaultBrokerConfig, dataDir: dir, host: "127.0.0.1", port: 0 };
}

async function start(config: BrokerConfig): Promise<Broker> {
  const broker = await Broker.start(config, silentLogger);
  brokers.push(broker);
  return broker;
}

/** One ApiVersions v3 round trip over a fresh socket; resolves with the decoded response. */
function apiVersionsOver(port: number) {
  return new Promise<ReturnType<typeof ApiVersions.decodeResponse>>((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port }, () => {
      socket.write(encodeRequestFrame({ apiKey: ApiVersions.apiKey, apiVersion: 3, correlationId: 9, clientId: "broker-test" }, (writer) =>
        ApiVersions.encodeRequest(writer, 3, { clientSoftwareName: "test", clientSoftwareVersion: "1" }),
      ));
    });
    const splitter = new FrameSplitter(1 << 20);
    socket.on("error", reject);
    socket.on("data", (chunk: Buffer) => {
      for (const frame of splitter.push(chunk)) {
        const reader = new Reader(frame);
        expect(decodeResponseHeader(reader, ApiVersions.apiKey, 3).correlationId).toBe(9);
        resolve(ApiVersions.decodeResponse(reader, 3));
        socket.destroy();
      }
    });
  });
}

describe("Broker", () => {
  test("starts on an ephemeral port and answers the Kafka protocol", async () => {
    const broker = await start(testConfig());
    expect(broker.port).toBeGreaterThan(0);
    const response = await apiVersionsOver(broker.port);
    expect(response.errorCode).toBe(ErrorCode.NONE);
    expect(response.apiKeys.length).toBeGreaterThan(0);
    expect(broker.health()).toMatchObject({ nodeId: 0, topics: broker.topics.list().length });
    expect(String(broker.health().clusterId)).not.toBe("");
  });

  test("stop is safe to call twice, and closes the port", async () => {
    const broker = await start(testConfig());
    const port = broker.port;
    await Promise.all([broker.stop(), broker.stop()]);
    await broker.stop();
    await expect(apiVersionsOver(port)).rejects.toThrow();
  });

  test("stop ends a parked long poll instead of waiting for it", async () => {
    const broker = await start(testConfig());
    const quiet = (await broker.topics.create("quiet", 1)).partitions[0];
    const onNextData = quiet.onNextData.bind(quiet);
    const parked = new Promise<void>((resolve) => {
      quiet.onNextData = (wake) => {
        resolve();
        return onNextData(wake);
      };
    });
    const socket = await new Promise<ReturnType<typeof connect>>((resolve, reject) => {
      const opened = connect({ host: "127.0.0.1", port: broker.port }, () => resolve(opened));
      opened.once("error", reject);
    });
    const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    socket.on("error", () => {});
    socket.write(
      encodeRequestFrame({ apiKey: Fetch.apiKey, apiVersion: 12, correlationId: 1, clientId: "broker-test" }, (writer) =>
        Fetch.encodeRequest(writer, 12, {
          replicaId: -1,
          maxWaitMs: 20_000,
          minBytes: 1,
          maxBytes: 1 << 20,
          isolationLevel: 0,
          sessionId: 0,
          sessionEpoch: -1,
          topics: [{ topic: "quiet", partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
          forgottenTopicsData: [],
          rackId: "",
        }),
      ),
    );
    await parked;
    const started = Date.now();
    await broker.stop();
    await closed;
    expect(Date.now() - started).toBeLessThan(4000);
  });

  test("topics, their ids, configs and data survive a restart", async () => {
    const config = testConfig();
    const first = await start(config);
    const created = await first.topics.create("kept", 2, { "retention.ms": "60000" });
    await created.partitions[1].append(batchOf(["a", "b"]));
    const { clusterId, topics: topicCount } = first.health();
    await first.stop();

    const second = await start(testConfig(config.dataDir));
    const loaded = second.topics.get("kept");
    expect(loaded?.meta).toEqual(created.meta);
    expect(second.topics.getById(created.meta.topicId)).toBe(loaded!);
    expect(second.health()).toMatchObject({ clusterId, topics: topicCount });
    const read = await loaded!.partitions[1].log.read(0, 1 << 20);
    expect(recordsOf(read.bytes)).toEqual([
      [0, "a"],
      [1, "b"],
    ]);
    expect(loaded!.partitions[0].log.logEndOffset).toBe(0);
  });

  test("a deleted topic stays deleted after a restart", async () => {
    const config = testConfig();
    const first = await start(config);
    await first.topics.create("gone", 1);
    await first.topics.create("kept", 1);
    await first.topics.delete("gone");
    await first.stop();
    const second = await start(testConfig(config.dataDir));
    expect(second.topics.get("gone")).toBeUndefined();
    expect(second.topics.get("kept")).toBeDefined();
  });
});
