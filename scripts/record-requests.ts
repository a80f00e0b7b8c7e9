// A recording TCP proxy for the Kafka protocol: it forwards every byte between clients and one
// broker unchanged, and writes request frames with their matching response frames to files, so
// codec tests can decode and re-encode what real clients send (tests/protocol/captured/).
//
//   bun scripts/record-requests.ts --listen 19092 --broker 127.0.0.1:9092 --out DIR --prefix kcat
//
// Nothing is rewritten. Metadata and FindCoordinator responses name the broker's own address, so
// run the broker with `--advertised-host 127.0.0.1 --advertised-port <listen port>` to keep
// clients on the proxy. Responses come back in request order on a connection, which is how a
// response is matched to its request (checked by correlation id; requests that get no response,
// produce with acks=0, are passed over). SASL tokens sent bare after a SaslHandshake (without
// SaslAuthenticate, as kafka-python does) are not Kafka frames and are forwarded but not recorded.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect, createServer, type Server, type Socket } from "node:net";
import { parseArgs } from "node:util";
import { FrameSizeError, FrameSplitter } from "../src/protocol/frames.ts";
import { ApiKey, apiByKey } from "../src/protocol/messages/index.ts";

/** Frames above this size are forwarded but not recorded. */
const recordedFrameBytesMax = 256 * 1024;
/** Frames above this size stop the recording of their connection (they are still forwarded). */
const parsedFrameBytesMax = 128 * 1024 * 1024;
/** Produce requests differ by compression codec and fetch responses by what they carry: keep more. */
const perVersionMaxByApi: Record<string, number> = { Produce: 8, Fetch: 4 };
/** Requests awaiting a response on one connection before the oldest are forgotten. */
const pendingRequestsMax = 1024;

export type RecorderOptions = {
  listenPort: number;
  brokerHost: string;
  brokerPort: number;
  outDir: string;
  prefix: string;
  /** Distinct exchanges kept per API and version (default 3). */
  perVersionMax?: number;
  /** Files written at most, requests and responses together (default 600). */
  filesMax?: number;
};

/** One recorded exchange, as listed in `<prefix>-index.json`. */
export type CapturedExchange = {
  api: string;
  apiKey: number;
  version: number;
  correlationId: number;
  clientId: string | null;
  request: string;
  response: string;
  requestBytes: number;
  responseBytes: number;
};

type Pending = { kind: "kafka"; apiKey: number; version: number; correlationId: number; clientId: string | null; frame: Uint8Array } | { kind: "bare" };

/** The header fields every request version shares: key, version, correlation id, client id. */
function peekRequestHeader(frame: Uint8Array): { apiKey: number; version: number; correlationId: number; clientId: string | null } | null {
  if (frame.length < 10) return null;
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const apiKey = view.getInt16(0);
  const version = view.getInt16(2);
  const correlationId = view.getInt32(4);
  const clientIdLength = view.getInt16(8);
  if (clientIdLength > frame.length - 10) return null;
  const clientId = clientIdLength < 0 ? null : new TextDecoder().decode(frame.subarray(10, 10 + clientIdLength));
  return { apiKey, version, correlationId, clientId };
}

function withSizePrefix(frame: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(frame.length + 4);
  new DataView(bytes.buffer).setInt32(0, frame.length);
  bytes.set(frame, 4);
  return bytes;
}

/** The exchange without its correlation ids, to tell repeated exchanges from distinct ones. */
function exchangeKey(request: Uint8Array, response: Uint8Array): string {
  return Buffer.concat([request.subarray(0, 4), request.subarray(8), response.subarray(4)]).toString("base64");
}

/** Keeps the first few distinct exchanges per API version and writes them with their index. */
export class CaptureStore {
  readonly exchanges: CapturedExchange[] = [];
  readonly #options: Required<RecorderOptions>;
  readonly #seen = new Map<string, Set<string>>();
  #filesWritten = 0;

  constructor(options: Required<RecorderOptions>) {
    this.#options = options;
    mkdirSync(options.outDir, { recursive: true });
  }

  add(request: Extract<Pending, { kind: "kafka" }>, response: Uint8Array): void {
    const { outDir, prefix, perVersionMax, filesMax } = this.#options;
    if (request.frame.length > recordedFrameBytesMax || response.length > recordedFrameBytesMax) return;
    if (this.#filesWritten + 2 > filesMax) return;
    const api = apiByKey.get(request.apiKey)?.name ?? `ApiKey${request.apiKey}`;
    const versionKey = `${api}-v${request.version}`;
    const seen = this.#seen.get(versionKey) ?? new Set<string>();
    this.#seen.set(versionKey, seen);
    const key = exchangeKey(request.frame, response);
    if (seen.has(key) || seen.size >= Math.max(perVersionMax, perVersionMaxByApi[api] ?? 0)) return;
    seen.add(key);
    const stem = seen.size === 1 ? `${prefix}-${versionKey}` : `${prefix}-${versionKey}-${seen.size}`;
    const requestFile = `${stem}-request.bin`;
    const responseFile = `${stem}-response.bin`;
    writeFileSync(join(outDir, requestFile), withSizePrefix(request.frame));
    writeFileSync(join(outDir, responseFile), withSizePrefix(response));
    this.#filesWritten += 2;
    this.exchanges.push({
      api,
      apiKey: request.apiKey,
      version: request.version,
      correlationId: request.correlationId,
      clientId: request.clientId,
      request: requestFile,
      response: responseFile,
      requestBytes: request.frame.length + 4,
      responseBytes: response.length + 4,
    });
    const index = [...this.exchanges].sort((a, b) => a.request.localeCompare(b.request));
    writeFileSync(join(outDir, `${prefix}-index.json`), `${JSON.stringify(index, null, 2)}\n`);
  }
}

/** Follows one client connection's frames in both directions and hands exchanges to the store. */
class ConnectionRecorder {
  readonly #store: CaptureStore;
  readonly #requests = new FrameSplitter(parsedFrameBytesMax);
  readonly #responses = new FrameSplitter(parsedFrameBytesMax);
  readonly #pending: Pending[] = [];
  /** After a SaslHandshake and before any SaslAuthenticate, frames that are not Kafka requests are bare tokens. */
  #saslHandshakeSeen = false;
  #saslAuthenticateSeen = false;
  #stopped = false;

  constructor(store: CaptureStore) {
    this.#store = store;
  }

  fromClient(chunk: Uint8Array): void {
    for (const frame of this.#split(this.#requests, chunk)) this.#onRequest(frame);
  }

  fromBroker(chunk: Uint8Array): void {
    for (const frame of this.#split(this.#responses, chunk)) this.#onResponse(frame);
  }

  #split(splitter: FrameSplitter, chunk: Uint8Array): Uint8Array[] {
    if (this.#stopped) return [];
    try {
      return splitter.push(chunk);
    } catch (error) {
      if (!(error instanceof FrameSizeError)) throw error;
      console.error(`Stopped recording a connection: ${error.message}`);
      this.#stopped = true;
      return [];
    }
  }

  #onRequest(frame: Uint8Array): void {
    const header = peekRequestHeader(frame);
    const isKafka = header !== null && apiByKey.has(header.apiKey) && header.version >= 0 && header.version < 64;
    if (this.#saslHandshakeSeen && !this.#saslAuthenticateSeen && !isKafka) {
      this.#pending.push({ kind: "bare" });
      return;
    }
    if (header === null) return;
    if (header.apiKey === ApiKey.SaslHandshake) this.#saslHandshakeSeen = true;
    if (header.apiKey === ApiKey.SaslAuthenticate) this.#saslAuthenticateSeen = true;
    this.#pending.push({ kind: "kafka", ...header, frame: new Uint8Array(frame) });
    if (this.#pending.length > pendingRequestsMax) this.#pending.shift();
  }

  #onResponse(frame: Uint8Array): void {
    if (this.#pending[0]?.kind === "bare") {
      this.#pending.shift();
      return;
    }
    if (frame.length < 4) return;
    const correlationId = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getInt32(0);
    while (this.#pending.length > 0) {
      const request = this.#pending.shift()!;
      if (request.kind === "kafka" && request.correlationId === correlationId) {
        this.#store.add(request, new Uint8Array(frame));
        return;
      }
    }
  }
}

/** Starts the proxy; resolves once it listens. Every connection gets its own broker connection. */
export async function startRecorder(options: RecorderOptions): Promise<{ server: Server; store: CaptureStore; close(): Promise<void> }> {
  const store = new CaptureStore({ perVersionMax: 3, filesMax: 600, ...options });
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const broker = connect(options.brokerPort, options.brokerHost);
    const recorder = new ConnectionRecorder(store);
    sockets.add(client).add(broker);
    client.on("data", (chunk: Buffer) => {
      broker.write(chunk);
      recorder.fromClient(chunk);
    });
    broker.on("data", (chunk: Buffer) => {
      client.write(chunk);
      recorder.fromBroker(chunk);
    });
    for (const [socket, other] of [[client, broker], [broker, client]] as const) {
      socket.on("error", () => other.destroy());
      socket.on("close", () => {
        sockets.delete(socket);
        other.end();
      });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.listenPort, "127.0.0.1", () => resolve());
  });
  return {
    server,
    store,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function parseBroker(text: string): { host: string; port: number } {
  const at = text.lastIndexOf(":");
  const port = Number(text.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`Invalid --broker "${text}": expected host:port`);
  return { host: text.slice(0, at), port };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      listen: { type: "string" },
      broker: { type: "string" },
      out: { type: "string" },
      prefix: { type: "string" },
      "per-version": { type: "string", default: "3" },
      "files-max": { type: "string", default: "600" },
    },
  });
  if (!values.listen || !values.broker || !values.out || !values.prefix) {
    console.error("Usage: bun scripts/record-requests.ts --listen PORT --broker HOST:PORT --out DIR --prefix CLIENT [--per-version 3] [--files-max 600]");
    process.exit(2);
  }
  const broker = parseBroker(values.broker);
  await startRecorder({
    listenPort: Number(values.listen),
    brokerHost: broker.host,
    brokerPort: broker.port,
    outDir: values.out,
    prefix: values.prefix,
    perVersionMax: Number(values["per-version"]),
    filesMax: Number(values["files-max"]),
  });
  console.error(`Recording 127.0.0.1:${values.listen} -> ${values.broker} into "${values.out}" as "${values.prefix}-…"`);
}

if (import.meta.main) await main();
