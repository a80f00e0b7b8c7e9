// chronik's own client CLI against chronik: `chronik produce | chronik consume` round trips, both
// directions against kcat, and the compiled single executable (scripts/compile.ts) running from a
// folder without node_modules: serve, produce and consume with nothing but that file.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFile, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import {
  assertSameBytes,
  type Broker,
  chronikCommand,
  kcat,
  makeTempDir,
  repoRoot,
  runOk,
  startBroker,
  variedValue,
} from "./harness.ts";

const recordCount = 3000;
const commandTimeoutMs = 60_000;
const compileTimeoutMs = 180_000;
const keyDelimiter = "\t";

let broker: Broker;

beforeAll(async () => {
  broker = await startBroker();
}, 30_000);

afterAll(async () => {
  await broker?.cleanup();
}, 30_000);

function keyFor(index: number): string | undefined {
  return index % 5 === 0 ? undefined : `k${index % 313}`;
}

function keyedInput(count: number): string {
  let text = "";
  for (let index = 0; index < count; index++) {
    const key = keyFor(index);
    text += key === undefined ? `${variedValue(index)}\n` : `${key}${keyDelimiter}${variedValue(index)}\n`;
  }
  return text;
}

/** What `-f '%o:%k\t%s\n'` prints for the records of `keyedInput(count)`. */
function expectedOutput(count: number): string {
  let text = "";
  for (let index = 0; index < count; index++) text += `${index}:${keyFor(index) ?? ""}\t${variedValue(index)}\n`;
  return text;
}

// The format is passed as a user types it in a shell: backslash escapes, expanded by the CLI as kcat does.
const consumeFormat = String.raw`%o:%k\t%s\n`;

function produceArgs(target: Broker, topic: string, extra: string[] = []): string[] {
  return ["produce", "-b", target.bootstrap, "-t", topic, "-K", keyDelimiter, "--acks=-1", ...extra];
}

function consumeArgs(target: Broker, topic: string): string[] {
  return ["consume", "-b", target.bootstrap, "-t", topic, "-p", "0", "-o", "beginning", "-e", "-f", consumeFormat];
}

describe("chronik CLI", () => {
  for (const codec of ["none", "gzip", "snappy", "lz4", "zstd"]) {
    test(`chronik produce | chronik consume, compression "${codec}"`, async () => {
      const topic = `cli-${codec}`;
      await runOk([...chronikCommand(), ...produceArgs(broker, topic, ["-z", codec])], {
        stdin: keyedInput(recordCount),
        timeoutMs: commandTimeoutMs,
      });
      const consumed = await runOk([...chronikCommand(), ...consumeArgs(broker, topic)], { timeoutMs: commandTimeoutMs });
      assertSameBytes(consumed.stdout, Buffer.from(expectedOutput(recordCount)), `chronik consume of "${topic}"`);
    }, 120_000);
  }

  test("consume with -o <offset> and -c <count>", async () => {
    const topic = "cli-offsets";
    await runOk([...chronikCommand(), "produce", "-b", broker.bootstrap, "-t", topic], {
      stdin: Array.from({ length: 2000 }, (_, index) => `${variedValue(index)}\n`).join(""),
      timeoutMs: commandTimeoutMs,
    });
    const consumed = await runOk(
      [...chronikCommand(), "consume", "-b", broker.bootstrap, "-t", topic, "-p", "0", "-o", "1234", "-c", "3", "-f", String.raw`%p %o %s\n`],
      { timeoutMs: commandTimeoutMs },
    );
    const expected = [1234, 1235, 1236].map((offset) => `0 ${offset} ${variedValue(offset)}\n`).join("");
    assertSameBytes(consumed.stdout, Buffer.from(expected), "chronik consume -o 1234 -c 3");
  }, 60_000);

  test("chronik produce is read identically by kcat", async () => {
    const topic = "cli-to-kcat";
    await runOk([...chronikCommand(), ...produceArgs(broker, topic)], { stdin: keyedInput(recordCount), timeoutMs: commandTimeoutMs });
    const consumed = await runOk(kcat(broker, ["-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-f", consumeFormat]), {
      timeoutMs: commandTimeoutMs,
    });
    assertSameBytes(consumed.stdout, Buffer.from(expectedOutput(recordCount)), `kcat read of "${topic}"`);
  }, 120_000);

  test("kcat produce is read identically by chronik consume", async () => {
    const topic = "kcat-to-cli";
    await runOk(kcat(broker, ["-P", "-t", topic, "-p", "0", "-K", keyDelimiter, "-z", "zstd"]), {
      stdin: keyedInput(recordCount),
      timeoutMs: commandTimeoutMs,
    });
    const consumed = await runOk([...chronikCommand(), ...consumeArgs(broker, topic)], { timeoutMs: commandTimeoutMs });
    assertSameBytes(consumed.stdout, Buffer.from(expectedOutput(recordCount)), `chronik consume of "${topic}"`);
  }, 120_000);
});

describe("compiled executable", () => {
  test("scripts/compile.ts builds dist/chronik that serves (console and metrics included), produces and consumes without node_modules", async () => {
    const built = await runOk([join(repoRoot, "node_modules/.bin/bun"), join(repoRoot, "scripts/compile.ts")], {
      timeoutMs: compileTimeoutMs,
    });
    expect(built.stdout.toString("utf8")).toContain("MiB");
    const folder = await makeTempDir("binary");
    const binary = join(folder, "chronik");
    await copyFile(join(repoRoot, "dist/chronik"), binary);
    expect(await readdir(folder)).toEqual(["chronik"]);
    const standalone = await startBroker({ command: [binary], cwd: folder });
    try {
      const topic = "binary-roundtrip";
      await runOk([binary, ...produceArgs(standalone, topic, ["-z", "lz4"])], {
        stdin: keyedInput(recordCount),
        timeoutMs: commandTimeoutMs,
        cwd: folder,
      });
      const consumed = await runOk([binary, ...consumeArgs(standalone, topic)], { timeoutMs: commandTimeoutMs, cwd: folder });
      assertSameBytes(consumed.stdout, Buffer.from(expectedOutput(recordCount)), "compiled chronik consume");
      // The console and the metrics are inside the executable too.
      const http = `http://${standalone.host}:${standalone.httpPort}`;
      expect(await (await fetch(`${http}/`)).text()).toContain('<script type="module" src="/console/app.js">');
      expect((await (await fetch(`${http}/console/app.js`)).text()).length).toBeGreaterThan(10_000);
      expect(await (await fetch(`${http}/metrics`)).text()).toContain(`chronik_produced_records_total{topic="${topic}"} ${recordCount}`);
      expect(await standalone.stop()).toBe(0);
    } finally {
      await standalone.cleanup();
      await rm(folder, { recursive: true, force: true });
    }
  }, compileTimeoutMs + 120_000);
});
