// `chronik consume`: read a topic's records to stdout, like `kcat -C`. Records are rendered
// with a kcat-style format (record-format.ts) into a buffer that is written out once per
// fetch, with stdout's backpressure respected. -e stops at the end offsets of when the
// command started; -c stops after a number of records; otherwise it follows the topic until
// interrupted. Only record output goes to stdout; diagnostics go to stderr.

import type { FileSink } from "bun";
import { Command, InvalidArgumentError } from "@commander-js/extra-typings";
import { Consumer, type StartPosition } from "../client/index.ts";
import { brokersHelp, defaultBrokers, logLevels, openCluster, runClientCommand } from "./client-command.ts";
import { choice, parseNonNegativeInteger, parsePositiveInteger } from "./options.ts";
import { compileFormat, type FormatPart, FormatError, OutputBuffer, renderRecord } from "./record-format.ts";

/** Flush the output buffer to stdout once it holds this much, even within one fetch. */
const outputFlushBytes = 1024 * 1024;

const defaultFormat = String.raw`%s\n`;

/** `beginning`, `end`, an offset, or `-N` for N records before the end (kcat's -o). */
export function parseStartPosition(value: string): StartPosition {
  if (value === "beginning") return "beginning";
  if (value === "end") return "end";
  if (/^-\d+$/.test(value)) return { fromEnd: Number(value.slice(1)) };
  if (/^\d+$/.test(value)) return { offset: Number(value) };
  throw new InvalidArgumentError(`"${value}" is not an offset: use beginning, end, <offset> or -<count>`);
}

function parseFormat(value: string): FormatPart[] {
  try {
    return compileFormat(value);
  } catch (error) {
    if (error instanceof FormatError) throw new InvalidArgumentError(error.message);
    throw error;
  }
}

export function consumeCommand() {
  return new Command("consume")
    .description("Write a topic's records to stdout (raw bytes, kcat-style format)")
    .option("-b, --brokers <list>", brokersHelp, defaultBrokers())
    .requiredOption("-t, --topic <topic>", "topic to read")
    .option("-p, --partition <n>", "read only this partition (default: all partitions)", parseNonNegativeInteger)
    .option("-o, --offset <offset>", "where to start: beginning, end, <offset>, or -<count> records before the end", parseStartPosition, "beginning" as StartPosition)
    .option("-e, --exit-at-end", "exit once every partition reaches the end offset it had at start")
    .option("-c, --count <n>", "exit after this many records", parsePositiveInteger)
    .option(
      "-f, --format <format>",
      "output per record: %s value, %k key, %t topic, %p partition, %o offset, %T timestamp (ms), %h headers, " +
        "%S value length, %K key length (-1 if null), %% percent; escapes \\n \\t \\r \\0 \\\\ (default: '%s\\n')",
      parseFormat,
    )
    .option("--log-level <level>", "debug, info, warn or error", choice(logLevels), "warn" as const)
    .addHelpText("after", "\nExamples:\n  chronik consume -t events -e\n  chronik consume -t events -p 0 -o -10 -f '%o %k=%s\\n'\n")
    .action(async (options) => {
      await runClientCommand("consume", async () => {
        const cluster = openCluster(options.brokers, options.logLevel);
        const consumer = new Consumer(cluster, {
          topic: options.topic,
          partitions: options.partition === undefined ? undefined : [options.partition],
          start: options.offset,
          stopAtEnd: options.exitAtEnd === true,
        });
        const stop = () => cluster.close();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
        try {
          await consumeRecords(consumer, options.format ?? compileFormat(defaultFormat), options.count ?? Infinity);
        } catch (error) {
          // Interrupted (the cluster was closed by the signal handler) or the reader went away (`| head`): not failures.
          const brokenPipe = (error as NodeJS.ErrnoException).code === "EPIPE";
          if (!cluster.closed && !brokenPipe) throw error;
        } finally {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          cluster.close();
        }
      });
    });
}

async function consumeRecords(consumer: Consumer, format: FormatPart[], countMax: number): Promise<void> {
  const output = new OutputBuffer();
  // Bun's FileSink writes to fd 1 itself: flush() settles once the bytes are out, and exiting
  // after end() cannot drop a tail still queued for a slow reader (process.stdout on a pipe can).
  const stdout = Bun.stdout.writer({ highWaterMark: outputFlushBytes });
  let count = 0;
  try {
    while (count < countMax) {
      const chunks = await consumer.poll();
      if (chunks === null) break;
      for (const chunk of chunks) {
        for (const record of chunk.records) {
          if (count >= countMax) break;
          renderRecord(output, format, chunk.topic, chunk.partition, record);
          count++;
          if (output.length >= outputFlushBytes) await writeOut(stdout, output);
        }
      }
      await writeOut(stdout, output);
    }
  } finally {
    await stdout.end();
  }
}

async function writeOut(stdout: FileSink, output: OutputBuffer): Promise<void> {
  if (output.length === 0) return;
  stdout.write(output.take());
  await stdout.flush();
}
