// `chronik produce` against a real broker: `consume -f X | produce -f X` and JSON round trips
// with binary keys, every flag, partitioners that agree with kafka-python (murmur2) and
// confluent-kafka (crc32), kcat reading chronik's records and the reverse with every codec,
// settings from -X, $CHRONIK_BROKERS and a config file, and bad input.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Admin, Cluster } from "../../src/client/index.ts";
import { assertSameBytes, type Broker, chronikCommand, eventually, kcat, pythonPath, run, runOk, startBroker } from "./harness.ts";

const commandTimeoutMs = 60_000;
const codecs = ["none", "gzip", "snappy", "lz4", "zstd"] as const;

let broker: Broker;
let scratch: string;

const chronik = (args: string[], options: { stdin?: string | Uint8Array; env?: Record<string, string | undefined>; brokers?: boolean } = {}) =>
  run([...chronikCommand(), ...args, ...(options.brokers === false ? [] : ["-b", broker.bootstrap])], { stdin: options.stdin, env: options.env, timeoutMs: commandTimeoutMs });
const chronikOk = async (args: string[], stdin?: string | Uint8Array) => {
  const result = await chronik(args, { stdin });
  if (result.exitCode !== 0) throw new Error(`chronik ${args.join(" ")} failed: ${result.stderr}`);
  return result;
};

async function createTopic(name: string, partitions: number): Promise<void> {
  const cluster = new Cluster({ brokers: broker.bootstrap });
  try {
    const [result] = await new Admin(cluster).createTopics([{ name, partitions }]);
    if (result.error) throw result.error;
  } finally {
    cluster.close();
  }
}

/** Deterministic binary keys and values: every byte value, newlines, tabs and NULs included. */
function binaryRecords(count: number): Array<{ key: Buffer; value: Buffer }> {
  return Array.from({ length: count }, (_, i) => ({
    key: Buffer.from([i % 256, 0, 10, 9, 0xff - (i % 256)]),
    value: Buffer.from(Array.from({ length: 1 + (i % 40) }, (_, j) => (i * 31 + j * 7) % 256)),
  }));
}

beforeAll(async () => {
  broker = await startBroker();
  scratch = await mkdtemp(join(tmpdir(), "chronik-cli-produce-"));
}, 30_000);

afterAll(async () => {
  await broker?.cleanup();
  await rm(scratch, { recursive: true, force: true });
}, 30_000);

describe("round trips", () => {
  const lengthFormat = "%K %k%V %v%H %h{%K %k%V %v}";

  test("consume -f X | produce -f X is byte-identical with binary keys, values and headers", async () => {
    let input = Buffer.alloc(0);
    for (const { key, value } of binaryRecords(300)) {
      const header = Buffer.from([0x80, 10]);
      input = Buffer.concat([input, Buffer.from(`${key.length} `), key, Buffer.from(`${value.length} `), value, Buffer.from("1 2 hb2 "), header]);
    }
    await chronikOk(["produce", "bin-src", "-p", "0", "-f", lengthFormat], input);
    const first = await chronikOk(["consume", "bin-src", "-e", "-q", "-f", lengthFormat]);
    assertSameBytes(first.stdout, input, "consume of what produce -f read");
    await chronikOk(["produce", "bin-dst", "-p", "0", "-f", lengthFormat], first.stdout);
    const second = await chronikOk(["consume", "bin-dst", "-e", "-q", "-f", lengthFormat]);
    assertSameBytes(second.stdout, first.stdout, "second generation");
  }, commandTimeoutMs);

  test("{hex} and {base64} formats round-trip too", async () => {
    const format = String.raw`%k{hex}\t%v{base64}\t%d\n`;
    const source = await chronikOk(["consume", "bin-src", "-e", "-q", "-f", format]);
    await chronikOk(["produce", "hex-dst", "-p", "0", "-f", format], source.stdout);
    assertSameBytes((await chronikOk(["consume", "hex-dst", "-e", "-q", "-f", format])).stdout, source.stdout, "hex/base64 copy");
  }, commandTimeoutMs);

  test("--format json both ways keeps keys, values, headers and timestamps", async () => {
    const source = await chronikOk(["consume", "bin-src", "-e", "-q", "-f", "json"]);
    expect(source.stdout.toString()).toContain('"keyEncoding":"base64"');
    await chronikOk(["produce", "json-dst", "-f", "json"], source.stdout);
    const copy = await chronikOk(["consume", "json-dst", "-e", "-q", "-f", "json"]);
    assertSameBytes(copy.stdout, Buffer.from(source.stdout.toString().replaceAll('"topic":"bin-src"', '"topic":"json-dst"')), "JSON copy");
    const raw = await chronikOk(["consume", "json-dst", "-e", "-q", "-f", lengthFormat]);
    assertSameBytes(raw.stdout, (await chronikOk(["consume", "bin-src", "-e", "-q", "-f", lengthFormat])).stdout, "JSON copy, raw bytes");
  }, commandTimeoutMs);

  test("--json-value output is accepted by produce -f json", async () => {
    await chronikOk(["produce", "json-values", "-p", "0"], '{"a": 1}\nnot json\n');
    const out = await chronikOk(["consume", "json-values", "-e", "-q", "-f", "json", "--json-value"]);
    expect(out.stdout.toString()).toContain('"value":{"a":1},"valueEncoding":"json"');
    await chronikOk(["produce", "json-values-copy", "-f", "json"], out.stdout);
    expect((await chronikOk(["consume", "json-values-copy", "-e", "-q"])).stdout.toString()).toBe('{"a":1}\nnot json\n');
  }, commandTimeoutMs);
});

describe("produce -f json", () => {
  const read = async (topic: string, format: string) => (await chronikOk(["consume", topic, "-e", "-q", "-f", format])).stdout.toString();

  test("consume -f json | produce -f json copies a topic partition for partition", async () => {
    await createTopic("json-parts-src", 3);
    await createTopic("json-parts-dst", 3);
    // Unkeyed values that the partitioner would spread differently from where -f '%p …' put them.
    const input = Array.from({ length: 60 }, (_, i) => `${(i * 7) % 3} value-${i}\n`).join("");
    await chronikOk(["produce", "json-parts-src", "-f", String.raw`%p %v\n`], input);
    const source = await chronikOk(["consume", "json-parts-src", "-e", "-q", "-f", "json"]);
    await chronikOk(["produce", "json-parts-dst", "-f", "json"], source.stdout);
    const placement = String.raw`%p %o %v\n`;
    const copied = (await read("json-parts-dst", placement)).split("\n").sort();
    expect(copied).toEqual((await read("json-parts-src", placement)).split("\n").sort());
    expect(new Set(copied.filter((line) => line !== "").map((line) => line.split(" ")[0]))).toEqual(new Set(["0", "1", "2"]));
  }, commandTimeoutMs);

  test("plain JSON is refused with the line, how to send it as values, and how many records went before", async () => {
    const input = '{"value":"first"}\n{"key":"k","value":"second"}\n{"level":"error","service":"api"}\n{"value":"never"}\n';
    const result = await chronik(["produce", "json-plain", "-p", "0", "-f", "json"], { stdin: input });
    expect(result.exitCode).toBe(1);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("Line 3");
    expect(lines[0]).toContain("leave out -f json");
    expect(lines[0]).toContain("2 records before it were sent");
    expect(await read("json-plain", String.raw`%k|%V|%v\n`)).toBe("|5|first\nk|6|second\n");
  }, commandTimeoutMs);
});

describe("produce flags", () => {
  const read = async (topic: string, format: string) => (await chronikOk(["consume", topic, "-e", "-q", "-f", format])).stdout.toString();

  test("-K with a multi-byte delimiter and with \\0 never truncates keys or values", async () => {
    await chronikOk(["produce", "multi", "-K", "::="], "a::=b::=c\nplain\n::=empty-key\n");
    expect(await read("multi", String.raw`[%k|%K|%v]\n`)).toBe("[a|1|b::=c]\n[|-1|plain]\n[|0|empty-key]\n");
    await chronikOk(["produce", "nul", "-K", String.raw`\0`], "k1\0v1\0more\n");
    expect(await read("nul", String.raw`%k=%v\n`)).toBe("k1=v1\0more\n");
  }, commandTimeoutMs);

  test("-k, -H, -Z and --file", async () => {
    await chronikOk(["produce", "flags", "-k", "fixed", "-H", "a=1", "-H", "b=x=y", "-Z"], "one\n\n");
    expect(await read("flags", String.raw`%k|%v|%V|%h\n`)).toBe("fixed|one|3|a=1,b=x=y\nfixed||-1|a=1,b=x=y\n");
    const file = join(scratch, "blob.bin");
    const blob = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 13) % 256));
    await writeFile(file, blob);
    await chronikOk(["produce", "blob", "--file", file, "-k", "logo"]);
    const consumed = await chronikOk(["consume", "blob", "-e", "-q", "-f", "%k %V %v"]);
    assertSameBytes(consumed.stdout, Buffer.concat([Buffer.from(`logo ${blob.length} `), blob]), "--file record");
  }, commandTimeoutMs);

  test("-p, %p and %t choose where records go; --output-format prints where they landed", async () => {
    await createTopic("placed", 4);
    const out = await chronikOk(["produce", "placed", "-p", "2", "--output-format", String.raw`%t %p %o %k %v\n`], "a\nb\n");
    expect(out.stdout.toString()).toBe("placed 2 0  a\nplaced 2 1  b\n");
    const perRecord = await chronikOk(["produce", "-f", String.raw`%t %p %v\n`, "--output-format", String.raw`%t/%p@%o\n`], "placed 3 x\nplaced 1 y\nother-topic 0 z\n");
    expect(perRecord.stdout.toString().trim().split("\n").sort()).toEqual(["other-topic/0@0", "placed/1@0", "placed/3@0"]);
  }, commandTimeoutMs);

  test("linger, batch size and compression shape batches", async () => {
    const input = Array.from({ length: 2000 }, (_, i) => `record ${i}`).join("\n");
    await chronikOk(["produce", "batched", "-p", "0", "-z", "lz4", "--linger-ms", "50", "--batch-bytes", "8KiB"], input);
    const batches = await read("batched", String.raw`%a{compression}\n`);
    expect(new Set(batches.trim().split("\n"))).toEqual(new Set(["lz4"]));
    expect((await read("batched", String.raw`%v\n`)).trimEnd()).toBe(input);
  }, commandTimeoutMs);

  test("--partitioner random spreads one key; -X compression.type and --acks 0 are honoured", async () => {
    await createTopic("random-spread", 4);
    const out = await chronikOk(["produce", "random-spread", "-k", "same", "--partitioner", "random", "--output-format", String.raw`%p\n`], "x\n".repeat(400));
    expect(new Set(out.stdout.toString().trim().split("\n"))).toEqual(new Set(["0", "1", "2", "3"]));
    await chronikOk(["produce", "x-settings", "-p", "0", "-X", "compression.type=gzip", "-X", "linger.ms=20", "-X", "batch.size=4096"], "a\nb\n");
    expect(await read("x-settings", String.raw`%a{compression} %v\n`)).toBe("gzip a\ngzip b\n");
    await chronikOk(["produce", "fire-and-forget", "-p", "0", "--acks", "0", "--output-format", String.raw`%o\n`], "a\n");
    // With acks 0 the producer exits without knowing whether the broker has appended yet.
    const delivered = async () => (await read("fire-and-forget", String.raw`%v\n`)) === "a\n";
    await eventually(delivered, "the acks 0 record readable", { waitMs: 10_000, pollMs: 100 });
  }, commandTimeoutMs);

  test("each failed record is reported with its number, and the exit code is non-zero", async () => {
    const result = await chronik(["produce", "placed", "-f", String.raw`%p %v\n`], { stdin: "0 ok\n9 bad\n1 ok\n8 bad\n" });
    expect(result.exitCode).toBe(1);
    expect(result.stderr.trim().split("\n")).toEqual([
      'chronik produce: record 2: Partition 9 of topic "placed" does not exist: the topic has 4 partitions',
      'chronik produce: record 4: Partition 8 of topic "placed" does not exist: the topic has 4 partitions',
      "chronik produce: 2 of 4 records were not delivered",
    ]);
  }, commandTimeoutMs);

  test("bad flags and input: one line on stderr, non-zero exit", async () => {
    for (const [args, stdin, message] of [
      [["produce", "x", "-f", "%k%v"], "", "two fields with nothing between them"],
      [["produce", "x", "-f", "json"], "{bad\n", "Line 1 is not JSON"],
      [["produce", "x", "-f", String.raw`%p %v\n`], "zero v\n", '"zero" is not a number for "%p"'],
      [["produce", "x", "-H", "novalue"], "", 'Header "novalue" is not key=value'],
      [["produce", "x", "--partitioner", "fnv"], "", "Allowed choices are murmur2, crc32, random"],
      [["produce", "x", "--file", "/nonexistent/file"], "", 'Cannot read "/nonexistent/file": ENOENT'],
      [["produce", "x", "-K", ":", "-f", "json"], "", "-K splits lines"],
      [["produce"], "a\n", "No topic given"],
      [["produce", "x", "-X", "linger.ms=soon"], "a\n", 'Setting "linger.ms" is "soon", not a whole number'],
    ] as Array<[string[], string, string]>) {
      const result = await chronik(args, { stdin });
      expect(result.exitCode, args.join(" ")).not.toBe(0);
      expect(result.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
      expect(result.stderr).toContain(message);
    }
  }, commandTimeoutMs);
});

describe("partitioners agree with other clients", () => {
  const keys = Array.from({ length: 200 }, (_, i) => (i % 4 === 0 ? `user-${i}` : i % 4 === 1 ? `${i}` : i % 4 === 2 ? `ключ-${i}` : `k${"x".repeat(i % 50)}${i}`));

  async function chronikPartitions(topic: string, partitioner: string): Promise<Map<string, number>> {
    const out = await chronikOk(["produce", topic, "-K", "\t", "--partitioner", partitioner, "--output-format", String.raw`%k %p\n`], keys.map((key) => `${key}\tv`).join("\n"));
    return new Map(out.stdout.toString().trim().split("\n").map((line) => [line.split(" ")[0], Number(line.split(" ")[1])]));
  }

  async function pythonPartitions(client: "kafka-python" | "confluent-kafka", topic: string): Promise<Map<string, number>> {
    const script =
      client === "kafka-python"
        ? `import sys, json
from kafka import KafkaProducer
p = KafkaProducer(bootstrap_servers=sys.argv[1])
keys = json.load(sys.stdin)
out = {k: p.send(sys.argv[2], key=k.encode(), value=b"v").get(timeout=30).partition for k in keys}
print(json.dumps(out))`
        : `import sys, json
from confluent_kafka import Producer
p = Producer({"bootstrap.servers": sys.argv[1], "broker.address.family": "v4"})
keys = json.load(sys.stdin)
out = {}
for k in keys:
    p.produce(sys.argv[2], key=k.encode(), value=b"v", on_delivery=lambda err, msg: out.__setitem__(msg.key().decode(), msg.partition()))
p.flush(30)
print(json.dumps(out))`;
    const result = await runOk([pythonPath, "-c", script, broker.bootstrap, topic], { stdin: JSON.stringify(keys), timeoutMs: commandTimeoutMs });
    return new Map(Object.entries(JSON.parse(result.stdout.toString()) as Record<string, number>));
  }

  test("murmur2 (default) puts every key where kafka-python does", async () => {
    await createTopic("by-murmur-chronik", 7);
    await createTopic("by-murmur-python", 7);
    const ours = await chronikPartitions("by-murmur-chronik", "murmur2");
    const theirs = await pythonPartitions("kafka-python", "by-murmur-python");
    expect(ours.size).toBe(keys.length);
    expect(new Set(ours.values()).size).toBe(7);
    expect(ours).toEqual(theirs);
  }, commandTimeoutMs);

  test("crc32 puts every key where confluent-kafka (librdkafka's default) does", async () => {
    await createTopic("by-crc-chronik", 7);
    await createTopic("by-crc-python", 7);
    const ours = await chronikPartitions("by-crc-chronik", "crc32");
    const theirs = await pythonPartitions("confluent-kafka", "by-crc-python");
    expect(ours.size).toBe(keys.length);
    expect(ours).toEqual(theirs);
  }, commandTimeoutMs);
});

describe("kcat", () => {
  const input = Array.from({ length: 500 }, (_, i) => `key-${i % 17}\tvalue ${i} ${"é".repeat(i % 9)}`).join("\n") + "\n";
  for (const codec of codecs) {
    test(`kcat reads what chronik produced, and chronik reads what kcat produced, with ${codec}`, async () => {
      await chronikOk(["produce", `from-chronik-${codec}`, "-p", "0", "-K", "\t", "-z", codec], input);
      const byKcat = await runOk(kcat(broker, ["-C", "-t", `from-chronik-${codec}`, "-p", "0", "-o", "beginning", "-e", "-q", "-f", "%k\t%s\n"]), { timeoutMs: commandTimeoutMs });
      assertSameBytes(byKcat.stdout, Buffer.from(input), `kcat reading chronik's ${codec}`);
      await runOk(kcat(broker, ["-P", "-t", `from-kcat-${codec}`, "-p", "0", "-K", "\t", "-z", codec]), { stdin: input, timeoutMs: commandTimeoutMs });
      const byChronik = await chronikOk(["consume", `from-kcat-${codec}`, "-e", "-q", "-f", String.raw`%k\t%v\n`]);
      assertSameBytes(byChronik.stdout, Buffer.from(input), `chronik reading kcat's ${codec}`);
      const used = await chronikOk(["consume", `from-kcat-${codec}`, "-e", "-q", "-f", String.raw`%a{compression}\n`]);
      // chronik advertises Produce from v0, so librdkafka 2.0.2 compresses with every codec
      // (see docs/protocol.md); it still sends a batch uncompressed when compressing does not
      // make it smaller, so "none" may appear beside the codec.
      const seen = new Set(used.stdout.toString().trim().split("\n"));
      expect(seen.has(codec)).toBe(true);
      expect([...seen].every((name) => name === "none" || name === codec)).toBe(true);
    }, commandTimeoutMs);
  }
});

describe("settings", () => {
  test("-X, $CHRONIK_BROKERS and a config file, strongest first", async () => {
    await chronikOk(["produce", "settings", "-p", "0"], "s\n");
    const viaEnv = await chronik(["consume", "settings", "-e", "-q"], { brokers: false, env: { CHRONIK_BROKERS: broker.bootstrap } });
    expect(viaEnv.stdout.toString()).toBe("s\n");
    const config = join(scratch, "config.toml");
    await writeFile(config, `# test\nbrokers = "${broker.bootstrap}"\n[client]\nclient.id = "from-config"\n"fetch.max.wait.ms" = 100\n`);
    const viaFile = await chronik(["consume", "settings", "-e", "-q", "--config", config], { brokers: false, env: { CHRONIK_BROKERS: undefined } });
    expect(viaFile.stdout.toString()).toBe("s\n");
    const xcfg = join(scratch, "xdg");
    await Bun.write(join(xcfg, "chronik", "config.toml"), `brokers = "${broker.bootstrap}"\n`);
    const viaDefaultPath = await chronik(["consume", "settings", "-e", "-q"], { brokers: false, env: { CHRONIK_BROKERS: undefined, XDG_CONFIG_HOME: xcfg } });
    expect(viaDefaultPath.stdout.toString()).toBe("s\n");
    // The environment beats the file; -X bootstrap.servers beats the environment.
    const envWins = await chronik(["consume", "settings", "-e", "-q", "--config", config], { brokers: false, env: { CHRONIK_BROKERS: "127.0.0.1:1" } });
    expect(envWins.stderr).toContain("127.0.0.1:1");
    const xWins = await chronik(["consume", "settings", "-e", "-q", "-X", `bootstrap.servers=${broker.bootstrap}`], { brokers: false, env: { CHRONIK_BROKERS: "127.0.0.1:1" } });
    expect(xWins.stdout.toString()).toBe("s\n");
  }, commandTimeoutMs);

  test("a broken config file is one clear line", async () => {
    const config = join(scratch, "broken.toml");
    await writeFile(config, "brokers = [1]\n");
    const result = await chronik(["consume", "settings", "--config", config]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(`chronik consume: Config file "${config}": "brokers" is an array, not a string, number or boolean\n`);
    const missing = await chronik(["consume", "settings", "--config", join(scratch, "nope.toml")]);
    expect(missing.stderr).toContain("does not exist");
  }, commandTimeoutMs);
});
