import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { LineSplitter, splitKey } from "../../src/commands/produce.ts";
import { type Broker, chronikCommand, eventually, run, runOk, startBroker } from "../e2e/harness.ts";

const commandTimeoutMs = 60_000;

describe("LineSplitter", () => {
  test("splits on \\n across chunk boundaries, keeps \\r, and needs no final newline", () => {
    const splitter = new LineSplitter();
    const lines = [
      ...splitter.push(Buffer.from("ab\r\ncd")),
      ...splitter.push(Buffer.from("ef")),
      ...splitter.push(Buffer.from("\n\n\xff\x00x", "latin1")),
    ];
    const last = splitter.end();
    expect(lines.map((line) => Buffer.from(line).toString("latin1"))).toEqual(["ab\r", "cdef", ""]);
    expect(Buffer.from(last!).toString("latin1")).toBe("\xff\x00x");
  });

  test("a trailing newline makes no extra record", () => {
    const splitter = new LineSplitter();
    expect(splitter.push(Buffer.from("a\nb\n"))).toHaveLength(2);
    expect(splitter.end()).toBeNull();
  });
});

describe("splitKey", () => {
  test("splits at the first delimiter only; no delimiter means a null key", () => {
    const split = splitKey(Buffer.from("k::v::w"), Buffer.from("::"));
    expect(Buffer.from(split.key!).toString()).toBe("k");
    expect(Buffer.from(split.value).toString()).toBe("v::w");
    expect(splitKey(Buffer.from("plain"), Buffer.from(":")).key).toBeNull();
    expect(Buffer.from(splitKey(Buffer.from(":v"), Buffer.from(":")).key!).length).toBe(0);
  });
});

describe("chronik produce", () => {
  let broker: Broker;
  beforeAll(async () => {
    broker = await startBroker();
  }, 30_000);
  afterAll(async () => {
    await broker?.cleanup();
  }, 30_000);

  const produce = (args: string[], stdin: string | Uint8Array) =>
    run([...chronikCommand(), "produce", "-b", broker.bootstrap, ...args], { stdin, timeoutMs: commandTimeoutMs });
  const consume = (args: string[]) =>
    runOk([...chronikCommand(), "consume", "-b", broker.bootstrap, "-e", ...args], { timeoutMs: commandTimeoutMs });

  test("keeps binary lines byte for byte", async () => {
    const lines = Array.from({ length: 256 }, (_, i) => Buffer.from([i === 10 ? 11 : i, 0, 0xff, 13, i]));
    const input = Buffer.concat(lines.flatMap((line) => [line, Buffer.from("\n")]));
    const produced = await produce(["-t", "binary"], input);
    expect(produced.exitCode).toBe(0);
    expect(produced.stderr).toBe("");
    const consumed = await consume(["-t", "binary"]);
    expect(consumed.stdout).toEqual(input);
  }, commandTimeoutMs);

  test("splits keys with -K, including escapes like \\t", async () => {
    expect((await produce(["-t", "keyed", "-K", String.raw`\t`], "a\t1\nb\t2\t3\nnokey\n")).exitCode).toBe(0);
    const consumed = await consume(["-t", "keyed", "-f", String.raw`[%k|%s]\n`]);
    expect(consumed.stdout.toString()).toBe("[a|1]\n[b|2\t3]\n[|nokey]\n");
  }, commandTimeoutMs);

  test("produces with each compression codec and acks setting", async () => {
    for (const [codec, acks] of [["gzip", "1"], ["snappy", "all"], ["lz4", "-1"], ["zstd", "0"], ["none", "1"]]) {
      const topic = `codec-${codec}`;
      const input = Array.from({ length: 1000 }, (_, i) => `${codec} record ${i}`).join("\n");
      const produced = await produce(["-t", topic, "-z", codec, "--acks", acks, "--linger-ms", "1", "--batch-bytes", "4KiB"], input);
      expect(produced.exitCode).toBe(0);
      // With acks 0 the producer exits without knowing whether the broker has appended yet.
      const allRead = async () => {
        const text = (await consume(["-t", topic])).stdout.toString();
        return text.split("\n").length > 1000 ? text : null;
      };
      expect(await eventually(allRead, `1000 records of "${topic}" readable`, { waitMs: 10_000, pollMs: 100 })).toBe(`${input}\n`);
    }
  }, commandTimeoutMs);

  test("sends every record to the partition given with -p", async () => {
    await runOk([...chronikCommand(), "produce", "-b", broker.bootstrap, "-t", "spread", "-p", "0"], { stdin: "x\n", timeoutMs: commandTimeoutMs });
    const consumed = await consume(["-t", "spread", "-f", String.raw`%p\n`]);
    expect(consumed.stdout.toString()).toBe("0\n");
  }, commandTimeoutMs);

  test("a delivery failure is one line on stderr and a non-zero exit", async () => {
    const produced = await produce(["-t", "binary", "-p", "9"], "x\n");
    expect(produced.exitCode).toBe(1);
    expect(produced.stderr).toBe('chronik produce: Partition 9 of topic "binary" does not exist: the topic has 1 partitions\n');
  }, commandTimeoutMs);

  test("an unreachable broker is reported without a stack trace", async () => {
    const produced = await run([...chronikCommand(), "produce", "-b", "127.0.0.1:1", "-t", "x"], { stdin: "x\n", timeoutMs: commandTimeoutMs });
    expect(produced.exitCode).toBe(1);
    expect(produced.stderr.trim().split("\n")).toEqual(['chronik produce: Cannot connect to broker "127.0.0.1:1": ECONNREFUSED']);
  }, commandTimeoutMs);
});
