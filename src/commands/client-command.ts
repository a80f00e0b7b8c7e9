// What the client commands (produce, consume) share: the --brokers default, the cluster they
// talk through, and how a failure reaches the user: one line on stderr and a non-zero exit,
// with a stack trace only for errors that are bugs rather than circumstances.

import { KafkaProtocolError } from "../protocol/errors.ts";
import { ProtocolDecodeError } from "../protocol/reader.ts";
import { ClientError, Cluster, ConnectionError, DeliveryError, UnsupportedApiError } from "../client/index.ts";
import { createLogger, type LogLevel } from "../logger.ts";
import { CompressionError, CorruptRecordError, UnsupportedMagicError } from "../records/errors.ts";

export const logLevels = ["debug", "info", "warn", "error"] as const satisfies readonly LogLevel[];

/** `$CHRONIK_BROKERS`, else localhost:9092. */
export function defaultBrokers(): string {
  return process.env.CHRONIK_BROKERS ?? "localhost:9092";
}

export const brokersHelp = "bootstrap brokers, host:port[,host:port...] (default: $CHRONIK_BROKERS or localhost:9092)";

export function openCluster(brokers: string, logLevel: LogLevel): Cluster {
  return new Cluster({ brokers, clientId: "chronik-cli", logger: createLogger("chronik", logLevel) });
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
    error instanceof UnsupportedMagicError
  );
}

/** Runs a command body; a failure becomes `chronik <command>: <message>` on stderr and exit code 1. */
export async function runClientCommand(name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    const detail = isExpected(error) ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`chronik ${name}: ${detail}\n`);
    process.exitCode = 1;
  }
}

/** Expands the escapes a shell leaves alone: \n, \r, \t, \0 and \\ (anything else stays as typed). */
export function unescapeArgument(text: string): string {
  return text.replace(/\\([nrt0\\])/g, (_, letter: string) => ({ n: "\n", r: "\r", t: "\t", "0": "\0", "\\": "\\" })[letter] ?? letter);
}
