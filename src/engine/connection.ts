// One client connection: splits the byte stream into frames, answers them strictly in order,
// and bounds how much it takes in before the earlier answers are out.
//
// Requests run one after another, except that a handler may "release" the connection once its
// order-sensitive work is done (Produce, after issuing its appends), letting the next request
// start while it waits for the fsync. Responses are still written in request order.

import type { Socket } from "node:net";
import { FrameSplitter } from "../protocol/frames.ts";
import type { Logger, WarningLimiter } from "../logger.ts";
import { FatalRequestError, type RequestProblem } from "./dispatcher.ts";
import type { SaslSession } from "./sasl-session.ts";

export type FrameHandler = (
  frame: Uint8Array,
  session: { releaseConnection(): void; signal: AbortSignal; clientHost?: string; sasl?: SaslSession; certificatePrincipal?: string },
) => Promise<Uint8Array | null>;

export interface ConnectionOptions {
  requestBytesMax: number;
  requestsInFlightMax: number;
  logger: Logger;
  /** Shared by every connection, so that a client repeating a bad request on new connections is reported once a window. */
  warnings: WarningLimiter;
  /** The connection's SASL state, on a SASL listener. */
  sasl?: SaslSession;
  /** `User:<subject>` of the client's TLS certificate, on a listener that asks for one. */
  certificatePrincipal?: string;
}

export class Connection {
  readonly #socket: Socket;
  readonly #handleFrame: FrameHandler;
  readonly #options: ConnectionOptions;
  readonly #splitter: FrameSplitter;
  readonly #aborter = new AbortController();
  /** Settles when the latest request has released the connection or finished. */
  #processing: Promise<unknown> = Promise.resolve();
  /** Settles when the latest response has been written. */
  #writing: Promise<unknown> = Promise.resolve();
  #inFlight = 0;
  #closed = false;

  constructor(socket: Socket, handleFrame: FrameHandler, options: ConnectionOptions) {
    this.#socket = socket;
    this.#handleFrame = handleFrame;
    this.#options = options;
    this.#splitter = new FrameSplitter(options.requestBytesMax);
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    socket.on("error", (error) => this.#options.logger.debug("Connection error", { remote: this.remote, error }));
    socket.on("close", () => this.#onClose());
  }

  get remote(): string {
    return `${this.#socket.remoteAddress}:${this.#socket.remotePort}`;
  }

  /** Stops the connection: aborts long polls and closes the socket. */
  close(): void {
    this.#onClose();
    this.#socket.destroy();
  }

  /**
   * Warns why the connection closes. Identical warnings (same problem, client id, host, API and
   * version; the port and correlation id differ on every reconnect) are rate-limited.
   */
  #closeWithWarning(reason: string, request?: RequestProblem): void {
    const host = this.#socket.remoteAddress ?? "";
    const identity = request ? [request.problem, request.client, host, request.api, request.version] : [reason, host];
    const context = request
      ? { client: request.client, remote: this.remote, api: request.api, version: request.version, reason }
      : { remote: this.remote, reason };
    // One address cannot fill the log however it varies its requests: it has a share per window.
    this.#options.warnings.warn(identity.join("|"), `Closing connection: ${request?.problem ?? "bad request"}`, context, host);
    this.close();
  }

  #onClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#aborter.abort();
  }

  #onData(chunk: Buffer): void {
    if (this.#closed) return;
    let frames: Uint8Array[];
    try {
      frames = this.#splitter.push(chunk);
    } catch (error) {
      this.#closeWithWarning(`Malformed frame: ${(error as Error).message}`);
      return;
    }
    for (const frame of frames) this.#enqueue(frame);
  }

  #enqueue(frame: Uint8Array): void {
    this.#inFlight++;
    if (this.#inFlight >= this.#options.requestsInFlightMax) this.#socket.pause();

    let releaseConnection!: () => void;
    const released = new Promise<void>((resolve) => (releaseConnection = resolve));
    const signal = this.#aborter.signal;
    const response = this.#processing.then(() => (signal.aborted ? null : this.#handleFrame(frame, { releaseConnection, signal, clientHost: this.#socket.remoteAddress, sasl: this.#options.sasl, certificatePrincipal: this.#options.certificatePrincipal })));
    // A failed request ends the connection. Abort at once, before the close that waits for the
    // earlier responses, so that requests pipelined after it (a produce, say) never run.
    response.catch(() => this.#aborter.abort());
    this.#processing = Promise.race([released, response]).catch(() => {});

    this.#writing = this.#writing
      .then(() => response)
      .then((bytes) => {
        if (bytes && !this.#closed) this.#socket.write(bytes);
      })
      .catch((error) => this.#fail(error))
      .finally(() => {
        this.#inFlight--;
        if (this.#inFlight < this.#options.requestsInFlightMax && !this.#closed) this.#socket.resume();
      });
  }

  #fail(error: unknown): void {
    if (this.#closed) return;
    if (error instanceof FatalRequestError) {
      this.#closeWithWarning(error.message, error.request);
    } else {
      // A bug outside any handler (they are answered with UNKNOWN_SERVER_ERROR by the
      // dispatcher): log it with context and drop the connection rather than answer falsely.
      this.#options.logger.error("Request failed unexpectedly", { remote: this.remote, error: (error as Error)?.stack ?? String(error) });
      this.close();
    }
  }
}
