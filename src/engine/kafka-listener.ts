// The Kafka protocol listener: accepts TCP connections and hands each to a Connection.

import { createServer, type Server } from "node:net";
import type { Logger } from "../logger.ts";
import { Connection, type FrameHandler } from "./connection.ts";

export interface KafkaListenerOptions {
  host: string;
  port: number;
  requestBytesMax: number;
  requestsInFlightMax: number;
  logger: Logger;
}

export class KafkaListener {
  readonly #server: Server;
  readonly #connections = new Set<Connection>();

  private constructor(server: Server) {
    this.#server = server;
  }

  /** Starts listening; resolves once the port is bound. */
  static listen(handleFrame: FrameHandler, options: KafkaListenerOptions): Promise<KafkaListener> {
    const server = createServer({ noDelay: true });
    const listener = new KafkaListener(server);
    server.on("connection", (socket) => {
      const connection = new Connection(socket, handleFrame, {
        requestBytesMax: options.requestBytesMax,
        requestsInFlightMax: options.requestsInFlightMax,
        logger: options.logger,
      });
      listener.#connections.add(connection);
      socket.on("close", () => listener.#connections.delete(connection));
    });
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port, options.host, () => {
        server.off("error", reject);
        resolve(listener);
      });
    });
  }

  /** The bound port (useful when listening on port 0). */
  get port(): number {
    const address = this.#server.address();
    return typeof address === "object" && address ? address.port : 0;
  }

  /** Stops accepting, closes every connection, and resolves when the server is closed. */
  close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const connection of this.#connections) connection.close();
    return closed;
  }
}
