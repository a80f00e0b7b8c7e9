// `chronik consume` against a real broker: every format token, every offset form, partition
// lists, regex topics, -n, -q, JSON output, and -e on a topic a producer keeps writing to.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Broker, chronikCommand, eventually, run, runOk, startBroker } from "./harness.ts";
import { letRealTimePass } from "../support/wait.ts";

const commandTimeoutMs = 60_000;
const baseTime = 1_700_000_000_000;
const minuteMs = 60_000;
const recordCount = 10;

let broker: Broker;

const chronik = (args: string[], stdin?: string | Uint8Array) =>
  run([...chronikCommand(), ...args, "-b", broker.bootstrap], { stdin, timeoutMs: commandTimeoutMs });
/** How many records `topic` holds (the sum of its high watermarks); 0 while it does not exist. */
async function storedCount(topic: string): Promise<number> {
  const described = await chronik(["topic", "describe", topic, "--format", "json"]);
  if (described.exitCode !== 0) return 0;
  const partitions = (JSON.parse(described.stdout.toString()) as { partitions: { highWatermark: number }[] }).partitions;
  return partitions.reduce((sum, partition) => sum + partition.highWatermark, 0);
}

const consumeText = async (args: string[]) => {
  const result = await chronik(["consume", ...args]);
  if (result.exitCode !== 0) throw new Error(`consume ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout.toString();
};

beforeAll(async () => {
  broker = await startBroker({ args: ["--default-partitions", "3"] });
  // "timed": one partition, record i at baseTime + i minutes, key k<i>, value v<i>, header n=<i>.
  let input = "";
  for (let i = 0; i < recordCount; i++) input += `0 ${baseTime + i * minuteMs} k${i} 1 n=${i};v${i}\n`;
  await runOk([...chronikCommand(), "produce", "timed", "-b", broker.bootstrap, "-f", String.raw`%p %d %k %H %h{%k=%v;}%v\n`], { stdin: input, timeoutMs: commandTimeoutMs });
  for (const topic of ["logs-a", "logs-b", "other"]) {
    await runOk([...chronikCommand(), "produce", topic, "-b", broker.bootstrap, "-k", "same"], { stdin: `${topic} 1\n${topic} 2\n`, timeoutMs: commandTimeoutMs });
  }
}, 60_000);

afterAll(async () => {
  await broker?.cleanup();
}, 30_000);

describe("consume -f tokens", () => {
  test("every token of one record, against the broker", async () => {
    const format = String.raw`%t|%p|%o|%e|%d|%d{unix}|%d{rfc3339}|%T|%k|%K|%v|%s|%V|%S|%H|%h|%h{<%k:%v>}|%k{hex}|%v{base64}|%a{compression}|%a{timestamp-type}|%a{transactional-bit}|%a{control-bit}|%%\t\x41\n`;
    const output = await consumeText(["timed", "-o", "3", "-n", "1", "-f", format]);
    const time = baseTime + 3 * minuteMs;
    // %e is the batch's partitionLeaderEpoch: -1 as clients write it, 0 once a broker stamps its epoch.
    expect(output.replace("|3|-1|", "|3|0|")).toBe(
      `timed|0|3|0|${time}|${Math.floor(time / 1000)}|${new Date(time).toISOString()}|${time}|k3|2|v3|v3|2|2|1|n=3|<n:3>|6b33|djM=|none|CreateTime|0|0|%\tA\n`,
    );
  }, commandTimeoutMs);

  test("%a{compression} names the codec a producer used", async () => {
    await runOk([...chronikCommand(), "produce", "zipped", "-b", broker.bootstrap, "-z", "zstd", "-p", "0"], { stdin: "x\n", timeoutMs: commandTimeoutMs });
    expect(await consumeText(["zipped", "-e", "-q", "-f", String.raw`%a{compression}\n`])).toBe("zstd\n");
  }, commandTimeoutMs);

  test("-f json: one object per record", async () => {
    const lines = (await consumeText(["timed", "-o", "0:2", "-f", "json"])).trim().split("\n").map((line) => JSON.parse(line));
    expect(lines).toEqual([0, 1].map((i) => ({ topic: "timed", partition: 0, offset: i, timestamp: baseTime + i * minuteMs, key: `k${i}`, value: `v${i}`, headers: [{ key: "n", value: String(i) }] })));
  }, commandTimeoutMs);
});

describe("consume -o", () => {
  const offsetsFor = async (spec: string, extra: string[] = []) =>
    (await consumeText(["timed", "-q", "-o", spec, "-f", String.raw`%o\n`, ...extra])).trim().split("\n").filter((line) => line !== "").map(Number);
  const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
  const iso = (minute: number) => new Date(baseTime + minute * minuteMs).toISOString();

  const cases: Array<[string, number[], string[]?]> = [
    ["start", range(0, 10), ["-e"]],
    ["oldest", range(0, 10), ["-e"]],
    ["beginning", range(0, 10), ["-e"]],
    ["end", [], ["-e"]],
    ["newest", [], ["-e"]],
    ["4", range(4, 10), ["-e"]],
    ["4:", range(4, 10), ["-e"]],
    ["+3", range(3, 10), ["-e"]],
    ["-3", range(7, 10), ["-e"]],
    [":end", range(0, 10)],
    [":4", range(0, 4)],
    ["2:5", range(2, 5)],
    ["-2:end", range(8, 10)],
    [`@${baseTime + 6 * minuteMs}`, range(6, 10), ["-e"]],
    [`@${(baseTime + 6 * minuteMs) / 1000}`, range(6, 10), ["-e"]],
    [`@${iso(6)}`, range(6, 10), ["-e"]],
    [`@${iso(2)}:${iso(5)}`, range(2, 5)],
    [`@:${baseTime + 3 * minuteMs}`, range(0, 3)],
    [`@${baseTime + 2 * minuteMs}:+2m`, range(2, 4)],
    [`s@${baseTime + 8 * minuteMs}`, range(8, 10), ["-e"]],
    [`e@${baseTime + 2 * minuteMs}`, range(0, 2)],
    ["@2023-11-14", range(0, 10), ["-e"]],
  ];
  for (const [spec, expected, extra] of cases) {
    test(`-o ${spec}`, async () => {
      expect(await offsetsFor(spec, extra)).toEqual(expected);
    }, commandTimeoutMs);
  }

  test("@-1h counts back from now", async () => {
    const now = Date.now();
    const input = [now - 2 * 3_600_000, now - 30 * minuteMs, now - 1000].map((time, i) => `${time} r${i}\n`).join("");
    await runOk([...chronikCommand(), "produce", "recent", "-b", broker.bootstrap, "-p", "0", "-f", String.raw`%d %v\n`], { stdin: input, timeoutMs: commandTimeoutMs });
    expect(await consumeText(["recent", "-q", "-e", "-o", "@-1h"])).toBe("r1\nr2\n");
    expect(await consumeText(["recent", "-q", "-o", "@-3h:-1h"])).toBe("r0\n");
  }, commandTimeoutMs);
});

describe("consume flags", () => {
  test("-p 0,2 reads only those partitions", async () => {
    await runOk([...chronikCommand(), "produce", "spread", "-b", broker.bootstrap, "-f", String.raw`%p %v\n`], { stdin: "0 a\n1 b\n2 c\n0 d\n", timeoutMs: commandTimeoutMs });
    const output = await consumeText(["spread", "-e", "-q", "-p", "0,2", "-f", String.raw`%p%v\n`]);
    expect(output.trim().split("\n").sort()).toEqual(["0a", "0d", "2c"]);
  }, commandTimeoutMs);

  test("-r matches whole topic names; several topics share stdout", async () => {
    const output = await consumeText(["logs-.*", "-r", "-e", "-q", "-f", String.raw`%t %v\n`]);
    expect(output.trim().split("\n").sort()).toEqual(["logs-a logs-a 1", "logs-a logs-a 2", "logs-b logs-b 1", "logs-b logs-b 2"]);
    const two = await consumeText(["-t", "logs-a", "-t", "other", "-e", "-q", "-f", String.raw`%t\n`]);
    expect(two.trim().split("\n").sort()).toEqual(["logs-a", "logs-a", "other", "other"]);
    const none = await chronik(["consume", "nothing-.*", "-r", "-e"]);
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toBe('chronik consume: No topic matches "nothing-.*"\n');
  }, commandTimeoutMs);

  test("-n and -c stop after N records; -q silences the end notice", async () => {
    expect(await consumeText(["timed", "-n", "3"])).toBe("v0\nv1\nv2\n");
    expect(await consumeText(["timed", "-c", "2", "-o", "5"])).toBe("v5\nv6\n");
    const loud = await chronik(["consume", "timed", "-e"]);
    expect(loud.stderr).toBe('% Reached the end of topic "timed": 10 records\n');
    const quiet = await chronik(["consume", "timed", "-e", "-q"]);
    expect(quiet.stderr).toBe("");
  }, commandTimeoutMs);

  test("-e exits on a topic that a producer keeps writing to", async () => {
    const producer = Bun.spawn([...chronikCommand(), "produce", "busy", "-b", broker.bootstrap, "--linger-ms", "0"], { stdin: "pipe", stdout: "ignore", stderr: "pipe" });
    let written = 0;
    let writing = true;
    const feeder = (async () => {
      while (writing) {
        producer.stdin.write(`record ${written++}\n`);
        await producer.stdin.flush();
        await letRealTimePass(5, "a producer that keeps writing, one record every 5 ms");
      }
      await producer.stdin.end();
    })();
    try {
      await eventually(async () => (await storedCount("busy")) > 10, "more than 10 records in \"busy\"", { waitMs: 20_000, pollMs: 100 });
      const result = await chronik(["consume", "busy", "-e", "-q", "-f", String.raw`%p %o\n`]);
      expect(result.exitCode).toBe(0);
      expect(result.stdout.toString().trim().split("\n").length).toBeGreaterThan(10);
    } finally {
      writing = false;
      await feeder;
      await producer.exited;
    }
  }, commandTimeoutMs);

  test("-G resumes from the group's committed offsets and leaves the group", async () => {
    await runOk([...chronikCommand(), "produce", "grouped", "-b", broker.bootstrap], { stdin: Array.from({ length: 30 }, (_, i) => `g${i}`).join("\n"), timeoutMs: commandTimeoutMs });
    const first = await consumeText(["grouped", "-G", "readers", "-e", "-q"]);
    expect(first.trim().split("\n").sort()).toEqual(Array.from({ length: 30 }, (_, i) => `g${i}`).sort());
    await runOk([...chronikCommand(), "produce", "grouped", "-b", broker.bootstrap], { stdin: "late-1\nlate-2\n", timeoutMs: commandTimeoutMs });
    expect((await consumeText(["grouped", "-G", "readers", "-e", "-q"])).trim().split("\n").sort()).toEqual(["late-1", "late-2"]);
    expect(await consumeText(["grouped", "-G", "readers", "-e", "-q"])).toBe("");
    // Another group starts from -o.
    expect((await consumeText(["grouped", "-G", "others", "-e", "-q", "-o", "end"]))).toBe("");
    const described = await runOk([...chronikCommand(), "group", "describe", "readers", "-b", broker.bootstrap, "--format", "json"], { timeoutMs: commandTimeoutMs });
    expect(described.stdout.toString()).toContain('"state":"Empty"');
  }, commandTimeoutMs);

  test("-G on Ctrl-C commits what it wrote and leaves; the next member goes on from there", async () => {
    await runOk([...chronikCommand(), "produce", "interrupted", "-b", broker.bootstrap], { stdin: "i1\ni2\ni3\n", timeoutMs: commandTimeoutMs });
    const member = Bun.spawn([...chronikCommand(), "consume", "interrupted", "-G", "stoppers", "-q", "-b", broker.bootstrap], { stdout: "pipe", stderr: "pipe" });
    const reader = member.stdout.getReader();
    let seen = "";
    while (seen.split("\n").length < 4) seen += new TextDecoder().decode((await reader.read()).value);
    member.kill("SIGINT");
    expect(await member.exited).toBe(0);
    expect(seen.trim().split("\n").sort()).toEqual(["i1", "i2", "i3"]);
    await runOk([...chronikCommand(), "produce", "interrupted", "-b", broker.bootstrap], { stdin: "i4\n", timeoutMs: commandTimeoutMs });
    expect(await consumeText(["interrupted", "-G", "stoppers", "-e", "-q"])).toBe("i4\n");
  }, commandTimeoutMs);

  test("-G with two members: every record once, split between them", async () => {
    await runOk([...chronikCommand(), "produce", "shared", "-b", broker.bootstrap, "-f", String.raw`%p %v\n`], {
      stdin: Array.from({ length: 90 }, (_, i) => `${i % 3} s${i}`).join("\n"),
      timeoutMs: commandTimeoutMs,
    });
    const [a, b] = await Promise.all([consumeText(["shared", "-G", "pair", "-e", "-q"]), consumeText(["shared", "-G", "pair", "-e", "-q"])]);
    const all = [...a.trim().split("\n"), ...b.trim().split("\n")].filter((line) => line !== "");
    expect(all.sort()).toEqual(Array.from({ length: 90 }, (_, i) => `s${i}`).sort());
  }, commandTimeoutMs);

  test("-e exits in group mode on a topic that a producer keeps writing to", async () => {
    const producer = Bun.spawn([...chronikCommand(), "produce", "busy-group", "-b", broker.bootstrap, "--linger-ms", "0"], { stdin: "pipe", stdout: "ignore", stderr: "pipe" });
    let writing = true;
    const feeder = (async () => {
      for (let written = 0; writing; written++) {
        producer.stdin.write(`record ${written}\n`);
        await producer.stdin.flush();
        await letRealTimePass(5, "a producer that keeps writing, one record every 5 ms");
      }
      await producer.stdin.end();
    })();
    try {
      await eventually(async () => (await storedCount("busy-group")) > 10, "more than 10 records in \"busy-group\"", { waitMs: 20_000, pollMs: 100 });
      const result = await chronik(["consume", "busy-group", "-G", "busy-readers", "-e", "-q"]);
      expect(result.exitCode).toBe(0);
      expect(result.stdout.toString().trim().split("\n").length).toBeGreaterThan(10);
    } finally {
      writing = false;
      await feeder;
      await producer.exited;
    }
  }, commandTimeoutMs);

  test("produce and consume pointed at chronik's HTTP port say so in one line", async () => {
    const httpAddress = `${broker.host}:${broker.httpPort}`;
    for (const [args, stdin] of [
      [["consume", "timed", "-e", "-b", httpAddress], undefined],
      [["produce", "timed", "-b", httpAddress], "x\n"],
    ] as Array<[string[], string | undefined]>) {
      const result = await run([...chronikCommand(), ...args], { stdin, timeoutMs: commandTimeoutMs });
      expect(result.exitCode, args.join(" ")).not.toBe(0);
      expect(result.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
      expect(result.stderr).toContain("this is chronik's HTTP port");
      expect(result.stderr).not.toContain("1213486160");
    }
  }, commandTimeoutMs);

  test("bad flags and missing topics: one line on stderr, non-zero exit, nothing on stdout", async () => {
    for (const [args, message] of [
      [["consume", "timed", "-o", "yesterday"], '"yesterday" is not an offset'],
      [["consume", "timed", "-f", "%q"], 'unknown token "%q"'],
      [["consume", "timed", "-p", "x"], "not a list of partitions"],
      [["consume", "timed", "-n", "0"], "not a positive whole number"],
      [["consume", "timed", "-X", "nope=1"], '"nope" is not a known client setting'],
      [["consume", "absent", "-e"], 'Topic "absent" does not exist'],
      [["consume", "timed", "-p", "7", "-e"], "Partition 7 of topic"],
      [["consume", "-e"], "No topic given"],
      [["consume", "(", "-r"], "is not a regular expression"],
      [["consume", "timed", "-G", "g", "-p", "0"], "-p cannot be used with -G"],
      [["consume", "timed", "-o", "5:2"], '"5:2" is an empty range'],
    ] as Array<[string[], string]>) {
      const result = await chronik(args);
      expect(result.exitCode, args.join(" ")).not.toBe(0);
      expect(result.stdout.length).toBe(0);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).toContain(message);
    }
  }, commandTimeoutMs);
});
