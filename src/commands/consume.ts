// `chronik consume`: read topics' records to stdout, like `rpk topic consume` and `kcat -C`.
// Records are rendered with a format (-f, record-format.ts) or as JSON lines (-f json) into a
// buffer written out once per fetch, with stdout's backpressure respected. -o takes rpk's and
// kcat's offset grammar (offset-spec.ts); -e stops at the end offsets of when the command
// started; -n stops after a number of records. Only records go to stdout; diagnostics go to
// stderr (none with -q).

import { Command, InvalidArgumentError } from "@commander-js/extra-typings";
import { Admin, type Cluster, Consumer, type ConsumerOptions } from "../client/index.ts";
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
} from "./client-command.ts";
import { consumeInGroup } from "./consume-group.ts";
import { parseOffsetSpec, type OffsetRange, OffsetSpecError } from "./offset-spec.ts";
import { choice, parsePositiveInteger } from "./options.ts";
import { compileFormat, FormatError } from "./record-format.ts";
import { type ConsumeLimits, type OutputFormat, RecordSink } from "./record-sink.ts";

const defaultFormat = String.raw`%v\n`;


export function parseOffset(value: string): OffsetRange {
  try {
    return parseOffsetSpec(value);
  } catch (error) {
    if (error instanceof OffsetSpecError) throw new InvalidArgumentError(error.message);
    throw error;
  }
}

export function parseOutputFormat(value: string): OutputFormat {
  if (value === "json") return { kind: "json" };
  try {
    return { kind: "format", parts: compileFormat(value) };
  } catch (error) {
    if (error instanceof FormatError) throw new InvalidArgumentError(error.message);
    throw error;
  }
}

/** "0,2,5" → [0, 2, 5]. */
export function parsePartitionList(value: string, previous: number[] = []): number[] {
  const partitions = value.split(",").map((entry) => entry.trim());
  if (partitions.some((entry) => !/^\d+$/.test(entry))) throw new InvalidArgumentError(`"${value}" is not a list of partitions (e.g. 0,2)`);
  return [...previous, ...partitions.map(Number)];
}

const formatHelp =
  "per record: %t topic, %p partition, %o offset, %e leader epoch, %d timestamp ({ms} {unix} {rfc3339}), %k key, %K key length " +
  "(-1 null), %v value, %V value length, %H header count, %h headers (k=v,… or %h{%k=%v;}), %a{compression|timestamp-type|" +
  "transactional-bit|control-bit}, %% percent; {hex} or {base64} after %k/%v encodes them; kcat's %s %S %T mean %v %V %d; " +
  "escapes \\n \\t \\r \\0 \\\\ \\xNN. `json` writes one JSON object per line (default: '%v\\n')";

const offsetHelp =
  "start|end|N|+N|-N|:end|N:M|@time|@t1:t2 (rpk), beginning|s@time|e@time (kcat); time is ms, s, 2024-05-01, RFC 3339 or -1h";

export function consumeCommand() {
  return new Command("consume")
    .description("Write topics' records to stdout (rpk/kcat-style formats, JSON, offsets by time)")
    .argument("[topics...]", "topics to read (or use -t)")
    .option("-t, --topic <topic>", "topic to read, repeatable", collect, [] as string[])
    .option("-r, --regex", "topics are regular expressions matched against every topic name")
    .option("-p, --partitions <list>", "read only these partitions, e.g. 0,2 (default: all)", parsePartitionList)
    .option("-o, --offset <offset>", offsetHelp, parseOffset)
    .option("-e, --exit-at-end", "exit once every partition reaches the end offset it had at start (same as -o :end)")
    .option("-n, --num <n>", "exit after this many records", parsePositiveInteger)
    .option("-c, --count <n>", "kcat's name for --num", parsePositiveInteger)
    .option("-f, --format <format>", formatHelp, parseOutputFormat)
    .option("--json-value", "with -f json: embed values that are JSON as JSON instead of as a string")
    .option("-G, --group <group>", "consume as a member of this consumer group (KIP-848), committing what was written")
    .option("--isolation <level>", "read_committed: only committed records of transactions, up to the last stable offset; read_uncommitted: everything (default: -X isolation.level, else read_committed)", choice(isolationLevels))
    .option("-q, --quiet", "no diagnostics on stderr, only errors")
    .option("-b, --brokers <list>", brokersHelp)
    .option("-X, --set <key=value>", setHelp, collect, [] as string[])
    .option("--config <file>", configHelp)
    .option("--log-level <level>", "debug, info, warn or error", choice(logLevels), "warn" as const)
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  chronik consume events -e                          all records, then exit",
        "  chronik consume -t events -p 0 -o -10 -f '%o %k=%v\\n'",
        "  chronik consume events -o @-1h -f json | jq .value  the last hour as JSON",
        "  chronik consume events -o @2024-05-01:2024-05-02 -n 100",
        "  chronik consume 'logs-.*' -r -f '%t/%p@%o %d{rfc3339} %v\\n'",
        "  chronik consume events -G billing -e                 as group \"billing\", from its committed offsets",
        "",
      ].join("\n"),
    )
    .action(async (positional, options) => {
      await runClientCommand("consume", async () => {
        const settings = resolveClientSettings({ ...options, logLevel: options.quiet ? "error" : options.logLevel });
        const cluster = openCluster(settings);
        // A group member first finishes its poll, commits and leaves; a second signal (or plain mode) closes at once.
        const interrupted = new AbortController();
        const stop = () => {
          if (options.group === undefined || interrupted.signal.aborted) cluster.close();
          interrupted.abort();
          process.once("SIGINT", stop);
          process.once("SIGTERM", stop);
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
        try {
          const topics = await resolveTopics(cluster, [...positional, ...options.topic], options.regex === true);
          const range = options.offset ?? { start: "beginning" as const, stopAt: null };
          const stopAt = range.stopAt ?? (options.exitAtEnd ? "end" : undefined);
          const format = options.format ?? { kind: "format", parts: compileFormat(defaultFormat) };
          const limits = { countMax: options.num ?? options.count ?? Infinity, jsonValue: options.jsonValue === true };
          const countMax = limits.countMax;
          if (options.group !== undefined && options.partitions !== undefined) throw new CommandError("-p cannot be used with -G: the group assigns the partitions");
          const total =
            options.group === undefined
              ? await consumeAll(
                  topics.map((topic) => new Consumer(cluster, { ...fetchSettings(settings, options.isolation), topic, partitions: options.partitions, start: range.start, stopAt, stopAtEnd: false })),
                  format,
                  limits,
                )
              : await consumeInGroup(cluster, { groupId: options.group, topics, range, stopAt, fetch: fetchSettings(settings, options.isolation), signal: interrupted.signal }, format, limits);
          if (!options.quiet && stopAt !== undefined && total.count < countMax) {
            process.stderr.write(`% Reached the end of ${topics.length === 1 ? `topic "${topics[0]}"` : `${topics.length} topics`}: ${total.count} records\n`);
          }
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

const isolationLevels = ["read_committed", "read_uncommitted"] as const;

/** Fetch limits and isolation set with flags, -X or the config file; the consumer's defaults for the rest. */
function fetchSettings(settings: ClientSettings, isolationFlag?: string): Partial<ConsumerOptions> {
  const isolation = isolationFlag ?? settings.get("isolation.level");
  if (isolation !== undefined && !(isolationLevels as readonly string[]).includes(isolation)) {
    throw new CommandError(`isolation.level "${isolation}" is not read_committed or read_uncommitted`);
  }
  const values = {
    maxWaitMs: settings.integer("fetch.max.wait.ms"),
    minBytes: settings.integer("fetch.min.bytes"),
    fetchBytesMax: settings.integer("fetch.max.bytes"),
    partitionFetchBytesMax: settings.integer("max.partition.fetch.bytes"),
    readCommitted: isolation === undefined ? undefined : isolation === "read_committed",
  };
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
}

/** Topic names as given, or with -r every topic whose whole name matches one of the expressions. */
async function resolveTopics(cluster: Cluster, names: string[], regex: boolean): Promise<string[]> {
  if (names.length === 0) throw new CommandError("No topic given: name one or more topics, or use -t <topic>");
  if (!regex) return [...new Set(names)];
  const patterns = names.map((name) => {
    try {
      return new RegExp(`^(?:${name})$`);
    } catch (error) {
      throw new CommandError(`"${name}" is not a regular expression: ${(error as Error).message}`);
    }
  });
  const all = await new Admin(cluster).listTopics();
  const matched = all.map((topic) => topic.name).filter((name) => patterns.some((pattern) => pattern.test(name)));
  if (matched.length === 0) throw new CommandError(`No topic matches ${names.map((name) => `"${name}"`).join(", ")}`);
  return matched;
}

/** Runs every consumer into one stdout; resolves with the number of records written. */
async function consumeAll(consumers: Consumer[], format: OutputFormat, limits: ConsumeLimits): Promise<{ count: number }> {
  const sink = new RecordSink(format, limits);
  try {
    await Promise.all(consumers.map((consumer) => sink.drain(consumer)));
  } finally {
    await sink.end();
  }
  return { count: sink.count };
}

