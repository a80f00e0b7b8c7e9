// One TCP connection to one broker. Opening it runs the ApiVersions handshake and picks, per
// API, the highest version both sides speak. Requests are pipelined: up to
// `requestsInFlightMax` are on the wire at once (more wait their turn, in order), and each
// response is matched to its request by correlation id. A request that is not answered within
// its timeout closes the connection, as the Java client does: later answers on a stream whose
// order is in doubt are not worth trusting.
//
// ApiVersions Request (Version: 3) => client_software_name client_software_version _tagged_fields
// ApiVersions Response (Version: 0) => error_code [api_keys]
//   api_keys => api_key min_version max_version

import { connect, isIP, type Socket } from "node:net";
import { connect as connectTls } from "node:tls";
import { SaslAuthenticate } from "../protocol/messages/sasl-authenticate.ts";
import { SaslHandshake } from "../protocol/messages/sasl-handshake.ts";
import { ScramClientExchange, ScramError, type ScramMechanism } from "../security/scram.ts";
import type { Logger } from "../logger.ts";
import { ErrorCode, errorName, KafkaProtocolError } from "../protocol/errors.ts";
import { encodeRequestFrame, FrameSplitter } from "../protocol/frames.ts";
import { decodeResponseHeader } from "../protocol/headers.ts";
import { ApiVersions, type ApiVersionsResponse } from "../protocol/messages/api-versions.ts";
import { Reader } from "../protocol/reader.ts";
import packageJson from "../../package.json" with { type: "json" };
import { type ApiCodec, clientApiVersions, negotiateVersions } from "./api-versions.ts";
import { ConnectionError, UnsupportedApiError } from "./errors.ts";

export interface BrokerAddress {
  host: string;
  port: number;
}

export interface ConnectionOptions {
  clientId: string;
  connectTimeoutMs: number;
  /** How long a response may take; long polls add their own wait on top. */
  requestTimeoutMs: number;
  requestsInFlightMax: number;
  /** Largest response frame accepted. */
  responseBytesMax: number;
  logger: Logger;
  /** Speak TLS (security.protocol=ssl or sasl_ssl); plain TCP when absent. */
  tls?: ClientTls;
  /** Authenticate with SASL after ApiVersions (security.protocol=sasl_plaintext or sasl_ssl). */
  sasl?: ClientSasl;
}

/** SASL credentials of a client, as librdkafka's sasl.* settings give them. */
export interface ClientSasl {
  mechanism: "PLAIN" | ScramMechanism;
  username: string;
  password: string;
}

/** TLS settings of a client, as librdkafka's ssl.* settings give them. */
export interface ClientTls {
  /** PEM CAs to trust instead of the system's (ssl.ca.location). */
  ca?: Buffer;
  /** PEM client certificate and key, for brokers that ask for one (ssl.certificate.location, ssl.key.location). */
  cert?: Buffer;
  key?: Buffer;
  /** Check the broker's certificate chain (enable.ssl.certificate.verification). */
  verifyCertificate: boolean;
  /** Check that the certificate names the host connected to (ssl.endpoint.identification.algorithm=https). */
  verifyHostname: boolean;
}

export const defaultConnectionOptions: Omit<ConnectionOptions, "logger"> = {
  clientId: "chronik",
  connectTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  requestsInFlightMax: 5,
  responseBytesMax: 256 * 1024 * 1024,
};

interface PendingRequest {
  apiKey: number;
  apiVersion: number;
  label: string;
  decode(reader: Reader): unknown;
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

const httpAnswerStart = Buffer.from("HTTP/");

export function formatAddress(address: BrokerAddress): string {
  return address.host.includes(":") ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

export class Connection {
  readonly address: BrokerAddress;
  readonly #socket: Socket;
  readonly #options: ConnectionOptions;
  readonly #splitter: FrameSplitter;
  readonly #pending = new Map<number, PendingRequest>();
  /** Requests waiting for an in-flight slot, first come first served. */
  readonly #waiting: Array<() => void> = [];
  #versions = new Map<number, number>();
  #nextCorrelationId = 1;
  #failure: ConnectionError | null = null;
  /** Whether any bytes came back yet: the first ones tell a Kafka broker from an HTTP server. */
  #answered = false;

  private constructor(address: BrokerAddress, socket: Socket, options: ConnectionOptions) {
    this.address = address;
    this.#socket = socket;
    this.#options = options;
    this.#splitter = new FrameSplitter(options.responseBytesMax);
    socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    socket.on("error", (error) => this.#fail(new ConnectionError(`Connection to broker "${this.label}" failed: ${error.message}`)));
    socket.on("close", () => this.#fail(new ConnectionError(`Connection to broker "${this.label}" was closed`)));
  }

  /** Connects and negotiates API versions; rejects with ConnectionError when the broker is unreachable. */
  static async open(address: BrokerAddress, options: ConnectionOptions): Promise<Connection> {
    const socket = await connectSocket(address, options.connectTimeoutMs, options.tls);
    const connection = new Connection(address, socket, options);
    try {
      await connection.#handshake();
    } catch (error) {
      connection.close();
      throw error;
    }
    return connection;
  }

  get label(): string {
    return formatAddress(this.address);
  }

  get closed(): boolean {
    return this.#failure !== null;
  }

  /** True when the broker and the client share a version of this API. */
  supports(api: ApiCodec<never, unknown>): boolean {
    return this.#versions.has(api.apiKey);
  }

  /** The version used for this API on this connection. */
  version(api: ApiCodec<never, unknown>): number {
    const version = this.#versions.get(api.apiKey);
    if (version === undefined) {
      throw new UnsupportedApiError(`Broker "${this.label}" and this client share no version of the ${api.name} API`);
    }
    return version;
  }

  /** Sends a request and resolves with its decoded response. `extraWaitMs` extends the timeout for long polls. */
  request<Request, Response>(api: ApiCodec<Request, Response>, body: Request, options: { extraWaitMs?: number } = {}): Promise<Response> {
    const version = this.version(api);
    const timeoutMs = this.#options.requestTimeoutMs + (options.extraWaitMs ?? 0);
    return this.#request(api, version, body, timeoutMs, (reader) => api.decodeResponse(reader, version));
  }

  /** Sends a request the broker does not answer (Produce with acks 0); resolves once written to the socket. */
  async send<Request>(api: ApiCodec<Request, unknown>, body: Request): Promise<void> {
    const version = this.version(api);
    const frame = this.#frame(api, version, body).frame;
    await new Promise<void>((resolve, reject) => {
      this.#throwIfFailed();
      this.#socket.write(frame, (error) => (error ? reject(this.#failure ?? new ConnectionError(error.message)) : resolve()));
    });
  }

  /** Closes the socket; requests still waiting fail with ConnectionError. */
  close(): void {
    this.#fail(new ConnectionError(`Connection to broker "${this.label}" was closed`));
  }

  async #handshake(): Promise<void> {
    const apiVersions = clientApiVersions.get(ApiVersions.apiKey) ?? { min: 0, max: 0 };
    let response = await this.#requestApiVersions(apiVersions.max);
    if (response.errorCode === ErrorCode.UNSUPPORTED_VERSION) {
      // The broker answered in version 0 and listed what it speaks: retry with its highest version.
      const brokerRange = response.apiKeys.find((api) => api.apiKey === ApiVersions.apiKey);
      const retryVersion = Math.min(apiVersions.max, brokerRange?.maxVersion ?? 0);
      response = await this.#requestApiVersions(retryVersion);
    }
    if (response.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(response.errorCode, `ApiVersions from broker "${this.label}"`);
    this.#versions = negotiateVersions(response.apiKeys);
    if (this.#options.sasl !== undefined) await this.#authenticate(this.#options.sasl);
    this.#options.logger.debug("Connected", { broker: this.label, versions: Object.fromEntries(this.#versions) });
  }

  /** SaslHandshake, then SaslAuthenticate once (PLAIN) or twice (SCRAM); a refusal is a ConnectionError. */
  async #authenticate(sasl: ClientSasl): Promise<void> {
    const fail = (reason: string): never => {
      throw new ConnectionError(`SASL authentication with broker "${this.label}" failed: ${reason}`);
    };
    if (!this.supports(SaslHandshake) || !this.supports(SaslAuthenticate)) fail("the broker does not offer SaslHandshake v1 and SaslAuthenticate (is this a SASL listener?)");
    const handshake = await this.request(SaslHandshake, { mechanism: sasl.mechanism });
    if (handshake.errorCode !== ErrorCode.NONE) fail(`the broker offers ${handshake.mechanisms.join(", ") || "no mechanism"}, not ${sasl.mechanism} (${errorName(handshake.errorCode)})`);
    const encoder = new TextEncoder();
    const step = async (text: string): Promise<string> => {
      const answer = await this.request(SaslAuthenticate, { authBytes: encoder.encode(text) });
      if (answer.errorCode !== ErrorCode.NONE) fail(answer.errorMessage ?? errorName(answer.errorCode));
      return new TextDecoder().decode(answer.authBytes);
    };
    if (sasl.mechanism === "PLAIN") {
      await step(`\u0000${sasl.username}\u0000${sasl.password}`);
      return;
    }
    const exchange = new ScramClientExchange(sasl.mechanism, sasl.username, sasl.password);
    try {
      exchange.verify(await step(exchange.final(await step(exchange.first()))));
    } catch (error) {
      if (error instanceof ScramError) fail(error.message);
      throw error;
    }
  }

  #requestApiVersions(version: number): Promise<ApiVersionsResponse> {
    const body = { clientSoftwareName: "chronik", clientSoftwareVersion: packageJson.version };
    return this.#request(ApiVersions, version, body, this.#options.requestTimeoutMs, (reader) => {
      // A broker that does not speak `version` answers in version 0; its error code comes first in every version.
      const errorCode = reader.view.getInt16(reader.offset);
      return ApiVersions.decodeResponse(reader, errorCode === ErrorCode.UNSUPPORTED_VERSION ? 0 : version);
    });
  }

  async #request<Request, Response>(
    api: ApiCodec<Request, unknown>,
    version: number,
    body: Request,
    timeoutMs: number,
    decode: (reader: Reader) => Response,
  ): Promise<Response> {
    await this.#acquireSlot();
    const { frame, correlationId } = this.#frame(api, version, body);
    const label = `${api.name} v${version} (correlation id ${correlationId})`;
    return new Promise<Response>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#fail(new ConnectionError(`Request ${label} to broker "${this.label}" timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(correlationId, { apiKey: api.apiKey, apiVersion: version, label, decode, resolve: resolve as (value: unknown) => void, reject, timer });
      this.#socket.write(frame);
    });
  }

  #frame<Request>(api: ApiCodec<Request, unknown>, version: number, body: Request): { frame: Uint8Array; correlationId: number } {
    this.#throwIfFailed();
    const correlationId = this.#nextCorrelationId;
    this.#nextCorrelationId = (correlationId + 1) & 0x7fffffff;
    const header = { apiKey: api.apiKey, apiVersion: version, correlationId, clientId: this.#options.clientId };
    return { frame: encodeRequestFrame(header, (writer) => api.encodeRequest(writer, version, body)), correlationId };
  }

  async #acquireSlot(): Promise<void> {
    this.#throwIfFailed();
    if (this.#pending.size + this.#waiting.length < this.#options.requestsInFlightMax) return;
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#throwIfFailed();
  }

  #throwIfFailed(): void {
    if (this.#failure !== null) throw this.#failure;
  }

  #onData(chunk: Buffer): void {
    if (!this.#answered) {
      this.#answered = true;
      // An HTTP server answers a Kafka request with "HTTP/1.1 400 …", whose first four bytes would
      // read as a frame of 1,213,486,160 bytes: name the likely mistake instead.
      if (chunk.subarray(0, httpAnswerStart.length).equals(httpAnswerStart)) {
        this.#fail(new ConnectionError(`"${this.label}" answered in HTTP: this is chronik's HTTP port (or another web server), not a Kafka port: use the broker's --port (9092 by default)`));
        return;
      }
    }
    let frames: Uint8Array[];
    try {
      frames = this.#splitter.push(chunk);
    } catch (error) {
      this.#fail(new ConnectionError(`Broker "${this.label}" sent a malformed frame: ${(error as Error).message}`));
      return;
    }
    for (const frame of frames) this.#onFrame(frame);
  }

  #onFrame(frame: Uint8Array): void {
    const reader = new Reader(frame);
    const correlationId = frame.length >= 4 ? reader.view.getInt32(0) : -1;
    const pending = this.#pending.get(correlationId);
    if (pending === undefined) {
      this.#fail(new ConnectionError(`Broker "${this.label}" answered unknown correlation id ${correlationId}`));
      return;
    }
    this.#pending.delete(correlationId);
    clearTimeout(pending.timer);
    this.#waiting.shift()?.();
    try {
      decodeResponseHeader(reader, pending.apiKey, pending.apiVersion);
      pending.resolve(pending.decode(reader));
    } catch (error) {
      pending.reject(new ConnectionError(`Cannot decode ${pending.label} response from broker "${this.label}": ${(error as Error).message}`));
    }
  }

  #fail(error: ConnectionError): void {
    if (this.#failure !== null) return;
    this.#failure = error;
    this.#socket.destroy();
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.#pending.clear();
    for (const wake of this.#waiting.splice(0)) wake();
  }
}

function connectSocket(address: BrokerAddress, timeoutMs: number, tls: ClientTls | undefined): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = tls === undefined ? connect({ host: address.host, port: address.port }) : connectTls(tlsConnectOptions(address, tls));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new ConnectionError(`Cannot connect to broker "${formatAddress(address)}": no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once(tls === undefined ? "connect" : "secureConnect", () => {
      clearTimeout(timer);
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const reason = tls === undefined ? (error.code ?? error.message) : `TLS: ${error.code === "ECONNRESET" || error.code === "ECONNREFUSED" ? error.code : error.message}`;
      reject(new ConnectionError(`Cannot connect to broker "${formatAddress(address)}": ${reason}`));
    });
  });
}

function tlsConnectOptions(address: BrokerAddress, tls: ClientTls) {
  return {
    host: address.host,
    port: address.port,
    // SNI takes host names only, not addresses.
    ...(isIP(address.host) === 0 ? { servername: address.host } : {}),
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls.cert === undefined ? {} : { cert: tls.cert }),
    ...(tls.key === undefined ? {} : { key: tls.key }),
    rejectUnauthorized: tls.verifyCertificate,
    ...(tls.verifyHostname ? {} : { checkServerIdentity: () => undefined }),
  };
}
