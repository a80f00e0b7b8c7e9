// `chronik produce`: records from stdin to a topic, like `rpk topic produce` and `kcat -P`.
// By default one record per line, split on the \n byte and kept byte for byte; -K splits a
// line into key and value at a delimiter; -f reads the record format language of consume -f
// (so `consume -f X | produce -f X` round-trips); -f json reads what `consume -f json` writes;
// --file sends a whole file as one record. Every record that cannot be delivered is reported
// on stderr with its number, and the command exits non-zero.

import { readFileSync } from "node:fs";
import { Command, InvalidArgumentError, Option } from "@commander-js/extra-typings";
import { type Acks, type Cluster, defaultProducerOptions, partitionerStrategies, type PartitionerStrategy, Producer, type ProducerRecord, type RecordMetadata } from "../client/index.ts";
import { CompressionCodec, compressionCodecByName, type CompressionCodecName } from "../records/compression/index.ts";
import type { RecordHeader } from "../records/record.ts";
import {
  brokersHelp,
  type ClientSettings,
  collect,
  CommandError,
  configHelp,
  logLevels,
  openCluster,
  resolveClientSettings,
  runClientCommand,
  setHelp,
  unescapeArgument,
} from "./client-command.ts";
import { LineSplitter, splitKey } from "./line-splitter.ts";
import { choice, parseByteSize, parseNonNegativeInteger } from "./options.ts";
import { compileFormat, FormatError, type FormatPart } from "./record-format.ts";
import { recordFromJson } from "./record-json.ts";
import { checkInputFormat, RecordParser } from "./record-parse.ts";
import { OutputBuffer, renderRecord } from "./record-render.ts";

export { LineSplitter, splitKey } from "./line-splitter.ts";

const codecNames = ["none", "gzip", "snappy", "lz4", "zstd"] as const satisfies readonly CompressionCodecName[];
const acksChoices = ["0", "1", "-1", "all"] as const;
/** Per-record failures printed before the rest are only counted. */
const failureLinesMax = 20;

export type InputFormat = { kind: "lines" } | { kind: "json" } | { kind: "format"; parts: FormatPart[] };

export function parseInputFormat(value: string): InputFormat {
  if (value === "json") return { kind: "json" };
  try {
    const parts = compileFormat(value);
    checkInputFormat(parts, value);
    return { kind: "format", parts };
  } catch (error) {
    if (error instanceof FormatError) throw new InvalidArgumentError(error.message);
    throw error;
  }
}

function parseHeader(value: string, previous: RecordHeader[]): RecordHeader[] {
  const equals = value.indexOf("=");
  if (equals <= 0) throw new InvalidArgumentError(`Header "${value}" is not key=value`);
  return [...previous, { key: value.slice(0, equals), value: Buffer.from(unescapeArgument(value.slice(equals + 1))) }];
}

function parseAcks(value: string): Acks {
  if (value === "all" || value === "-1") return -1;
  if (value === "0" || value === "1") return Number(value) as Acks;
  throw new InvalidArgumentError(`acks "${value}" is not 0, 1, -1 or all`);
}

const outputFormatHelp =
  "print a line per delivered record to stdout with consume's tokens, e.g. '%t/%p@%o\\n' (default: print nothing)";

export function produceCommand() {
  const defaults = defaultProducerOptions;
  return new Command("produce")
    .description("Produce records from stdin to a topic (lines, a format like consume's, JSON lines, or a whole file)")
    .argument("[topic]", "topic to produce to (or use -t)")
    .option("-t, --topic <topic>", "topic to produce to (created if the broker auto-creates topics)")
    .option("-f, --format <format>", "input format: consume's tokens (%k %v %K %V %h %H %p %t %d…, {hex}/{base64}), or json: the records consume -f json writes, in their partitions (default: one value per line, JSON or not)", parseInputFormat)
    .option("-K, --key-delimiter <delimiter>", "split each line into key and value at the first delimiter (any length; \\t \\n \\0 \\\\ understood)")
    .option("-k, --key <key>", "key of every record")
    .option("-H, --header <key=value>", "header on every record, repeatable", parseHeader, [] as RecordHeader[])
    .option("-Z, --tombstone", "send an empty value as null (a tombstone, for compacted topics)")
    .option("--file <path>", "send the whole file as one record instead of reading stdin")
    .option("-p, --partition <n>", "partition for every record (default: by key hash, or sticky round robin without key)", parseNonNegativeInteger)
    .addOption(new Option("--partitioner <name>", "murmur2 (Java, kafka-python), crc32 (librdkafka, kcat), random").choices(partitionerStrategies))
    .addOption(new Option("-z, --compression <codec>", "compression codec for batches").choices(codecNames))
    .option("--acks <acks>", "0: do not wait; 1: leader wrote it; -1 or all: all in-sync replicas have it (default: all)", choice(acksChoices))
    .option("--linger-ms <ms>", `how long a batch waits for more records (default: ${defaults.lingerMs})`, parseNonNegativeInteger)
    .option("--batch-bytes <size>", `close a batch at this many bytes of records, before compression (default: ${defaults.batchBytes})`, parseByteSize)
    .option("--output-format <format>", outputFormatHelp, (value) => compileOrThrow(value))
    .option("-b, --brokers <list>", brokersHelp)
    .option("-X, --set <key=value>", setHelp, collect, [] as string[])
    .option("--config <file>", configHelp)
    .option("--log-level <level>", "debug, info, warn or error", choice(logLevels), "warn" as const)
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  printf 'a\\nb\\n' | chronik produce events",
        "  chronik produce users -K : -z zstd < users.txt",
        "  chronik consume src -e -f json | chronik produce dst -f json        copy a topic, partition for partition",
        "  chronik consume src -e -f '%K %k%V %v' | chronik produce dst -f '%K %k%V %v'   binary-safe",
        "  chronik produce images -k logo --file logo.png --output-format '%p@%o\\n'",
        "",
      ].join("\n"),
    )
    .action(async (positional, options) => {
      await runClientCommand("produce", async () => {
        const topic = options.topic ?? positional;
        const format = options.format ?? { kind: "lines" as const };
        if (topic === undefined && !(format.kind === "format" && format.parts.some((part) => part.kind === "topic"))) {
          throw new CommandError("No topic given: name the topic, use -t <topic>, or read it per record with %t in -f");
        }
        if (options.keyDelimiter !== undefined && format.kind !== "lines") throw new CommandError("-K splits lines: it cannot be combined with -f");
        const settings = resolveClientSettings(options);
        const cluster = openCluster(settings);
        const producer = new Producer(cluster, producerOptions(settings, options));
        try {
          if (topic !== undefined) await checkTarget(cluster, topic, options.partition);
          const input = {
            topic,
            partition: options.partition,
            fixedKey: options.key === undefined ? undefined : Buffer.from(unescapeArgument(options.key)),
            headers: options.header,
            tombstones: options.tombstone === true,
            outputFormat: options.outputFormat,
          };
          const sender = new RecordSender(producer, input);
          let inputError: unknown = null;
          try {
            if (options.file !== undefined) sender.send({ value: readInputFile(options.file) });
            else if (format.kind === "format") await readFormatted(sender, format.parts, input.tombstones);
            else if (format.kind === "json") await readJsonLines(sender);
            else await readLines(sender, options.keyDelimiter === undefined ? null : Buffer.from(unescapeArgument(options.keyDelimiter)));
          } catch (error) {
            inputError = error;
          }
          // Records read before bad input are still delivered; the input error is what gets reported.
          await sender.finish().catch((error: unknown) => {
            inputError ??= error;
          });
          if (inputError !== null) throw withRecordsSent(inputError, sender.delivered);
        } finally {
          cluster.close();
        }
      });
    });
}

/** A bad line or record stops the input: its message also says how many records before it reached the broker. */
function withRecordsSent(error: unknown, delivered: number): unknown {
  if (!(error instanceof Error) || (error.name !== "JsonRecordError" && error.name !== "InputFormatError")) return error;
  const count = delivered === 1 ? "1 record before it was sent" : `${delivered} records before it were sent`;
  return new CommandError(`${error.message}; ${count}`);
}

function compileOrThrow(value: string): FormatPart[] {
  try {
    return compileFormat(value);
  } catch (error) {
    if (error instanceof FormatError) throw new InvalidArgumentError(error.message);
    throw error;
  }
}

interface ProducerFlags {
  acks?: string;
  compression?: CompressionCodecName;
  lingerMs?: number;
  batchBytes?: number;
  partitioner?: PartitionerStrategy;
}

/** Flags first, then -X / config file settings, then the producer's defaults. */
export function producerOptions(settings: ClientSettings, flags: ProducerFlags) {
  const codecName = flags.compression ?? settings.get("compression.type", "compression.codec") ?? "none";
  const compression = compressionCodecByName(codecName);
  if (compression === undefined) throw new CommandError(`Compression "${codecName}" is not one of ${codecNames.join(", ")}`);
  const partitioner = flags.partitioner ?? settings.get("partitioner") ?? "murmur2";
  if (!(partitionerStrategies as readonly string[]).includes(partitioner)) {
    throw new CommandError(`Partitioner "${partitioner}" is not one of ${partitionerStrategies.join(", ")}`);
  }
  return {
    acks: parseAcks(flags.acks ?? settings.get("acks", "request.required.acks") ?? "all"),
    compression: compression ?? CompressionCodec.none,
    lingerMs: flags.lingerMs ?? settings.integer("linger.ms", "queue.buffering.max.ms") ?? defaultProducerOptions.lingerMs,
    batchBytes: Math.max(1, flags.batchBytes ?? settings.integer("batch.size") ?? defaultProducerOptions.batchBytes),
    bufferBytesMax: settings.integer("buffer.memory") ?? defaultProducerOptions.bufferBytesMax,
    partitioner: partitioner as PartitionerStrategy,
  };
}

/** Fails before reading any input when the topic or the forced partition cannot take records. */
async function checkTarget(cluster: Cluster, topic: string, partition: number | undefined): Promise<void> {
  const info = await cluster.topic(topic, { allowAutoTopicCreation: true });
  if (partition !== undefined && partition >= info.partitions.length) {
    throw new CommandError(`Partition ${partition} of topic "${topic}" does not exist: the topic has ${info.partitions.length} partitions`);
  }
}

function readInputFile(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new CommandError(`Cannot read "${path}": ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

interface SenderInput {
  topic: string | undefined;
  partition: number | undefined;
  fixedKey: Uint8Array | undefined;
  headers: RecordHeader[];
  tombstones: boolean;
  outputFormat: FormatPart[] | undefined;
}

type InputRecord = Partial<Omit<ProducerRecord, "value">> & { value: Uint8Array | null };

/** Hands records to the producer, numbering them so that each failure can say which record failed. */
class RecordSender {
  readonly #producer: Producer;
  readonly #input: SenderInput;
  readonly #output = new OutputBuffer(64 * 1024);
  #sent = 0;
  #failed = 0;
  /** Records kept for --output-format until their delivery, by number. */
  readonly #pending = new Map<number, ProducerRecord>();

  constructor(producer: Producer, input: SenderInput) {
    this.#producer = producer;
    this.#input = input;
  }

  /** Records the broker acknowledged (or took, with acks 0); complete once finish() has settled. */
  get delivered(): number {
    return this.#sent - this.#failed;
  }

  get pausing(): boolean {
    return this.#producer.bufferFull;
  }

  send(record: InputRecord): void {
    const input = this.#input;
    const value = input.tombstones && record.value !== null && record.value.length === 0 ? null : record.value;
    const full: ProducerRecord = {
      topic: record.topic ?? (input.topic as string),
      partition: input.partition ?? record.partition,
      key: input.fixedKey ?? record.key ?? null,
      value,
      headers: input.headers.length === 0 ? record.headers : [...input.headers, ...(record.headers ?? [])],
      timestamp: record.timestamp,
    };
    // One shared callback; the record's number comes back as the tag (a closure per record costs a
    // fifth of the throughput).
    this.#producer.produce(full, this.#onDelivery, ++this.#sent);
    if (input.outputFormat !== undefined) this.#pending.set(this.#sent, full);
  }

  async waitForCapacity(): Promise<void> {
    if (this.#producer.bufferFull) await this.#producer.waitForCapacity();
    if (this.#output.length > 0) process.stdout.write(this.#output.take());
  }

  readonly #onDelivery = (error: Error | null, metadata: RecordMetadata | null, number: number): void => {
    const record = this.#pending.get(number);
    if (record !== undefined) this.#pending.delete(number);
    if (error !== null) {
      this.#failed++;
      // The producer's messages name the topic and partition.
      if (this.#failed <= failureLinesMax) process.stderr.write(`chronik produce: record ${number}: ${error.message}\n`);
      return;
    }
    const format = this.#input.outputFormat;
    if (format === undefined || metadata === null || record === undefined) return;
    renderRecord(
      this.#output,
      format,
      { topic: metadata.topic, partition: metadata.partition, batch: null },
      { offset: metadata.offset, timestamp: record.timestamp ?? Date.now(), key: record.key ?? null, value: record.value, headers: record.headers ?? [] },
    );
  };

  /** Waits for every record; throws when any failed. */
  async finish(): Promise<void> {
    await this.#producer.flush();
    if (this.#output.length > 0) process.stdout.write(this.#output.take());
    if (this.#failed > 0) throw new CommandError(`${this.#failed} of ${this.#sent} records were not delivered`);
  }
}

async function readLines(sender: RecordSender, keyDelimiter: Uint8Array | null): Promise<void> {
  const sendLine = (line: Uint8Array) => sender.send(keyDelimiter === null ? { value: line } : splitKey(line, keyDelimiter));
  const splitter = new LineSplitter();
  for await (const chunk of process.stdin) {
    // Lines are views of the chunk until their batch is encoded: keep a private copy of it.
    for (const line of splitter.push(Uint8Array.prototype.slice.call(chunk as Buffer))) sendLine(line);
    await sender.waitForCapacity();
  }
  const last = splitter.end();
  if (last !== null) sendLine(last);
}

async function readJsonLines(sender: RecordSender): Promise<void> {
  const splitter = new LineSplitter();
  let lineNumber = 0;
  const sendLine = (line: Uint8Array) => {
    lineNumber++;
    const text = Buffer.from(line.buffer, line.byteOffset, line.byteLength).toString("utf8");
    if (text.trim() === "") return;
    sender.send(recordFromJson(text, lineNumber));
  };
  for await (const chunk of process.stdin) {
    for (const line of splitter.push(Uint8Array.prototype.slice.call(chunk as Buffer))) sendLine(line);
    await sender.waitForCapacity();
  }
  const last = splitter.end();
  if (last !== null) sendLine(last);
}

async function readFormatted(sender: RecordSender, parts: FormatPart[], tombstones: boolean): Promise<void> {
  const parser = new RecordParser(parts, { emptyValueIsNull: tombstones });
  for await (const chunk of process.stdin) {
    for (const record of parser.push(chunk as Buffer)) sender.send(record);
    await sender.waitForCapacity();
  }
  for (const record of parser.end()) sender.send(record);
}
