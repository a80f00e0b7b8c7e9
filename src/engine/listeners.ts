// Kafka's listener settings: `--listeners 'PLAINTEXT://127.0.0.1:9092,SSL://:9093'` says where
// the broker listens and with which security protocol; `--advertised-listeners` says what
// Metadata tells the clients of each listener to connect to. As in Kafka, a listener's name is
// its security protocol (no listener.security.protocol.map yet), an empty host means every
// interface, and an IPv6 host is written in brackets.

export const securityProtocols = ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] as const;
export type SecurityProtocol = (typeof securityProtocols)[number];


export interface ListenerAddress {
  /** The listener name, which is its security protocol. */
  name: SecurityProtocol;
  host: string;
  port: number;
}

export interface ListenerConfig extends ListenerAddress {
  /** What Metadata tells this listener's clients. */
  advertisedHost: string;
  /** Null: the bound port (known once listening; port 0 binds a free one). */
  advertisedPort: number | null;
}

/** A listener setting that cannot be used, named in one line. */
export class ListenerConfigError extends Error {
  override name = "ListenerConfigError";
}

const entryPattern = /^([A-Za-z_][A-Za-z0-9_]*):\/\/(\[[0-9A-Fa-f:.]+\]|[^:/[\]]*):(\d+)$/;

/** Parses `NAME://host:port,…`; `flag` names the setting in errors. */
export function parseListeners(text: string, flag: string): ListenerAddress[] {
  const entries = text.split(",").map((entry) => entry.trim()).filter((entry) => entry !== "");
  if (entries.length === 0) throw new ListenerConfigError(`${flag} is empty: give at least one listener, e.g. PLAINTEXT://127.0.0.1:9092`);
  const listeners: ListenerAddress[] = [];
  for (const entry of entries) {
    const match = entryPattern.exec(entry);
    if (match === null) throw new ListenerConfigError(`${flag}: "${entry}" is not NAME://host:port (e.g. SSL://0.0.0.0:9093, PLAINTEXT://[::1]:9092)`);
    const name = match[1].toUpperCase();
    if (!(securityProtocols as readonly string[]).includes(name)) {
      throw new ListenerConfigError(`${flag}: listener "${match[1]}" is not one of ${securityProtocols.join(", ")} (a listener is named by its security protocol)`);
    }
    const port = Number(match[3]);
    if (port > 65_535) throw new ListenerConfigError(`${flag}: port ${port} of "${entry}" is above 65535`);
    const host = match[2].replace(/^\[|\]$/g, "");
    if (listeners.some((other) => other.name === name)) throw new ListenerConfigError(`${flag}: listener ${name} is given twice`);
    if (port !== 0 && listeners.some((other) => other.port === port)) throw new ListenerConfigError(`${flag}: port ${port} is given to two listeners`);
    listeners.push({ name: name as SecurityProtocol, host, port });
  }
  return listeners;
}

function listensEverywhere(host: string): boolean {
  return host === "" || host === "0.0.0.0" || host === "::";
}

/**
 * Each listener with what it advertises: its entry in `advertised`, else its own host (or
 * `fallbackHost` when it listens on every interface) and its bound port.
 */
export function resolveListeners(listeners: ListenerAddress[], advertised: ListenerAddress[], fallbackHost: string): ListenerConfig[] {
  for (const entry of advertised) {
    if (!listeners.some((listener) => listener.name === entry.name)) throw new ListenerConfigError(`--advertised-listeners names ${entry.name}, which --listeners does not have`);
    if (listensEverywhere(entry.host) || entry.port === 0) throw new ListenerConfigError(`--advertised-listeners: ${entry.name} must name a host and a port clients can reach, not "${entry.host}:${entry.port}"`);
  }
  return listeners.map((listener) => {
    const own = advertised.find((entry) => entry.name === listener.name);
    return {
      ...listener,
      host: listener.host === "" ? "0.0.0.0" : listener.host,
      advertisedHost: own?.host ?? (listensEverywhere(listener.host) ? fallbackHost : listener.host),
      advertisedPort: own?.port ?? null,
    };
  });
}

/** Kafka's text of a listener list, for DescribeConfigs. */
export function formatListeners(listeners: ReadonlyArray<{ name: string; host: string; port: number }>): string {
  return listeners.map(({ name, host, port }) => `${name}://${host.includes(":") ? `[${host}]` : host}:${port}`).join(",");
}
