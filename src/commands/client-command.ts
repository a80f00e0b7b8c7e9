// What the client commands (produce, consume, topic, bench) share: where the brokers and client
// settings come from, the cluster they talk through, and how a failure reaches the user: one
// line on stderr and a non-zero exit, with a stack trace only for errors that are bugs.
//
// Settings, strongest first: command flags, `-X key=value`, $CHRONIK_BROKERS (brokers only), the
// config file (--config, else ~/.config/chronik/config.toml when it exists), built-in defaults.
// The config file holds `brokers = "host:port"` and a `[client]` table of the same keys as -X.

import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { InvalidArgumentError } from "@commander-js/extra-typings";
import { KafkaProtocolError } from "../protocol/errors.ts";
import { ProtocolDecodeError } from "../protocol/reader.ts";
import { ClientError, Cluster, ConnectionError, DeliveryError, UnsupportedApiError } from "../client/index.ts";
import type { ClientSasl, ClientTls } from "../client/connection.ts";
import { createLogger, type LogLevel } from "../logger.ts";
import { CompressionError, CorruptRecordError, UnsupportedMagicError } from "../records/errors.ts";
import { readConfigToml } from "./config-file.ts";
import { isTomlTable, tomlSetting, tomlSettingsByPath } from "./toml.ts";

export const logLevels = ["debug", "info", "warn", "error"] as const satisfies readonly LogLevel[];

export const defaultBrokerList = "localhost:9092";

export const brokersHelp = "bootstrap brokers, host:port[,host:port...] (default: $CHRONIK_BROKERS, the config file, or localhost:9092)";
export const setHelp =
  "client setting key=value, repeatable, e.g. -X linger.ms=20. Keys: bootstrap.servers, client.id, request.timeout.ms, " +
  "socket.connection.setup.timeout.ms, acks, linger.ms, batch.size, compression.type, partitioner, buffer.memory, " +
  "fetch.max.wait.ms, fetch.min.bytes, fetch.max.bytes, max.partition.fetch.bytes, isolation.level, security.protocol, " +
  "ssl.ca.location, ssl.certificate.location, ssl.key.location, ssl.endpoint.identification.algorithm, " +
  "enable.ssl.certificate.verification, sasl.mechanism, sasl.username, sasl.password (and librdkafka aliases)";
export const configHelp = "config file (default: ~/.config/chronik/config.toml when it exists)";

/** The -X keys chronik understands, with what each does. */
export const clientSettingKeys: Record<string, string> = {
  "bootstrap.servers": "brokers, like -b (alias: metadata.broker.list)",
  "metadata.broker.list": "brokers, like -b",
  "client.id": "the client id brokers log and quota by",
  "request.timeout.ms": "how long a request may wait for its answer",
  "socket.connection.setup.timeout.ms": "how long connecting to a broker may take",
  acks: "produce: 0, 1, -1 or all (alias: request.required.acks)",
  "request.required.acks": "produce: like acks",
  "linger.ms": "produce: how long a batch waits for more records (alias: queue.buffering.max.ms)",
  "queue.buffering.max.ms": "produce: like linger.ms",
  "batch.size": "produce: close a batch at this many bytes",
  "compression.type": "produce: none, gzip, snappy, lz4 or zstd (alias: compression.codec)",
  "compression.codec": "produce: like compression.type",
  partitioner: "produce: murmur2, crc32 or random",
  "buffer.memory": "produce: bytes of records buffered before the producer waits",
  "fetch.max.wait.ms": "consume: how long the broker may hold a fetch",
  "fetch.min.bytes": "consume: bytes a fetch waits for",
  "fetch.max.bytes": "consume: upper bound on one fetch response",
  "max.partition.fetch.bytes": "consume: upper bound per partition in one fetch",
  "isolation.level": "consume: read_committed (the default) or read_uncommitted",
  "security.protocol": "plaintext (the default), ssl, sasl_plaintext or sasl_ssl",
  "sasl.mechanism": "sasl: SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN (alias: sasl.mechanisms)",
  "sasl.mechanisms": "sasl: like sasl.mechanism",
  "sasl.username": "sasl: the user",
  "sasl.password": "sasl: the user's password",
  "ssl.ca.location": "ssl: PEM file of the CAs to trust (default: the system's)",
  "ssl.certificate.location": "ssl: PEM file of this client's certificate, for brokers that ask for one",
  "ssl.key.location": "ssl: PEM file of this client's private key",
  "ssl.endpoint.identification.algorithm": "ssl: https (the default) checks that the certificate names the broker's host; none does not",
  "enable.ssl.certificate.verification": "ssl: true (the default) checks the broker's certificate chain; false trusts any",
};

/** Settings after flags, -X, environment and config file are merged. */
export class ClientSettings {
  readonly brokers: string;
  readonly logLevel: LogLevel;
  readonly #values: Map<string, string>;

  constructor(brokers: string, values: Map<string, string>, logLevel: LogLevel) {
    this.brokers = brokers;
    this.#values = values;
    this.logLevel = logLevel;
  }

  get(...keys: string[]): string | undefined {
    for (const key of keys) {
      const value = this.#values.get(key);
      if (value !== undefined) return value;
    }
    return undefined;
  }

  /** A whole-number setting (first of `keys` that is set), or undefined. */
  integer(...keys: string[]): number | undefined {
    const value = this.get(...keys);
    if (value === undefined) return undefined;
    if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError(`Setting "${keys[0]}" is "${value}", not a whole number`);
    return Number(value);
  }
}

/** Commander's collector for repeatable options. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export interface ClientFlags {
  brokers?: string;
  set: string[];
  config?: string;
  logLevel: LogLevel;
}

function parseSetting(entry: string, where: string): [string, string] {
  const equals = entry.indexOf("=");
  if (equals <= 0) throw new InvalidArgumentError(`${where} "${entry}" is not key=value`);
  const key = entry.slice(0, equals).trim();
  if (!Object.hasOwn(clientSettingKeys, key)) {
    throw new InvalidArgumentError(`${where} "${key}" is not a known client setting: use one of ${Object.keys(clientSettingKeys).join(", ")}`);
  }
  return [key, entry.slice(equals + 1).trim()];
}

function defaultConfigPath(): string {
  const base = process.env.XDG_CONFIG_HOME ?? join(homedir(), ".config");
  return join(base, "chronik", "config.toml");
}

/** The config file's brokers and [client] settings; an explicit --config must exist. */
function readConfigFile(explicitPath: string | undefined): { brokers?: string; values: Map<string, string> } {
  const path = explicitPath ?? defaultConfigPath();
  // Only the default file may be missing.
  if (explicitPath === undefined && !existsSync(path)) return { values: new Map() };
  const values = new Map<string, string>();
  let brokers: string | undefined;
  readConfigToml(path, (table) => {
    for (const [key, value] of Object.entries(table)) {
      if (key === "client" && isTomlTable(value)) {
        for (const [setting, text] of tomlSettingsByPath(value)) values.set(...parseSetting(`${setting}=${String(text)}`, `Config file "${path}": setting`));
      } else if (isTomlTable(value)) {
        const [first] = Object.keys(value);
        throw new InvalidArgumentError(`Config file "${path}": unknown table "[${key}]"${first === undefined ? "" : ` key "${first}"`}: use brokers = "…" and a [client] table`);
      } else if (key === "brokers") {
        brokers = String(tomlSetting(key, value));
      } else {
        throw new InvalidArgumentError(`Config file "${path}": unknown key "${key}": use brokers = "…" and a [client] table`);
      }
    }
  });
  return { brokers, values };
}

export function resolveClientSettings(flags: ClientFlags): ClientSettings {
  const file = readConfigFile(flags.config);
  const values = new Map(file.values);
  for (const entry of flags.set) values.set(...parseSetting(entry, "Setting"));
  const brokers =
    flags.brokers ?? values.get("bootstrap.servers") ?? values.get("metadata.broker.list") ?? process.env.CHRONIK_BROKERS ?? file.brokers ?? defaultBrokerList;
  return new ClientSettings(brokers, values, flags.logLevel);
}

export function openCluster(settings: ClientSettings): Cluster {
  const tls = clientTls(settings);
  const sasl = clientSasl(settings);
  return new Cluster({
    brokers: settings.brokers,
    clientId: settings.get("client.id") ?? "chronik-cli",
    requestTimeoutMs: settings.integer("request.timeout.ms"),
    connectTimeoutMs: settings.integer("socket.connection.setup.timeout.ms"),
    logger: createLogger("chronik", settings.logLevel),
    ...(tls === undefined ? {} : { tls }),
    ...(sasl === undefined ? {} : { sasl }),
  });
}

const saslMechanismNames = ["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] as const;

/** The SASL of security.protocol=sasl_plaintext|sasl_ssl and the sasl.* settings; undefined without SASL. */
export function clientSasl(settings: ClientSettings): ClientSasl | undefined {
  const protocol = (settings.get("security.protocol") ?? "plaintext").toLowerCase();
  if (protocol !== "sasl_plaintext" && protocol !== "sasl_ssl") return undefined;
  const mechanism = (settings.get("sasl.mechanism", "sasl.mechanisms") ?? "").toUpperCase();
  if (!(saslMechanismNames as readonly string[]).includes(mechanism)) throw new InvalidArgumentError(`Setting "sasl.mechanism" is "${mechanism}", not one of ${saslMechanismNames.join(", ")}`);
  const username = settings.get("sasl.username");
  const password = settings.get("sasl.password");
  if (username === undefined || password === undefined) throw new InvalidArgumentError(`security.protocol=${protocol} needs the settings "sasl.username" and "sasl.password"`);
  return { mechanism: mechanism as ClientSasl["mechanism"], username, password };
}

/** The TLS of security.protocol=ssl|sasl_ssl and the ssl.* settings, their files read; undefined for plaintext. */
export function clientTls(settings: ClientSettings): ClientTls | undefined {
  const protocol = (settings.get("security.protocol") ?? "plaintext").toLowerCase();
  if (!["plaintext", "ssl", "sasl_plaintext", "sasl_ssl"].includes(protocol)) {
    throw new InvalidArgumentError(`Setting "security.protocol" is "${protocol}", not one of plaintext, ssl, sasl_plaintext, sasl_ssl`);
  }
  if (protocol === "plaintext" || protocol === "sasl_plaintext") return undefined;
  const file = (key: string): Buffer | undefined => {
    const path = settings.get(key);
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (error) {
      throw new InvalidArgumentError(`Setting "${key}": cannot read "${path}": ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  };
  const choice = <T extends string>(key: string, allowed: readonly T[], fallback: T): T => {
    const value = (settings.get(key) ?? fallback).toLowerCase();
    if (!(allowed as readonly string[]).includes(value)) throw new InvalidArgumentError(`Setting "${key}" is "${value}", not one of ${allowed.join(", ")}`);
    return value as T;
  };
  const cert = file("ssl.certificate.location");
  const key = file("ssl.key.location");
  if ((cert === undefined) !== (key === undefined)) throw new InvalidArgumentError('Settings "ssl.certificate.location" and "ssl.key.location" go together: give both');
  return {
    ca: file("ssl.ca.location"),
    cert,
    key,
    verifyCertificate: choice("enable.ssl.certificate.verification", ["true", "false"], "true") === "true",
    verifyHostname: choice("ssl.endpoint.identification.algorithm", ["https", "none"], "https") === "https",
  };
}

/** Errors that describe the situation (broker down, bad input, Kafka error): their message is enough. */
function isExpected(error: unknown): error is Error {
  return (
    error instanceof ClientError ||
    error instanceof ConnectionError ||
    error instanceof DeliveryError ||
    error instanceof UnsupportedApiError ||
    error instanceof KafkaProtocolError ||
    error instanceof ProtocolDecodeError ||
    error instanceof CorruptRecordError ||
    error instanceof CompressionError ||
    error instanceof UnsupportedMagicError ||
    error instanceof InvalidArgumentError ||
    (error instanceof Error && ["InputFormatError", "JsonRecordError", "FormatError", "OffsetSpecError", "TomlError", "CommandError", "UserStoreError", "ScramError", "DataFolderLockedError"].includes(error.name))
  );
}

/** A failure the user can act on, reported as its message alone. */
export class CommandError extends Error {
  override name = "CommandError";
}

/** Runs a command body; a failure becomes `chronik <command>: <message>` on stderr and exit code 1. */
export async function runClientCommand(name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    // The reader went away (`| head`): the output is no longer wanted, which is not a failure.
    if ((error as NodeJS.ErrnoException).code === "EPIPE") return;
    const detail = isExpected(error) ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`chronik ${name}: ${detail}\n`);
    process.exitCode = 1;
  }
}

/** Expands the escapes a shell leaves alone: \n, \r, \t, \0 and \\ (anything else stays as typed). */
export function unescapeArgument(text: string): string {
  return text.replace(/\\([nrt0\\])/g, (_, letter: string) => ({ n: "\n", r: "\r", t: "\t", "0": "\0", "\\": "\\" })[letter] ?? letter);
}
