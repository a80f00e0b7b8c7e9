// The README's commands, run as written: the quick start's start command is the broker itself
// (SIGTERM stops it and frees its ports), the examples below it work against it, and the
// single-executable block can be followed in order. Only ports and the data folder are
// replaced, since tests may not use fixed ports.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { compileOptions } from "../../scripts/compile.ts";
import { eventually, freePort, loopbackHost, makeTempDir, repoRoot, run, listening } from "./harness.ts";
import { settlesWithin } from "../support/wait.ts";

const commandTimeoutMs = 30_000;
const stopWaitMs = 15_000;
const readme = readFileSync(join(repoRoot, "README.md"), "utf8");

/** The shell lines of the ```sh blocks in the README section titled `title`. */
function sectionCommands(title: string): string[] {
  const start = readme.indexOf(`\n## ${title}\n`);
  if (start === -1) throw new Error(`README has no section "${title}"`);
  const end = readme.indexOf("\n## ", start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]!);
  return blocks.flatMap((block) => block.split("\n")).filter((line) => line.trim() !== "" && !line.trimStart().startsWith("#"));
}


/** Pids of the processes listening on these loopback ports (from `ss`), for cleaning up after a failure. */
async function listenerPids(ports: number[]): Promise<number[]> {
  const result = await run(["ss", "-Hltnp"], { timeoutMs: 10_000 });
  const pids = new Set<number>();
  for (const line of result.stdout.toString("utf8").split("\n")) {
    if (!ports.some((port) => line.includes(`${loopbackHost}:${port} `))) continue;
    for (const match of line.matchAll(/pid=(\d+)/g)) pids.add(Number(match[1]));
  }
  return [...pids];
}

describe("README quick start", () => {
  const lines = sectionCommands("Quick start");
  const startLine = lines.find((line) => line.includes("main.ts serve"));
  let folder: string;
  let kafkaPort: number;
  let httpPort: number;
  let broker: Subprocess<"ignore", "pipe", "pipe"> | undefined;
  let log = "";

  /** A README line with the README's ports replaced by this test's. */
  function localized(line: string): string {
    return line.replaceAll("127.0.0.1:9092", `${loopbackHost}:${kafkaPort}`).replaceAll("localhost:6092", `${loopbackHost}:${httpPort}`);
  }

  beforeAll(async () => {
    folder = await makeTempDir("readme");
    kafkaPort = await freePort();
    do httpPort = await freePort();
    while (httpPort === kafkaPort);
    if (startLine === undefined) throw new Error("The quick start has no `main.ts serve` line");
    // The start command exactly as the README has it (after `npm ci &&`, which the test run has done).
    const argv = startLine.replace(/^npm ci && /, "").trim().split(/\s+/);
    const dataAt = argv.indexOf("./chronik-data");
    if (dataAt === -1) throw new Error(`The start command "${startLine}" has no ./chronik-data`);
    argv[dataAt] = join(folder, "chronik-data");
    broker = Bun.spawn([...argv, "--host", loopbackHost, "--port", String(kafkaPort), "--http-port", String(httpPort)], {
      cwd: repoRoot,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    void (async () => {
      for await (const chunk of broker.stderr) log = (log + new TextDecoder().decode(chunk)).slice(-65_536);
    })();
    await eventually(async () => (await fetch(`http://${loopbackHost}:${httpPort}/health`).catch(() => null))?.status === 200, "the README's broker answers /health", {
      waitMs: commandTimeoutMs,
    });
  }, commandTimeoutMs + 5_000);

  afterAll(async () => {
    if (broker !== undefined && broker.exitCode === null && broker.signalCode === null) {
      broker.kill("SIGKILL");
      await broker.exited;
    }
    // A failed SIGTERM test leaves the broker orphaned beside a dead wrapper: end it by its pid.
    for (const pid of await listenerPids([kafkaPort, httpPort])) process.kill(pid, "SIGKILL");
    await rm(folder, { recursive: true, force: true });
  });

  test("the examples below the start command work against it, search included", async () => {
    const env = { CHRONIK_URL: `http://${loopbackHost}:${httpPort}` };
    const examples = lines.filter((line) => line !== startLine);
    const isSearch = (line: string) => /main\.ts search |\/_search/.test(line);
    expect(examples.filter(isSearch).length).toBeGreaterThan(0);
    for (const line of examples.filter((line) => !isSearch(line))) {
      const result = await run(["sh", "-c", localized(line)], { timeoutMs: commandTimeoutMs, env });
      expect(result.exitCode, `"${line}": ${result.stderr}`).toBe(0);
    }
    for (const line of examples.filter(isSearch)) {
      // Records become searchable shortly after they are acknowledged: poll until they are.
      await eventually(async () => {
        const result = await run(["sh", "-c", localized(line)], { timeoutMs: commandTimeoutMs, env });
        return result.exitCode === 0 && result.stdout.toString("utf8").includes("hello");
      }, `"${line}" finds "hello"\n${log}`);
    }
  }, 4 * commandTimeoutMs);

  test("SIGTERM to the started process stops the broker and frees both ports", async () => {
    const started = broker!;
    expect(started.exitCode).toBeNull();
    started.kill("SIGTERM");
    expect(await settlesWithin(started.exited, stopWaitMs)).toBe(true);
    // The process the README starts may be a wrapper: what matters is that no broker is left.
    await eventually(async () => !(await listening(kafkaPort)) && !(await listening(httpPort)), "no listener on the Kafka and HTTP ports", { waitMs: stopWaitMs });
    expect(log).toContain("Broker stopped");
  }, 2 * stopWaitMs + 5_000);
});

describe("README single executable", () => {
  test("the build lines write the executable the run line starts, and a cross build does not overwrite it", () => {
    const lines = sectionCommands("Single executable");
    const built = new Map<string, string>();
    let ran = 0;
    for (const line of lines) {
      const command = line.replace(/#.*$/, "").trim().split(/\s+/);
      const script = command.indexOf("scripts/compile.ts");
      if (script !== -1) {
        const options = compileOptions(command.slice(script + 1));
        if (options === "help") throw new Error(`"${line}" only prints help`);
        built.set(options.outfile, options.target ?? "host");
        continue;
      }
      const executable = resolve(repoRoot, command[0]!);
      expect(built.get(executable), `"${line}" runs what was built for this machine`).toBe("host");
      ran++;
    }
    expect(ran).toBeGreaterThan(0);
    expect([...built.values()]).toContain("bun-linux-arm64");
  });
});
