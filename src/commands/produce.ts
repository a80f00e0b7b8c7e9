// `chronik produce`: one record per stdin line, like `kcat -P`. Lines are split on the \n byte
// and kept byte for byte (no decoding, \r included); a final newline does not make an extra
// empty record. With -K, a line splits into key and value at the first delimiter; a line
// without it is a value with a null key. Any record that cannot be delivered makes the command
// print the reason on stderr and exit non-zero.

import { Command, Option } from "@commander-js/extra-typings";
import { type Acks, Producer, defaultProducerOptions } from "../client/index.ts";
import { CompressionCodec, compressionCodecByName, type CompressionCodecName } from "../records/compression/index.ts";
import { brokersHelp, defaultBrokers, logLevels, openCluster, runClientCommand, unescapeArgument } from "./client-command.ts";
import { choice, parseByteSize, parseNonNegativeInteger } from "./options.ts";

const codecNames = ["none", "gzip", "snappy", "lz4", "zstd"] as const satisfies readonly CompressionCodecName[];
const acksChoices = ["0", "1", "-1", "all"] as const;
const newline = 0x0a;

/** Splits a byte stream into lines without copying each line: a line is a view of the chunk it ends in. */
export class LineSplitter {
  #carry: Uint8Array = new Uint8Array(0);

  /** The lines `chunk` completes. The chunk must not be modified afterwards (lines are views of it). */
  push(chunk: Uint8Array): Uint8Array[] {
    const lines: Uint8Array[] = [];
    // Buffer's indexOf is a native byte search; Uint8Array's is several times slower.
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    let end = bytes.indexOf(newline);
    if (end !== -1 && this.#carry.length > 0) {
      lines.push(concat(this.#carry, chunk.subarray(0, end)));
      this.#carry = new Uint8Array(0);
      start = end + 1;
      end = bytes.indexOf(newline, start);
    }
    while (end !== -1) {
      lines.push(chunk.subarray(start, end));
      start = end + 1;
      end = bytes.indexOf(newline, start);
    }
    if (start < chunk.length) this.#carry = concat(this.#carry, chunk.subarray(start));
    return lines;
  }

  /** The last line when the input did not end with a newline. */
  end(): Uint8Array | null {
    const rest = this.#carry;
    this.#carry = new Uint8Array(0);
    return rest.length > 0 ? rest : null;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b.slice();
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}

/** Splits a line at the first `delimiter` into key and value; without one, the key is null. */
export function splitKey(line: Uint8Array, delimiter: Uint8Array): { key: Uint8Array | null; value: Uint8Array } {
  const at = Buffer.from(line.buffer, line.byteOffset, line.byteLength).indexOf(delimiter);
  if (at === -1) return { key: null, value: line };
  return { key: line.subarray(0, at), value: line.subarray(at + delimiter.length) };
}

function parseAcks(value: (typeof acksChoices)[number]): Acks {
  return value === "all" ? -1 : (Number(value) as Acks);
}

export function produceCommand() {
  const defaults = defaultProducerOptions;
  return new Command("produce")
    .description("Produce stdin lines as records to a topic (one record per line, bytes kept exactly)")
    .option("-b, --brokers <list>", brokersHelp, defaultBrokers())
    .requiredOption("-t, --topic <topic>", "topic to produce to (created if the broker auto-creates topics)")
    .option("-p, --partition <n>", "partition for every record (default: by key hash, or sticky round robin without key)", parseNonNegativeInteger)
    .option("-K, --key-delimiter <delimiter>", "split each line into key and value at the first delimiter (\\t, \\n, \\\\ understood)")
    .addOption(new Option("-z, --compression <codec>", "compression codec for batches").choices(codecNames).default("none" as const))
    .option("--acks <acks>", "0: do not wait; 1: leader wrote it; -1 or all: all in-sync replicas have it", choice(acksChoices), "-1" as const)
    .option("--linger-ms <ms>", "how long a batch waits for more records before it is sent", parseNonNegativeInteger, defaults.lingerMs)
    .option("--batch-bytes <size>", "close a batch at this many bytes of records (before compression)", parseByteSize, defaults.batchBytes)
    .option("--log-level <level>", "debug, info, warn or error", choice(logLevels), "warn" as const)
    .addHelpText("after", "\nExamples:\n  printf 'a\\nb\\n' | chronik produce -t events\n  chronik produce -t users -K : -z zstd < users.txt\n")
    .action(async (options) => {
      await runClientCommand("produce", async () => {
        const cluster = openCluster(options.brokers, options.logLevel);
        const producer = new Producer(cluster, {
          acks: parseAcks(options.acks),
          compression: compressionCodecByName(options.compression) ?? CompressionCodec.none,
          lingerMs: options.lingerMs,
          batchBytes: Math.max(1, options.batchBytes),
        });
        try {
          await produceLines(producer, {
            topic: options.topic,
            partition: options.partition,
            keyDelimiter: options.keyDelimiter === undefined ? null : Buffer.from(unescapeArgument(options.keyDelimiter)),
          });
        } finally {
          cluster.close();
        }
      });
    });
}

interface LineOptions {
  topic: string;
  partition: number | undefined;
  keyDelimiter: Uint8Array | null;
}

/** Sends every stdin line; throws the first delivery failure once everything sent has settled. */
async function produceLines(producer: Producer, options: LineOptions): Promise<void> {
  let failure: Error | null = null;
  const onDelivery = (error: Error | null) => {
    if (error !== null) failure ??= error;
  };
  const sendLine = (line: Uint8Array) => {
    const { key, value } = options.keyDelimiter === null ? { key: null, value: line } : splitKey(line, options.keyDelimiter);
    producer.produce({ topic: options.topic, partition: options.partition, key, value }, onDelivery);
  };
  const splitter = new LineSplitter();
  for await (const chunk of process.stdin) {
    // Lines are views of the chunk until their batch is encoded: keep a private copy of it.
    for (const line of splitter.push(Uint8Array.prototype.slice.call(chunk as Buffer))) sendLine(line);
    if (producer.bufferFull) await producer.waitForCapacity();
    if (failure !== null) break;
  }
  const last = splitter.end();
  if (last !== null && failure === null) sendLine(last);
  await producer.flush();
  if (failure !== null) throw failure;
}
