import { afterEach, describe, expect, test } from "bun:test";
import { routes } from "../../src/engine/api-table.ts";
import { type BrokerContext, FatalRequestError, type RequestSession, dispatch } from "../../src/engine/dispatcher.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { encodeRequestFrame, frameSizePrefixBytes } from "../../src/protocol/frames.ts";
import { decodeResponseHeader } from "../../src/protocol/headers.ts";
import { ApiVersions, type ApiVersionsResponse } from "../../src/protocol/messages/api-versions.ts";
import { Fetch } from "../../src/protocol/messages/fetch.ts";
import { ListOffsets } from "../../src/protocol/messages/list-offsets.ts";
import { Metadata } from "../../src/protocol/messages/metadata.ts";
import { Produce } from "../../src/protocol/messages/produce.ts";
import { SaslAuthenticate } from "../../src/protocol/messages/sasl-authenticate.ts";
import { SaslHandshake } from "../../src/protocol/messages/sasl-handshake.ts";
import { SaslSession } from "../../src/engine/sasl-session.ts";
import { makeScramCredential } from "../../src/security/scram.ts";
import { UserStore } from "../../src/security/user-store.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Reader } from "../../src/protocol/reader.ts";
import type { Writer } from "../../src/protocol/writer.ts";
import { connect } from "node:net";
import { KafkaListener } from "../../src/engine/kafka-listener.ts";
import type { Logger } from "../../src/logger.ts";
import { silentLogger } from "../../src/logger.ts";
import { FrameSplitter } from "../../src/protocol/frames.ts";
import { failedAuthenticationDelayMs } from "../../src/engine/handlers/sasl-authenticate.ts";
import { eventually } from "../support/wait.ts";
import { ManualScheduler } from "./groups/manual-scheduler.ts";
import { type EngineFixture, batchOf, engineFixture } from "./fixtures.ts";

function brokerContext(fixture: EngineFixture): BrokerContext {
  const { config, clusterId, topics, logger, advertisedApis } = fixture.ctx(0);
  return { config, clusterId, topics, logger, advertisedApis };
}

function session(): RequestSession & { releases: number } {
  const value = { releases: 0, signal: new AbortController().signal, releaseConnection: () => value.releases++ };
  return value;
}

/** A request frame without its size prefix, as the connection hands it to dispatch. */
function requestFrame(apiKey: number, apiVersion: number, correlationId: number, body: (writer: Writer) => void): Uint8Array {
  const frame = encodeRequestFrame({ apiKey, apiVersion, correlationId, clientId: "dispatcher-test" }, body);
  return frame.subarray(frameSizePrefixBytes);
}

/** Checks the size prefix and correlation id, and returns a reader positioned at the body. */
function responseBody(response: Uint8Array | null, apiKey: number, apiVersion: number, correlationId: number): Reader {
  expect(response).not.toBeNull();
  const bytes = response!;
  expect(new DataView(bytes.buffer, bytes.byteOffset).getInt32(0)).toBe(bytes.length - frameSizePrefixBytes);
  const reader = new Reader(bytes, frameSizePrefixBytes);
  expect(decodeResponseHeader(reader, apiKey, apiVersion).correlationId).toBe(correlationId);
  return reader;
}

function advertised(response: ApiVersionsResponse) {
  return response.apiKeys.map(({ apiKey, minVersion, maxVersion }) => ({ apiKey, minVersion, maxVersion }));
}

const expectedApis = routes.map(({ apiKey, minVersion, maxVersion }) => ({ apiKey, minVersion, maxVersion }));

async function fatal(promise: Promise<unknown>): Promise<FatalRequestError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(FatalRequestError);
    return error as FatalRequestError;
  }
  throw new Error("Expected a FatalRequestError, but the request was answered");
}

describe("dispatch", () => {
  test("answers ApiVersions v0 and v3 with every route", async () => {
    const fixture = await engineFixture();
    for (const version of [0, 3]) {
      const frame = requestFrame(ApiVersions.apiKey, version, 41 + version, (writer) =>
        ApiVersions.encodeRequest(writer, version, { clientSoftwareName: "test", clientSoftwareVersion: "1.0" }),
      );
      const reader = responseBody(await dispatch(brokerContext(fixture), frame, session()), ApiVersions.apiKey, version, 41 + version);
      const response = ApiVersions.decodeResponse(reader, version);
      expect(reader.remaining).toBe(0);
      expect(response.errorCode).toBe(ErrorCode.NONE);
      expect(advertised(response)).toEqual(expectedApis);
    }
  });

  test("an ApiVersions version it does not speak gets a v0 answer with UNSUPPORTED_VERSION and the API list", async () => {
    const fixture = await engineFixture();
    const frame = requestFrame(ApiVersions.apiKey, 9, 77, (writer) =>
      ApiVersions.encodeRequest(writer, 3, { clientSoftwareName: "future", clientSoftwareVersion: "9" }),
    );
    const calls = session();
    const reader = responseBody(await dispatch(brokerContext(fixture), frame, calls), ApiVersions.apiKey, 0, 77);
    const response = ApiVersions.decodeResponse(reader, 0);
    expect(reader.remaining).toBe(0);
    expect(response.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(advertised(response)).toEqual(expectedApis);
    expect(calls.releases).toBe(1);
  });

  test("an unknown API key is fatal", async () => {
    const fixture = await engineFixture();
    const error = await fatal(dispatch(brokerContext(fixture), requestFrame(9999, 0, 5, () => {}), session()));
    expect(error.message).toContain("Unsupported request: api key 9999 version 0 (correlation id 5");
  });

  test("an unadvertised version whose response has a top-level error code gets UNSUPPORTED_VERSION", async () => {
    const fixture = await engineFixture();
    const version = 14;
    expect(routes.find((route) => route.apiKey === Fetch.apiKey)!.maxVersion).toBeLessThan(version);
    const frame = requestFrame(Fetch.apiKey, version, 8, (writer) =>
      Fetch.encodeRequest(writer, version, { maxWaitMs: 0, minBytes: 1, topics: [] }),
    );
    const response = await dispatch(brokerContext(fixture), frame, session());
    const body = Fetch.decodeResponse(responseBody(response, Fetch.apiKey, version, 8), version);
    expect(body.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(body.responses).toEqual([]);
  });

  test("an unsupported version of an API without a top-level error code is fatal", async () => {
    const fixture = await engineFixture();
    const version = 8;
    expect(routes.find((route) => route.apiKey === ListOffsets.apiKey)!.maxVersion).toBeLessThan(version);
    const frame = requestFrame(ListOffsets.apiKey, version, 6, (writer) =>
      ListOffsets.encodeRequest(writer, version, { replicaId: -1, isolationLevel: 0, topics: [] }),
    );
    const error = await fatal(dispatch(brokerContext(fixture), frame, session()));
    expect(error.message).toContain(`api key ${ListOffsets.apiKey} version ${version}`);
  });

  test("a body that does not decode is fatal", async () => {
    const fixture = await engineFixture();
    const frame = requestFrame(Metadata.apiKey, 12, 8, (writer) => {
      writer.writeInt32(0x7fffffff);
      writer.writeInt32(-5);
    });
    const error = await fatal(dispatch(brokerContext(fixture), frame, session()));
    expect(error.message).toStartWith("Cannot decode Metadata request");
  });

  test("a header that does not decode is fatal", async () => {
    const fixture = await engineFixture();
    const error = await fatal(dispatch(brokerContext(fixture), Uint8Array.of(0, 3, 0), session()));
    expect(error.message).toStartWith("Cannot decode request header");
  });

  test("routes a request to its handler and encodes the answer in the request's version", async () => {
    const fixture = await engineFixture({ config: { advertisedHost: "broker.test", advertisedPort: 9999 } });
    await fixture.topics.create("orders", 2);
    for (const version of [1, 9, 12]) {
      const frame = requestFrame(Metadata.apiKey, version, 100 + version, (writer) =>
        Metadata.encodeRequest(writer, version, version >= 4 ? { topics: null, allowAutoTopicCreation: false } : { topics: null }),
      );
      const reader = responseBody(await dispatch(brokerContext(fixture), frame, session()), Metadata.apiKey, version, 100 + version);
      const response = Metadata.decodeResponse(reader, version);
      expect(reader.remaining).toBe(0);
      expect(response.brokers.map((broker) => [broker.host, broker.port])).toEqual([["broker.test", 9999]]);
      expect(response.topics.map((topic) => [topic.name, topic.partitions.length])).toEqual([["orders", 2]]);
    }
  });

  test("passes the session to the handler: Produce releases the connection", async () => {
    const fixture = await engineFixture();
    const frame = requestFrame(Produce.apiKey, 9, 12, (writer) =>
      Produce.encodeRequest(writer, 9, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 1000,
        topicData: [{ name: "orders", partitionData: [{ index: 0, records: batchOf(["a", "b"]) }] }],
      }),
    );
    const calls = session();
    const reader = responseBody(await dispatch(brokerContext(fixture), frame, calls), Produce.apiKey, 9, 12);
    const response = Produce.decodeResponse(reader, 9);
    expect(response.responses[0].partitionResponses[0]).toMatchObject({ index: 0, errorCode: ErrorCode.NONE, baseOffset: 0 });
    expect(calls.releases).toBe(1);
  });

  test("a produce with acks=0 gets no response frame", async () => {
    const fixture = await engineFixture();
    const frame = requestFrame(Produce.apiKey, 7, 13, (writer) =>
      Produce.encodeRequest(writer, 7, {
        transactionalId: null,
        acks: 0,
        timeoutMs: 1000,
        topicData: [{ name: "orders", partitionData: [{ index: 0, records: batchOf(["a"]) }] }],
      }),
    );
    expect(await dispatch(brokerContext(fixture), frame, session())).toBeNull();
    expect(fixture.topics.get("orders")!.partitions[0].log.logEndOffset).toBe(1);
  });

  test("a handler that throws answers UNKNOWN_SERVER_ERROR in every part of its response and logs the stack once", async () => {
    const { broker, errors } = brokenBroker(await engineFixture());
    const metadata = requestFrame(Metadata.apiKey, 12, 21, (writer) =>
      Metadata.encodeRequest(writer, 12, { topics: [{ name: "orders" }, { name: "payments" }], allowAutoTopicCreation: false }),
    );
    const reader = responseBody(await dispatch(broker, metadata, session()), Metadata.apiKey, 12, 21);
    const response = Metadata.decodeResponse(reader, 12);
    expect(response.topics.map((topic) => [topic.name, topic.errorCode])).toEqual([
      ["orders", ErrorCode.UNKNOWN_SERVER_ERROR],
      ["payments", ErrorCode.UNKNOWN_SERVER_ERROR],
    ]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain("Request failed unexpectedly api=Metadata version=12");
    expect(errors[0]).toContain("TypeError: Cannot read properties of undefined");
    expect(errors[0]).toContain("handle");

    // A version with a top-level error code gets it there (the generated error response).
    const fetch = requestFrame(Fetch.apiKey, 12, 22, (writer) =>
      Fetch.encodeRequest(writer, 12, { maxWaitMs: 0, minBytes: 1, topics: [{ topic: "orders", partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1024 }] }] }),
    );
    const fetchResponse = Fetch.decodeResponse(responseBody(await dispatch(broker, fetch, session()), Fetch.apiKey, 12, 22), 12);
    expect(fetchResponse.errorCode).toBe(ErrorCode.UNKNOWN_SERVER_ERROR);
    expect(errors).toHaveLength(2);
  });

  test("a Produce with acks=0 whose handler throws closes the connection: the producer reads no answer", async () => {
    const { broker } = brokenBroker(await engineFixture());
    const frame = requestFrame(Produce.apiKey, 7, 23, (writer) =>
      Produce.encodeRequest(writer, 7, { transactionalId: null, acks: 0, timeoutMs: 1000, topicData: [{ name: "orders", partitionData: [{ index: 0, records: batchOf(["a"]) }] }] }),
    );
    expect((await fatal(dispatch(broker, frame, session()))).message).toStartWith("Failed acks=0 Produce request");
  });

  test("after a handler throws, the connection stays open and answers the next request", async () => {
    const { broker } = brokenBroker(await engineFixture());
    const listener = await KafkaListener.listen((frame, calls) => dispatch(broker, frame, calls), {
      host: "127.0.0.1",
      port: 0,
      requestBytesMax: 1 << 20,
      requestsInFlightMax: 10,
      logger: silentLogger,
    });
    const socket = connect({ host: "127.0.0.1", port: listener.port });
    try {
      const splitter = new FrameSplitter(1 << 20);
      const frames: Uint8Array[] = [];
      let closed = false;
      const answered = new Promise<void>((resolve, reject) => {
        socket.on("data", (chunk: Buffer) => {
          frames.push(...splitter.push(chunk));
          if (frames.length === 2) resolve();
        });
        socket.on("close", () => {
          closed = true;
          reject(new Error(`Connection closed after ${frames.length} answers`));
        });
      });
      const sized = (frame: Uint8Array) => {
        const bytes = new Uint8Array(frame.length + 4);
        new DataView(bytes.buffer).setInt32(0, frame.length);
        bytes.set(frame, 4);
        return bytes;
      };
      socket.write(sized(requestFrame(Metadata.apiKey, 12, 31, (writer) => Metadata.encodeRequest(writer, 12, { topics: [{ name: "orders" }] }))));
      socket.write(sized(requestFrame(ApiVersions.apiKey, 3, 32, (writer) => ApiVersions.encodeRequest(writer, 3, { clientSoftwareName: "t", clientSoftwareVersion: "1" }))));
      await answered;
      const first = new Reader(frames[0]);
      expect(decodeResponseHeader(first, Metadata.apiKey, 12).correlationId).toBe(31);
      expect(Metadata.decodeResponse(first, 12).topics[0].errorCode).toBe(ErrorCode.UNKNOWN_SERVER_ERROR);
      const second = new Reader(frames[1]);
      expect(decodeResponseHeader(second, ApiVersions.apiKey, 3).correlationId).toBe(32);
      expect(ApiVersions.decodeResponse(second, 3).errorCode).toBe(ErrorCode.NONE);
      expect(closed).toBe(false);
    } finally {
      socket.destroy();
      await listener.close();
    }
  });
});

/** A broker context whose topic registry throws on any use, as a handler bug would; errors are kept as lines. */
function brokenBroker(fixture: EngineFixture): { broker: BrokerContext; errors: string[] } {
  const errors: string[] = [];
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: () => {},
    error: (message, context) => errors.push(`${message} ${Object.entries(context ?? {}).map(([key, value]) => `${key}=${value}`).join(" ")}`),
    child: () => logger,
  };
  const topics = new Proxy({}, {
    get() {
      throw new TypeError("Cannot read properties of undefined (reading 'meta')");
    },
  }) as BrokerContext["topics"];
  return { broker: { ...brokerContext(fixture), topics, logger }, errors };
}

describe("dispatch on a SASL listener", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  async function saslBroker(): Promise<BrokerContext> {
    const fixture = await engineFixture();
    const dir = mkdtempSync(join(tmpdir(), "chronik-sasl-"));
    dirs.push(dir);
    const users = UserStore.open(dir);
    await users.set("alice", "SCRAM-SHA-256", makeScramCredential("SCRAM-SHA-256", "pencil"));
    return { ...brokerContext(fixture), users, saslMechanisms: ["SCRAM-SHA-256", "PLAIN"] };
  }

  function saslSession(): RequestSession {
    return { ...session(), sasl: new SaslSession() };
  }

  async function handshake(broker: BrokerContext, on: RequestSession, mechanism: string, version = 1) {
    const response = await dispatch(broker, requestFrame(SaslHandshake.apiKey, version, 1, (writer) => SaslHandshake.encodeRequest(writer, version, { mechanism })), on);
    return SaslHandshake.decodeResponse(responseBody(response, SaslHandshake.apiKey, version, 1), version);
  }

  async function authenticate(broker: BrokerContext, on: RequestSession, text: string) {
    const response = await dispatch(broker, requestFrame(SaslAuthenticate.apiKey, 2, 2, (writer) => SaslAuthenticate.encodeRequest(writer, 2, { authBytes: new TextEncoder().encode(text) })), on);
    return SaslAuthenticate.decodeResponse(responseBody(response, SaslAuthenticate.apiKey, 2, 2), 2);
  }

  const metadata = () => requestFrame(Metadata.apiKey, 4, 3, (writer) => Metadata.encodeRequest(writer, 4, { topics: null, allowAutoTopicCreation: false }));

  test("before authentication only the handshake is answered; PLAIN then opens the connection", async () => {
    const broker = await saslBroker();
    const on = saslSession();
    expect((await fatal(dispatch(broker, metadata(), on))).message).toStartWith("Request before authentication: api key 3 version 4");
    expect(await handshake(broker, on, "GSSAPI")).toEqual({ errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: ["SCRAM-SHA-256", "PLAIN"] });
    expect((await handshake(broker, on, "PLAIN")).errorCode).toBe(ErrorCode.NONE);
    expect(await authenticate(broker, on, "\u0000alice\u0000pencil")).toMatchObject({ errorCode: ErrorCode.NONE });
    expect(on.sasl!.principal).toBe("User:alice");
    expect(await dispatch(broker, metadata(), on)).not.toBeNull();
  });

  test("SCRAM's two steps through SaslAuthenticate; a failure closes the connection to everything after it", async () => {
    const broker = await saslBroker();
    const on = saslSession();
    await handshake(broker, on, "SCRAM-SHA-256");
    const first = await authenticate(broker, on, "n,,n=alice,r=abc");
    expect(first.errorCode).toBe(ErrorCode.NONE);
    expect(new TextDecoder().decode(first.authBytes)).toMatch(/^r=abc[^,]+,s=[^,]+,i=4096$/);
    const failed = await authenticate(broker, on, `c=biws,r=${new TextDecoder().decode(first.authBytes).split(",")[0].slice(2)},p=${Buffer.alloc(32).toString("base64")}`);
    expect(failed).toMatchObject({ errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: "Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256" });
    expect((await fatal(dispatch(broker, metadata(), on))).message).toStartWith("Request after failed authentication");
  });

  test("a failed authentication is answered after failedAuthenticationDelayMs on the context's clock", async () => {
    const clock = new ManualScheduler();
    const broker = { ...(await saslBroker()), ...clock.handlerClock };
    const on = saslSession();
    await handshake(broker, on, "PLAIN");
    let answered = false;
    const failed = authenticate(broker, on, "\u0000alice\u0000wrong").then((response) => ((answered = true), response));
    await eventually(() => clock.pending === 1, "the failure waits on its delay", { waitMs: 5000, pollMs: 1 });
    await clock.advance(failedAuthenticationDelayMs - 1);
    expect(answered).toBe(false);
    await clock.advance(1);
    expect((await failed).errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
  });

  test("after a v0 handshake the token comes bare and is answered bare", async () => {
    const broker = await saslBroker();
    const on = saslSession();
    expect((await handshake(broker, on, "PLAIN", 0)).errorCode).toBe(ErrorCode.NONE);
    const answer = await dispatch(broker, new TextEncoder().encode("\u0000alice\u0000pencil"), on);
    expect([...answer!]).toEqual([0, 0, 0, 0]);
    expect(on.sasl!.authenticated).toBe(true);
  });

  describe("session lifetime and re-authentication (KIP-368)", () => {
    async function expiringBroker(clock: { now: number }): Promise<BrokerContext> {
      const broker = await saslBroker();
      await broker.users!.set("bob", "SCRAM-SHA-256", makeScramCredential("SCRAM-SHA-256", "builder"));
      return { ...broker, config: { ...broker.config, saslSessionLifetimeMs: 60_000 }, now: () => clock.now };
    }

    test("the lifetime is announced; after it ends only re-authentication is answered, and renewing extends it", async () => {
      const clock = { now: 1_000_000 };
      const broker = await expiringBroker(clock);
      const on = saslSession();
      await handshake(broker, on, "PLAIN");
      expect(await authenticate(broker, on, "\u0000alice\u0000pencil")).toMatchObject({ errorCode: ErrorCode.NONE, sessionLifetimeMs: 60_000 });
      clock.now += 59_999;
      expect(await dispatch(broker, metadata(), on)).not.toBeNull();
      // Renewed before the end: the session runs a full lifetime from now.
      expect((await handshake(broker, on, "PLAIN")).errorCode).toBe(ErrorCode.NONE);
      expect(await dispatch(broker, metadata(), on)).not.toBeNull();
      expect(await authenticate(broker, on, "\u0000alice\u0000pencil")).toMatchObject({ errorCode: ErrorCode.NONE, sessionLifetimeMs: 60_000 });
      clock.now += 59_999;
      expect(await dispatch(broker, metadata(), on)).not.toBeNull();
      clock.now += 1;
      expect((await fatal(dispatch(broker, metadata(), on))).message).toStartWith("Request after the SASL session expired: api key 3 version 4");
    });

    test("an expired session may still authenticate again, and then goes on", async () => {
      const clock = { now: 5_000 };
      const broker = await expiringBroker(clock);
      const on = saslSession();
      await handshake(broker, on, "PLAIN");
      await authenticate(broker, on, "\u0000alice\u0000pencil");
      clock.now += 60_000;
      expect((await handshake(broker, on, "PLAIN")).errorCode).toBe(ErrorCode.NONE);
      expect((await authenticate(broker, on, "\u0000alice\u0000pencil")).errorCode).toBe(ErrorCode.NONE);
      expect(await dispatch(broker, metadata(), on)).not.toBeNull();
    });

    test("re-authentication as another user, or with another mechanism, is refused", async () => {
      const clock = { now: 5_000 };
      const broker = await expiringBroker(clock);
      const on = saslSession();
      await handshake(broker, on, "PLAIN");
      await authenticate(broker, on, "\u0000alice\u0000pencil");
      expect((await handshake(broker, on, "SCRAM-SHA-256")).errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
      expect((await handshake(broker, on, "PLAIN")).errorCode).toBe(ErrorCode.NONE);
      expect((await authenticate(broker, on, "\u0000bob\u0000builder")).errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
      expect(on.sasl!.principal).toBe("User:alice");
      expect((await fatal(dispatch(broker, metadata(), on))).message).toStartWith("Request after failed authentication");
    });

    test("without a lifetime the session does not end, and SaslAuthenticate says 0", async () => {
      const broker = await saslBroker();
      const on = saslSession();
      await handshake(broker, on, "PLAIN");
      expect(await authenticate(broker, on, "\u0000alice\u0000pencil")).toMatchObject({ errorCode: ErrorCode.NONE, sessionLifetimeMs: 0 });
      expect(on.sasl!.expiresAtMs).toBeNull();
    });
  });

  test("SASL requests on a listener without SASL are ILLEGAL_SASL_STATE", async () => {
    const broker = await saslBroker();
    expect((await handshake(broker, session(), "PLAIN")).errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
    expect((await authenticate(broker, session(), "x")).errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
  });
});
