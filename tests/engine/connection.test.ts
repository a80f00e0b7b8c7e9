// Connection and KafkaListener over real sockets on 127.0.0.1, with a fake frame handler:
// each request frame is an ASCII word; the handler's behaviour is chosen by that word.

import { afterEach, describe, expect, test } from "bun:test";
import { type Socket, connect } from "node:net";
import type { FrameHandler } from "../../src/engine/connection.ts";
import { FatalRequestError } from "../../src/engine/dispatcher.ts";
import { KafkaListener } from "../../src/engine/kafka-listener.ts";
import { silentLogger } from "../../src/logger.ts";
import { FrameSplitter } from "../../src/protocol/frames.ts";
import { eventually, letRealTimePass, nextTurn } from "../support/wait.ts";
import { recordingLogger } from "./fixtures.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function frameOf(word: string): Uint8Array {
  const body = encoder.encode(word);
  const frame = new Uint8Array(4 + body.length);
  new DataView(frame.buffer).setInt32(0, body.length);
  frame.set(body, 4);
  return frame;
}

/** A client socket that collects response frames as words. */
class TestClient {
  readonly socket: Socket;
  readonly responses: string[] = [];
  readonly closed: Promise<void>;
  #splitter = new FrameSplitter(1 << 20);
  #onResponse: (() => void) | null = null;

  private constructor(socket: Socket) {
    this.socket = socket;
    this.closed = new Promise((resolve) => socket.on("close", () => resolve()));
    socket.on("error", () => {});
    socket.on("data", (chunk: Buffer) => {
      for (const frame of this.#splitter.push(chunk)) this.responses.push(decoder.decode(frame));
      this.#onResponse?.();
    });
  }

  static open(port: number): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: "127.0.0.1", port }, () => resolve(new TestClient(socket)));
      socket.once("error", reject);
    });
  }

  send(...words: string[]): void {
    for (const word of words) this.socket.write(frameOf(word));
  }

  /** Resolves once `count` responses have arrived in all. */
  async waitForResponses(count: number): Promise<string[]> {
    while (this.responses.length < count) {
      await new Promise<void>((resolve) => (this.#onResponse = resolve));
    }
    return this.responses;
  }
}

let listener: KafkaListener | null = null;
const clients: TestClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.socket.destroy();
  await listener?.close();
  listener = null;
});

async function serve(
  handleFrame: FrameHandler,
  options: { requestBytesMax?: number; requestsInFlightMax?: number; logger?: typeof silentLogger; clock?: () => number } = {},
) {
  listener = await KafkaListener.listen(handleFrame, {
    host: "127.0.0.1",
    port: 0,
    requestBytesMax: options.requestBytesMax ?? 1 << 20,
    requestsInFlightMax: options.requestsInFlightMax ?? 100,
    logger: options.logger ?? silentLogger,
    clock: options.clock,
  });
  return listener;
}

async function client(): Promise<TestClient> {
  const opened = await TestClient.open(listener!.port);
  clients.push(opened);
  return opened;
}

/**
 * A handler that logs "start X" / "end X" and answers "X"; words starting with "slow" take 50 ms,
 * long enough for a later request to overtake them if the connection let it.
 */
function tracingHandler(events: string[], options: { release?: (word: string) => boolean } = {}): FrameHandler {
  return async (frame, session) => {
    const word = decoder.decode(frame);
    events.push(`start ${word}`);
    if (options.release?.(word)) session.releaseConnection();
    if (word.startsWith("slow")) await letRealTimePass(50, "a slow request, for a later one to overtake if it could");
    events.push(`end ${word}`);
    return frameOf(word);
  };
}

describe("KafkaListener and Connection", () => {
  test("binds an ephemeral port", async () => {
    const bound = await serve(async (frame) => frameOf(decoder.decode(frame)));
    expect(bound.port).toBeGreaterThan(0);
  });

  test("runs a connection's requests one after another and answers in order", async () => {
    const events: string[] = [];
    await serve(tracingHandler(events));
    const socket = await client();
    socket.send("slow-a", "b", "c");
    expect(await socket.waitForResponses(3)).toEqual(["slow-a", "b", "c"]);
    expect(events).toEqual(["start slow-a", "end slow-a", "start b", "end b", "start c", "end c"]);
  });

  test("a released request lets the next start, and responses still come in request order", async () => {
    const events: string[] = [];
    await serve(tracingHandler(events, { release: (word) => word === "slow-a" }));
    const socket = await client();
    socket.send("slow-a", "b");
    expect(await socket.waitForResponses(2)).toEqual(["slow-a", "b"]);
    expect(events).toEqual(["start slow-a", "start b", "end b", "end slow-a"]);
  });

  test("a request with no response (acks=0) writes nothing and keeps the order of the rest", async () => {
    await serve(async (frame) => (decoder.decode(frame) === "silent" ? null : frameOf(decoder.decode(frame))));
    const socket = await client();
    socket.send("a", "silent", "b");
    expect(await socket.waitForResponses(2)).toEqual(["a", "b"]);
  });

  test("frames split across writes and packed into one write are all answered", async () => {
    await serve(async (frame) => frameOf(decoder.decode(frame)));
    const socket = await client();
    const packed = new Uint8Array([...frameOf("one"), ...frameOf("two"), ...frameOf("three")]);
    // The first part is flushed and the listener gets a turn to read it before the rest is written.
    await new Promise<void>((resolve) => socket.socket.write(packed.subarray(0, 5), () => resolve()));
    await nextTurn();
    socket.socket.write(packed.subarray(5));
    expect(await socket.waitForResponses(3)).toEqual(["one", "two", "three"]);
  });

  test("connections run concurrently: a slow request on one does not hold up another", async () => {
    const events: string[] = [];
    await serve(async (frame) => {
      const word = decoder.decode(frame);
      events.push(word);
      if (word === "parked") await new Promise<void>(() => {});
      return frameOf(word);
    });
    const first = await client();
    const second = await client();
    first.send("parked");
    await eventually(() => events.includes("parked"), "the first connection's request is running", { waitMs: 5000, pollMs: 1 });
    second.send("quick");
    expect(await second.waitForResponses(1)).toEqual(["quick"]);
    expect(first.responses).toEqual([]);
  });

  test("an oversized length prefix closes that connection while another keeps working", async () => {
    const logger = recordingLogger();
    await serve(async (frame) => frameOf(decoder.decode(frame)), { requestBytesMax: 64, logger });
    const liar = await client();
    const honest = await client();
    const prefix = new Uint8Array(4);
    new DataView(prefix.buffer).setInt32(0, 1_000_000);
    liar.socket.write(prefix);
    await liar.closed;
    honest.send("still here");
    expect(await honest.waitForResponses(1)).toEqual(["still here"]);
    expect(logger.lines).toContain("warn Closing connection: bad request");
  });

  test("a fatal request closes the connection after the earlier answers, and later requests do not run", async () => {
    const started: string[] = [];
    await serve(async (frame) => {
      const word = decoder.decode(frame);
      started.push(word);
      if (word === "fatal") throw new FatalRequestError("Unsupported request: test");
      return frameOf(word);
    });
    const socket = await client();
    socket.send("before", "fatal", "after");
    await socket.closed;
    expect(socket.responses).toEqual(["before"]);
    expect(started).toEqual(["before", "fatal"]);
  });

  test("a client repeating an unsupported request on new connections is warned about once a window, naming client, address, API and version", async () => {
    const lines: string[] = [];
    const logger = { ...silentLogger, warn: (message: string, context?: Record<string, unknown>) => lines.push(`${message} ${JSON.stringify(context)}`) };
    let nowMs = 0;
    await serve(
      async () => {
        throw new FatalRequestError("Unsupported request: api key 18 version 9 (correlation id 1)", {
          problem: "Unsupported request",
          client: "kafka-go",
          api: "ApiVersions",
          version: 9,
        });
      },
      { logger, clock: () => nowMs },
    );
    for (let attempt = 0; attempt < 20; attempt++) {
      const socket = await client();
      socket.send("hello");
      await socket.closed;
      nowMs += 1_000;
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toStartWith("Closing connection: Unsupported request ");
    expect(JSON.parse(lines[0].slice(lines[0].indexOf("{")))).toMatchObject({ client: "kafka-go", api: "ApiVersions", version: 9 });
    expect(lines[0]).toContain('"remote":"127.0.0.1:');
    nowMs += 60_000;
    const socket = await client();
    socket.send("hello");
    await socket.closed;
    expect(lines).toHaveLength(3);
    expect(lines[1]).toStartWith("Suppressed 19 similar warnings: Closing connection: Unsupported request");
    expect(lines[2]).toStartWith("Closing connection: Unsupported request ");
  });

  test("an unexpected handler error is logged and closes the connection", async () => {
    const logger = recordingLogger();
    await serve(
      async (frame) => {
        if (decoder.decode(frame) === "bug") throw new TypeError("Cannot read properties of undefined");
        return frameOf("ok");
      },
      { logger },
    );
    const socket = await client();
    socket.send("bug");
    await socket.closed;
    expect(logger.lines).toContain("error Request failed unexpectedly");
  });

  test("a client that disconnects aborts its parked request", async () => {
    let aborted!: () => void;
    const abortSeen = new Promise<void>((resolve) => (aborted = resolve));
    let parked!: () => void;
    const parkedSeen = new Promise<void>((resolve) => (parked = resolve));
    await serve(async (_frame, session) => {
      parked();
      await new Promise<void>((resolve) => session.signal.addEventListener("abort", () => resolve()));
      aborted();
      return null;
    });
    const socket = await client();
    socket.send("long-poll");
    await parkedSeen;
    socket.socket.destroy();
    await abortSeen;
  });

  test("more requests than the in-flight bound are all answered, in order", async () => {
    await serve(
      async (frame, session) => {
        session.releaseConnection();
        await nextTurn();
        return frameOf(decoder.decode(frame));
      },
      { requestsInFlightMax: 2 },
    );
    const socket = await client();
    const words = Array.from({ length: 20 }, (_, n) => `request-${n}`);
    for (const word of words) {
      socket.send(word);
      await nextTurn();
    }
    expect(await socket.waitForResponses(words.length)).toEqual(words);
  });

  test("close ends every connection", async () => {
    let received = false;
    await serve(async () => {
      received = true;
      return new Promise<Uint8Array | null>(() => {});
    });
    const socket = await client();
    socket.send("never answered");
    await eventually(() => received, "the request reaches its handler", { waitMs: 5000, pollMs: 1 });
    await listener!.close();
    listener = null;
    await socket.closed;
    expect(socket.responses).toEqual([]);
  });
});
