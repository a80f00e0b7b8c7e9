import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createServer, type Server } from "node:net";
import { Connection, ConnectionError, defaultConnectionOptions, negotiateVersions } from "../../src/client/index.ts";
import { silentLogger } from "../../src/logger.ts";
import { ApiVersions } from "../../src/protocol/messages/api-versions.ts";
import { Fetch } from "../../src/protocol/messages/fetch.ts";
import { Metadata } from "../../src/protocol/messages/metadata.ts";
import { Produce } from "../../src/protocol/messages/produce.ts";
import { type Broker, startBroker } from "../e2e/harness.ts";

const options = { ...defaultConnectionOptions, logger: silentLogger };

describe("negotiateVersions", () => {
  test("takes the highest version both sides speak and drops APIs without overlap", () => {
    const chosen = negotiateVersions([
      { apiKey: Produce.apiKey, minVersion: 0, maxVersion: 7 },
      { apiKey: Fetch.apiKey, minVersion: 0, maxVersion: 99 },
      { apiKey: Metadata.apiKey, minVersion: 0, maxVersion: 0 },
      { apiKey: 9999, minVersion: 0, maxVersion: 3 },
    ]);
    expect(chosen.get(Produce.apiKey)).toBe(7);
    expect(chosen.get(Fetch.apiKey)).toBe(Fetch.maxVersion);
    expect(chosen.has(Metadata.apiKey)).toBe(false);
    expect(chosen.has(9999)).toBe(false);
  });
});

describe("Connection against a broker", () => {
  let broker: Broker;
  beforeAll(async () => {
    broker = await startBroker();
  }, 30_000);
  afterAll(async () => {
    await broker?.cleanup();
  }, 30_000);

  test("negotiates versions, then pipelines requests beyond the in-flight bound", async () => {
    const connection = await Connection.open({ host: broker.host, port: broker.port }, { ...options, requestsInFlightMax: 3 });
    try {
      expect(connection.version(ApiVersions)).toBeGreaterThanOrEqual(0);
      expect(connection.version(Metadata)).toBeGreaterThanOrEqual(1);
      const answers = await Promise.all(
        Array.from({ length: 50 }, () => connection.request(Metadata, { topics: [], allowAutoTopicCreation: false })),
      );
      expect(answers).toHaveLength(50);
      for (const answer of answers) expect(answer.brokers[0].port).toBe(broker.port);
    } finally {
      connection.close();
    }
  });

  test("fails pending and later requests once closed", async () => {
    const connection = await Connection.open({ host: broker.host, port: broker.port }, options);
    const pending = connection.request(Metadata, { topics: [], allowAutoTopicCreation: false });
    connection.close();
    await expect(pending).rejects.toBeInstanceOf(ConnectionError);
    await expect(connection.request(Metadata, { topics: [] })).rejects.toBeInstanceOf(ConnectionError);
    expect(connection.closed).toBe(true);
  });

  test("refuses an unreachable address with the address in the message", async () => {
    await expect(Connection.open({ host: "127.0.0.1", port: 1 }, options)).rejects.toThrow('Cannot connect to broker "127.0.0.1:1"');
  });
});

describe("Connection against an HTTP server", () => {
  test("says it reached an HTTP port instead of reporting a huge frame size", async () => {
    const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("ok") });
    try {
      const opening = Connection.open({ host: "127.0.0.1", port: server.port as number }, { ...options, requestTimeoutMs: 5_000 });
      await expect(opening).rejects.toThrow("this is chronik's HTTP port");
      await expect(opening).rejects.not.toThrow("1213486160");
    } finally {
      server.stop(true);
    }
  });
});

describe("Connection against a silent peer", () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = createServer(() => {});
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => {
    server.close();
  });

  test("times out the handshake and closes", async () => {
    const started = Date.now();
    await expect(Connection.open({ host: "127.0.0.1", port }, { ...options, requestTimeoutMs: 200 })).rejects.toThrow("timed out after 200 ms");
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
