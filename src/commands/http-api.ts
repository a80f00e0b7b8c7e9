// Requests from the CLI to a broker's HTTP API (chronik search, chronik top): one-line errors
// that say what went wrong, including the common slip of giving the Kafka port instead.

import { Connection, defaultConnectionOptions } from "../client/index.ts";
import { silentLogger } from "../logger.ts";
import { CommandError } from "./client-command.ts";

/** Longest wait for the server's answer. */
const requestTimeoutMs = 30_000;
/** Longest wait for the Kafka handshake that tells whether a URL points at a Kafka port. */
const kafkaProbeTimeoutMs = 2_000;

/** `$CHRONIK_URL`, else the HTTP API on this machine. */
export function defaultHttpUrl(): string {
  return process.env.CHRONIK_URL ?? "http://localhost:6092";
}

/** The JSON answer of `url`; a CommandError naming the problem otherwise (`what` says which request failed). */
export async function requestJson<T>(url: string, what: string, init: RequestInit = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(requestTimeoutMs) });
  } catch (error) {
    if (await isKafkaPort(new URL(url))) {
      throw new CommandError(`"${new URL(url).origin}" is chronik's Kafka port, not its HTTP API: use the HTTP port (--http-port of serve, 6092 by default)`);
    }
    // Bun's messages run on with advice about fetch options; the code says what happened.
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message.split(". ")[0];
    throw new CommandError(`Cannot reach "${url}": ${reason}`);
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CommandError(`Unexpected answer from "${url}" (HTTP ${response.status}): ${text.slice(0, 200)}`);
  }
  if (!response.ok) {
    const reason = (json as { error?: { reason?: string } }).error?.reason ?? text.slice(0, 200);
    throw new CommandError(`${what} failed (HTTP ${response.status}): ${reason}`);
  }
  return json as T;
}

/** True when `url`'s host and port answer the Kafka handshake (ApiVersions): a Kafka listener given where HTTP was meant. */
async function isKafkaPort(url: URL): Promise<boolean> {
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  const options = { ...defaultConnectionOptions, clientId: "chronik-cli", connectTimeoutMs: kafkaProbeTimeoutMs, requestTimeoutMs: kafkaProbeTimeoutMs, logger: silentLogger };
  try {
    const connection = await Connection.open({ host: url.hostname.replace(/^\[|\]$/g, ""), port }, options);
    connection.close();
    return true;
  } catch {
    return false;
  }
}
