import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { parseOffset, parseOutputFormat, parsePartitionList } from "../../src/commands/consume.ts";
import { type Broker, chronikCommand, run, runOk, startBroker } from "../e2e/harness.ts";

const commandTimeoutMs = 60_000;

describe("consume flag parsers", () => {
  test("offsets, partition lists and output formats", () => {
    expect(parseOffset("-5")).toEqual({ start: { fromEnd: 5 }, stopAt: null });
    expect(() => parseOffset("soon")).toThrow('"soon" is not an offset');
    expect(parsePartitionList("0, 2")).toEqual([0, 2]);
    expect(() => parsePartitionList("0,x")).toThrow("not a list of partitions");
    expect(parseOutputFormat("json")).toEqual({ kind: "json" });
    expect(() => parseOutputFormat("%q")).toThrow('unknown token "%q"');
  });
});

describe("chronik consume", () => {
  let broker: Broker;
  const lines = Array.from({ length: 100 }, (_, i) => `line ${i}`);

  beforeAll(async () => {
    broker = await startBroker({ args: ["--default-partitions", "3"] });
    const keyed = lines.map((line, i) => `key${i % 10}:${line}`).join("\n");
    await runOk([...chronikCommand(), "produce", "-b", broker.bootstrap, "-t", "lines", "-K", ":"], { stdin: keyed, timeoutMs: commandTimeoutMs });
  }, 60_000);
  afterAll(async () => {
    await broker?.cleanup();
  }, 30_000);

  const consume = (args: string[]) => run([...chronikCommand(), "consume", "-b", broker.bootstrap, "-t", "lines", ...args], { timeoutMs: commandTimeoutMs });

  test("-e reads all partitions to their end; the default format is the value and a newline", async () => {
    const result = await consume(["-e", "-q"]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout.toString().split("\n").slice(0, -1).sort()).toEqual([...lines].sort());
  }, commandTimeoutMs);

  test("each partition comes out in offset order", async () => {
    const result = await consume(["-e", "-f", String.raw`%p %o\n`]);
    const byPartition = new Map<string, number[]>();
    for (const row of result.stdout.toString().trim().split("\n")) {
      const [partition, offset] = row.split(" ");
      byPartition.set(partition, [...(byPartition.get(partition) ?? []), Number(offset)]);
    }
    let total = 0;
    for (const offsets of byPartition.values()) {
      expect(offsets).toEqual(offsets.map((_, i) => i));
      total += offsets.length;
    }
    expect(total).toBe(100);
  }, commandTimeoutMs);

  test("-p, -o <offset> and -c select a slice", async () => {
    const all = (await consume(["-e", "-p", "1", "-f", String.raw`%o %k %s\n`])).stdout.toString().trim().split("\n");
    const slice = await consume(["-p", "1", "-o", "2", "-c", "3", "-f", String.raw`%o %k %s\n`]);
    expect(slice.exitCode).toBe(0);
    expect(slice.stdout.toString().trim().split("\n")).toEqual(all.slice(2, 5));
  }, commandTimeoutMs);

  test("-o -N starts N records before the end, -o end with -e prints nothing", async () => {
    const all = (await consume(["-e", "-p", "2"])).stdout.toString().trim().split("\n");
    expect((await consume(["-e", "-p", "2", "-o", "-2"])).stdout.toString().trim().split("\n")).toEqual(all.slice(-2));
    const atEnd = await consume(["-e", "-o", "end"]);
    expect(atEnd.exitCode).toBe(0);
    expect(atEnd.stdout.length).toBe(0);
  }, commandTimeoutMs);

  test("errors are one line on stderr with a non-zero exit", async () => {
    const missing = await run([...chronikCommand(), "consume", "-b", broker.bootstrap, "-t", "absent", "-e"], { timeoutMs: commandTimeoutMs });
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toBe('chronik consume: Topic "absent" does not exist\n');
    const badFormat = await consume(["-e", "-f", "%q"]);
    expect(badFormat.exitCode).not.toBe(0);
    expect(badFormat.stderr).toContain('unknown token "%q"');
    expect(badFormat.stdout.length).toBe(0);
  }, commandTimeoutMs);
});
