// The Kafka protocol listener: accepts TCP connections and hands each to a Connection.

import { createServer, type Server } from "node:net";
import { type Logger, WarningLimiter } from "../logger.ts";
import { Connection, type FrameHandler } from "./connection.ts";

export interface KafkaListenerOptions {
  host: string;
  port: number;
  requestBytesMax: number;
  requestsInFlightMax: number;
  logger: Logger;
  /** Milliseconds since the epoch, for rate-limiting warnings (default: Date.now). */
  clock?: () => number;
}

/** Identical connection warnings are logged once per this window, then summarized. */
export const connectionWarningWindowMs = 60_000;
/** How many distinct connection warnings are remembered at once. */
export const connectionWarningKeysMax = 1_000;

export class KafkaListener {
  readonly #server: Server;
  readonly #connections = new Set<Connection>();
  #accepted = 0;
  readonly #warnings: WarningLimiter;
  /** Reports the count of suppressed warnings when their window ends, even if none follow. */
  readonly #warningFlusher: ReturnType<typeof setInterval>;

  private constructor(server: Server, warnings: WarningLimiter) {
    this.#server = server;
    this.#warnings = warnings;
    this.#warningFlusher = setInterval(() => warnings.flush(), connectionWarningWindowMs);
    this.#warningFlusher.unref();
  }

  /** Starts listening; resolves once the port is bound. */
  static listen(handleFrame: FrameHandler, options: KafkaListenerOptions): Promise<KafkaListener> {
    const server = createServer({ noDelay: true });
    const warnings = new WarningLimiter(options.logger, {
      clock: options.clock ?? Date.now,
      windowMs: connectionWarningWindowMs,
      keysMax: connectionWarningKeysMax,
    });
    const listener = new KafkaListener(server, warnings);
    server.on("connection", (socket) => {
      const connection = new Connection(socket, handleFrame, {
        requestBytesMax: options.requestBytesMax,
        requestsInFlightMax: options.requestsInFlightMax,
        logger: options.logger,
        warnings,
      });
      listener.#connections.add(connection);
      listener.#accepted++;
      socket.on("close", () => listener.#connections.delete(connection));
    });
    return new Promise((resolve, reject) => {
      server.once("error", (error) => {
        clearInterval(listener.#warningFlusher);
        reject(error);
      });
      server.listen(options.port, options.host, () => {
        server.removeAllListeners("error");
        resolve(listener);
      });
    });
  }

  /** The bound port (useful when listening on port 0). */
  get port(): number {
    const address = this.#server.address();
    return typeof address === "object" && address ? address.port : 0;
  }

  /** Connections open now, and accepted since start. */
  connectionCounts(): { open: number; accepted: number } {
    return { open: this.#connections.size, accepted: this.#accepted };
  }

  /** Stops accepting, closes every connection, and resolves when the server is closed. */
  close(): Promise<void> {
    clearInterval(this.#warningFlusher);
    this.#warnings.flush();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const connection of this.#connections) connection.close();
    return closed;
  }
}
