// A Kafka protocol listener: accepts TCP connections, or TLS ones for an SSL listener, and hands
// each to a Connection. A TLS listener's certificate can be replaced while it runs.

import { createServer, type Server, type Socket } from "node:net";
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from "node:tls";
import { type Logger, WarningLimiter } from "../logger.ts";
import { Connection, type FrameHandler } from "./connection.ts";
import { SaslSession } from "./sasl-session.ts";
import { certificatePrincipal } from "../security/tls-principal.ts";

/** PEM contents of a TLS listener's certificate chain and key, and the CAs its clients' certificates must chain to. */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  /** When set, clients must present a certificate signed by one of these (mutual TLS). */
  ca?: Buffer;
}

export interface KafkaListenerOptions {
  host: string;
  port: number;
  /** Serve TLS with this material (an SSL or SASL_SSL listener); plain TCP when absent. */
  tls?: TlsMaterial;
  /** Clients must authenticate with SASL first (a SASL_PLAINTEXT or SASL_SSL listener). */
  sasl?: boolean;
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
/** How many connection warnings one client address may cause per window, however different. */
export const connectionWarningsPerAddressMax = 20;

export class KafkaListener {
  readonly #server: Server | TlsServer;
  readonly #connections = new Set<Connection>();
  #accepted = 0;
  readonly #warnings: WarningLimiter;
  /** Reports the count of suppressed warnings when their window ends, even if none follow. */
  readonly #warningFlusher: ReturnType<typeof setInterval>;

  private constructor(server: Server | TlsServer, warnings: WarningLimiter) {
    this.#server = server;
    this.#warnings = warnings;
    this.#warningFlusher = setInterval(() => warnings.flush(), connectionWarningWindowMs);
    this.#warningFlusher.unref();
  }

  /** Starts listening; resolves once the port is bound. */
  static listen(handleFrame: FrameHandler, options: KafkaListenerOptions): Promise<KafkaListener> {
    const server = options.tls === undefined ? createServer({ noDelay: true }) : createTlsServer({ ...tlsOptions(options.tls), noDelay: true });
    const warnings = new WarningLimiter(options.logger, {
      clock: options.clock ?? Date.now,
      windowMs: connectionWarningWindowMs,
      keysMax: connectionWarningKeysMax,
      perSourceMax: connectionWarningsPerAddressMax,
    });
    const listener = new KafkaListener(server, warnings);
    const accept = (socket: Socket | TLSSocket) => {
      const connection = new Connection(socket, handleFrame, {
        requestBytesMax: options.requestBytesMax,
        requestsInFlightMax: options.requestsInFlightMax,
        logger: options.logger,
        warnings,
        ...(options.sasl === true ? { sasl: new SaslSession() } : {}),
        ...peerPrincipal(socket),
      });
      listener.#connections.add(connection);
      listener.#accepted++;
      socket.on("close", () => listener.#connections.delete(connection));
    };
    if (options.tls === undefined) {
      server.on("connection", accept);
    } else {
      server.on("secureConnection", accept);
      // A failed handshake (plaintext on a TLS port, an untrusted client certificate) closes that socket only.
      server.on("tlsClientError", (error: Error, socket: TLSSocket) => {
        warnings.warn(`tls-handshake ${socket.remoteAddress}`, "TLS handshake failed", { remote: `${socket.remoteAddress}:${socket.remotePort}`, error: error.message }, socket.remoteAddress ?? "");
        socket.destroy();
      });
    }
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

  /** Replaces a TLS listener's certificate, key and CA for new connections (SIGHUP); open ones keep theirs. */
  reloadTls(material: TlsMaterial): void {
    if (!("setSecureContext" in this.#server)) throw new Error("This listener does not serve TLS");
    this.#server.setSecureContext(tlsOptions(material));
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

/** The principal of a verified client certificate (mutual TLS), named from its subject. */
function peerPrincipal(socket: Socket | TLSSocket): { certificatePrincipal?: string } {
  if (!("getPeerX509Certificate" in socket)) return {};
  const subject = socket.getPeerX509Certificate()?.subject;
  return subject === undefined || subject === "" ? {} : { certificatePrincipal: certificatePrincipal(subject) };
}

function tlsOptions(material: TlsMaterial) {
  return material.ca === undefined ? { cert: material.cert, key: material.key } : { cert: material.cert, key: material.key, ca: material.ca, requestCert: true, rejectUnauthorized: true };
}
