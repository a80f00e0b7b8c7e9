// End-to-end harness: runs `chronik serve` as a child process on loopback with free ports and a
// temporary data directory, and runs other programs (kcat, python, the chronik CLI) with captured
// stdin/stdout and a timeout. Every wait here is bounded, so a hung broker fails a test instead of
// hanging CI.

import { appendFileSync, closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { eventually, settlesWithin } from "../support/wait.ts";

export const repoRoot = resolve(import.meta.dir, "../..");
export const loopbackHost = "127.0.0.1";
export const pythonPath = "/usr/bin/python3";

const healthWaitMs = 15_000;
const healthPollMs = 100;
const stopWaitMs = 10_000;
/** How much of a broker's log `log` and `logSince` return at most: its newest bytes. */
const logReadBytesMax = 256 * 1024;
const logEchoIntervalMs = 100;
// CHRONIK_E2E_LOG=1 echoes every broker's output to stderr, for debugging a failing test.
const echoBrokerLog = process.env.CHRONIK_E2E_LOG === "1";

/**
 * The command that starts chronik: `CHRONIK_BIN` when set (a compiled binary), otherwise the
 * repository's own Bun running main.ts, so the tests never depend on how the runner was started.
 */
export function chronikCommand(): string[] {
  const bin = process.env.CHRONIK_BIN;
  if (bin) return [resolve(bin)];
  return [join(repoRoot, "node_modules/.bin/bun"), join(repoRoot, "main.ts")];
}

export { eventually } from "../support/wait.ts";

/** A TCP port that was free a moment ago, found by binding port 0 on loopback. */
export async function freePort(): Promise<number> {
  return await new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, loopbackHost, () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("Cannot find a free port: no address after listen"));
        return;
      }
      server.close(() => resolvePort(address.port));
    });
  });
}

export async function makeTempDir(prefix: string): Promise<string> {
  return await mkdtemp(join(tmpdir(), `chronik-${prefix}-`));
}

export type RunResult = {
  exitCode: number | null;
  signal: Subprocess["signalCode"];
  stdout: Buffer;
  stderr: string;
  timedOut: boolean;
};

export type RunOptions = {
  stdin?: string | Uint8Array;
  timeoutMs: number;
  cwd?: string;
  env?: Record<string, string | undefined>;
};

/** Runs a command to completion (or until `timeoutMs`, then SIGKILL) and captures its output. */
export async function run(command: string[], options: RunOptions): Promise<RunResult> {
  const child = Bun.spawn(command, {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, ...options.env },
    stdin: options.stdin === undefined ? "ignore" : "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, options.timeoutMs);
  if (options.stdin !== undefined && child.stdin) {
    child.stdin.write(options.stdin);
    await child.stdin.end();
  }
  const [stdout, stderr] = await Promise.all([
    new Response(child.stdout).arrayBuffer(),
    new Response(child.stderr).text(),
  ]);
  await child.exited;
  clearTimeout(timer);
  return {
    exitCode: child.exitCode,
    signal: child.signalCode,
    stdout: Buffer.from(stdout),
    stderr,
    timedOut,
  };
}

/** Like `run`, but throws with the command's stderr when it fails or times out. */
export async function runOk(command: string[], options: RunOptions): Promise<RunResult> {
  const result = await run(command, options);
  if (result.timedOut || result.exitCode !== 0) {
    const how = result.timedOut ? `timed out after ${options.timeoutMs} ms` : `exited with code ${result.exitCode}`;
    throw new Error(`Command "${command.join(" ")}" ${how}: ${result.stderr.slice(-4000)}`);
  }
  return result;
}

export type BrokerOptions = {
  /** Extra `serve` flags, e.g. `["--default-partitions", "3"]`. */
  args?: string[];
  /** Reuse a data directory instead of creating a temporary one (not removed by `cleanup`). */
  dataDir?: string;
  /** The command that starts chronik (default: `chronikCommand()`). */
  command?: string[];
  /** Working directory of the broker process (default: the repository). */
  cwd?: string;
  /** Also an SSL listener, on `sslPort` (its --tls-* flags go in `args`). */
  ssl?: boolean;
  /** More listeners besides PLAINTEXT, each on a free port (`listenerPorts`); TLS and SASL flags go in `args`. */
  listeners?: Array<"SSL" | "SASL_SSL" | "SASL_PLAINTEXT">;
  /** The HTTP API speaks HTTPS (`--http-tls` goes in `args`): the health check trusts this CA file. */
  httpsCa?: string;
};

/** Starts a broker and waits until `/health` answers 200. */
export async function startBroker(options: BrokerOptions = {}): Promise<Broker> {
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await makeTempDir("data"));
  const broker = new Broker(dataDir, {
    ownsDataDir,
    args: options.args ?? [],
    command: options.command ?? chronikCommand(),
    cwd: options.cwd ?? repoRoot,
    listeners: [...(options.ssl === true ? (["SSL"] as const) : []), ...(options.listeners ?? [])],
    httpsCa: options.httpsCa,
  });
  try {
    await broker.start();
  } catch (error) {
    await broker.cleanup();
    throw error;
  }
  return broker;
}

export class Broker {
  readonly dataDir: string;
  readonly host = loopbackHost;
  port = 0;
  httpPort = 0;
  /** Ports of the listeners besides PLAINTEXT, by name. */
  listenerPorts: Record<string, number> = {};
  #listeners: string[];
  #httpsCa: string | undefined;
  #ownsDataDir: boolean;
  #args: string[];
  #chronik: string[];
  #cwd: string;
  #child: Subprocess<"ignore", number, number> | undefined;
  /**
   * The broker's stdout and stderr go to this file, not to a pipe: a file never makes the broker
   * wait for a reader, and reading it back does not depend on a pipe reader in this process
   * (whose data sometimes stopped arriving in full-suite runs, failing log checks).
   */
  #logPath: string | undefined;
  #echoTimer: ReturnType<typeof setInterval> | undefined;
  #echoed = 0;

  constructor(dataDir: string, options: { ownsDataDir: boolean; args: string[]; command: string[]; cwd: string; listeners: string[]; httpsCa?: string }) {
    this.dataDir = dataDir;
    this.#listeners = options.listeners;
    this.#httpsCa = options.httpsCa;
    this.#ownsDataDir = options.ownsDataDir;
    this.#args = options.args;
    this.#chronik = options.command;
    this.#cwd = options.cwd;
  }

  /** The SSL listener's port, when started with `ssl`. */
  get sslPort(): number {
    return this.listenerPorts.SSL ?? 0;
  }

  /** `host:port` for Kafka clients. */
  get bootstrap(): string {
    return `${this.host}:${this.port}`;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** What the broker wrote to stderr and stdout so far (the last 256 KiB). */
  get log(): string {
    return this.logSince(0);
  }

  /**
   * How many requests the broker has answered, by API and version ("Produce v9"), read from its
   * /metrics. A request is counted before its response is sent, so once a client has its answer
   * the count includes it: no waiting on log lines that reach the log later.
   */
  async requestCounts(): Promise<Map<string, number>> {
    const url = `${this.#httpsCa === undefined ? "http" : "https"}://${this.host}:${this.httpPort}/metrics`;
    const tls = this.#httpsCa === undefined ? {} : { tls: { ca: readFileSync(this.#httpsCa, "utf8") } };
    const text = await (await fetch(url, tls)).text();
    const counts = new Map<string, number>();
    for (const match of text.matchAll(/^chronik_requests_total\{api="(\w+)",version="(\d+)"\} (\d+)$/gm)) counts.set(`${match[1]} v${match[2]}`, Number(match[3]));
    return counts;
  }

  /** A mark for logSince: how many bytes the broker has written in all. */
  get logEnd(): number {
    return this.#logPath === undefined || !existsSync(this.#logPath) ? 0 : statSync(this.#logPath).size;
  }

  /** What the broker wrote after `mark` (a logEnd), at most its last 256 KiB. */
  logSince(mark: number): string {
    return this.#logPath === undefined || !existsSync(this.#logPath) ? "" : readTail(this.#logPath, mark, logReadBytesMax);
  }

  /** Whether the broker process is still running. */
  get alive(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  async start(): Promise<void> {
    if (this.port === 0) {
      this.port = await freePort();
      do this.httpPort = await freePort();
      while (this.httpPort === this.port);
      const taken = new Set([this.port, this.httpPort]);
      for (const name of this.#listeners) {
        let port: number;
        do port = await freePort();
        while (taken.has(port));
        taken.add(port);
        this.listenerPorts[name] = port;
      }
    }
    if (this.#logPath === undefined) {
      this.#logPath = join(await makeTempDir("broker-log"), "broker.log");
      if (echoBrokerLog) this.#echoTimer = setInterval(() => this.#echo(), logEchoIntervalMs);
    } else {
      appendFileSync(this.#logPath, "\n--- restarted ---\n");
    }
    const listen =
      this.#listeners.length > 0
        ? ["--listeners", [`PLAINTEXT://${this.host}:${this.port}`, ...this.#listeners.map((name) => `${name}://${this.host}:${this.listenerPorts[name]}`)].join(",")]
        : ["--host", this.host, "--port", String(this.port), "--advertised-host", this.host];
    const command = [
      ...this.#chronik,
      "serve",
      "--data", this.dataDir,
      ...listen,
      "--http-port", String(this.httpPort),
      ...this.#args,
    ];
    const logFd = openSync(this.#logPath, "a");
    try {
      this.#child = Bun.spawn(command, { cwd: this.#cwd, stdin: "ignore", stdout: logFd, stderr: logFd });
    } finally {
      closeSync(logFd);
    }
    await this.#waitHealthy(this.#child, command);
  }

  /** CHRONIK_E2E_LOG=1: copies what the broker wrote since the last call to this process's stderr. */
  #echo(): void {
    const text = this.logSince(this.#echoed);
    this.#echoed += Buffer.byteLength(text);
    if (text !== "") process.stderr.write(text);
  }

  async #waitHealthy(child: Subprocess, command: string[]): Promise<void> {
    const url = `${this.#httpsCa === undefined ? "http" : "https"}://${this.host}:${this.httpPort}/health`;
    const tls = this.#httpsCa === undefined ? {} : { tls: { ca: readFileSync(this.#httpsCa, "utf8") } };
    const healthy = async () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `Broker exited before it was healthy (code ${child.exitCode}, signal ${child.signalCode}): "${command.join(" ")}"\n${this.log}`,
        );
      }
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(1000), ...tls });
        return response.status === 200;
      } catch {
        return false; // Not listening yet.
      }
    };
    try {
      await eventually(healthy, `the broker is healthy at "${url}"`, { waitMs: healthWaitMs, pollMs: healthPollMs, detail: () => this.log });
    } catch (error) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await child.exited;
      }
      throw error;
    }
  }

  /** SIGTERM, then wait for exit; returns the exit code. Throws if it does not exit in time. */
  async stop(): Promise<number | null> {
    const child = this.#child;
    if (child === undefined || !this.alive) return child?.exitCode ?? null;
    child.kill("SIGTERM");
    if (!(await settlesWithin(child.exited, stopWaitMs))) {
      child.kill("SIGKILL");
      await child.exited;
      throw new Error(`Broker did not exit within ${stopWaitMs} ms of SIGTERM\n${this.log}`);
    }
    return child.exitCode;
  }

  /** SIGKILL: the broker gets no chance to flush or close anything. */
  async kill9(): Promise<void> {
    const child = this.#child;
    if (child === undefined || !this.alive) return;
    child.kill("SIGKILL");
    await child.exited;
  }

  /** Stops the broker if it runs (SIGTERM) and starts it again on the same ports and data. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Kills the broker if it still runs and removes the temporary data directory. */
  async cleanup(): Promise<void> {
    if (this.alive) {
      try {
        await this.stop();
      } catch {
        await this.kill9();
      }
    }
    if (this.#echoTimer !== undefined) {
      clearInterval(this.#echoTimer);
      this.#echo();
    }
    if (this.#logPath !== undefined) await rm(resolve(this.#logPath, ".."), { recursive: true, force: true });
    if (this.#ownsDataDir) await rm(this.dataDir, { recursive: true, force: true });
  }
}

/** The bytes of `path` from `from` on, or only its last `bytesMax` of them, as text. */
function readTail(path: string, from: number, bytesMax: number): string {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(from, size - bytesMax, 0);
    if (start >= size) return "";
    const buffer = Buffer.alloc(size - start);
    const length = readSync(fd, buffer, 0, buffer.length, start);
    return buffer.subarray(0, length).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

/** `kcat` with the broker and settings that make librdkafka fail fast instead of retrying forever. */
export function kcat(broker: Broker, args: string[]): string[] {
  return [
    "kcat",
    "-b", broker.bootstrap,
    "-X", "api.version.request=true",
    "-X", "broker.address.family=v4",
    "-m", "10",
    ...args,
  ];
}

/** Lines (without the trailing newline) in `n` varied shapes: ASCII, JSON, unicode, long, tabs. */
export function variedValue(index: number): string {
  switch (index % 7) {
    case 0:
      return `plain value ${index}`;
    case 1:
      return JSON.stringify({ id: index, level: index % 3 === 0 ? "error" : "info", user: { name: `user-${index % 97}` } });
    case 2:
      return `unicode ✓ ñandú 漢字 🙂 #${index}`;
    case 3:
      return `long-${index}-` + "abcdefghij".repeat(50 + (index % 200));
    case 4:
      return `x${index}`;
    case 5:
      return `symbols !"#$%&'()*+,-./:;<=>?@[\\]^_\`{|}~ ${index}`;
    default:
      return `${index}`.padStart(12, "0") + " " + "z".repeat(index % 31);
  }
}

/**
 * Throws unless `actual` equals `expected` byte for byte, naming the first line that differs
 * (a 10,000-line diff in a test report helps nobody).
 */
export function assertSameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  if (Buffer.from(actual).equals(Buffer.from(expected))) return;
  const actualLines = Buffer.from(actual).toString("utf8").split("\n");
  const expectedLines = Buffer.from(expected).toString("utf8").split("\n");
  let line = 0;
  while (line < actualLines.length && line < expectedLines.length && actualLines[line] === expectedLines[line]) line++;
  const clip = (text: string | undefined) => (text === undefined ? "<missing>" : JSON.stringify(text.slice(0, 300)));
  throw new Error(
    `${what}: output differs from what was produced (${actual.length} bytes, ${actualLines.length} lines; ` +
      `expected ${expected.length} bytes, ${expectedLines.length} lines). First difference at line ${line + 1}: ` +
      `got ${clip(actualLines[line])}, expected ${clip(expectedLines[line])}`,
  );
}

/** Whether something accepts connections on the loopback port. */
export async function listening(port: number): Promise<boolean> {
  try {
    const socket = await Bun.connect({ hostname: loopbackHost, port, socket: { data() {} } });
    socket.end();
    return true;
  } catch {
    return false;
  }
}
