// Live fuzzing: many connections send mutated frames to a running broker, each with a correct
// size prefix or (sometimes) a wrong one, and wait for an answer, a close, or silence. Oracles:
// - a control connection sends valid requests every `controlEvery` executions (and at least
//   every second) and each must be answered, with its correlation id, within the deadline;
// - the broker stays alive: /proc/<pid> while --pid is given, else it keeps accepting connections;
// - with --pid, its resident memory stays under `rssBytesMax` (peak read from VmHWM);
// - with --broker-log, the ERROR lines the broker wrote during the run are handler errors.
// A fuzz connection that stays silent is not a finding by itself (a lying size prefix makes the
// broker wait for the rest, an acks=0 produce gets no answer); it is counted and dropped.

import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { FrameSplitter, frameSizePrefixBytes } from "../../src/protocol/frames.ts";
import { Findings, FindingKind, MemoryPeaks } from "./findings.ts";
import { type FuzzOptions, type FuzzReport, executionPrng, mutantOf } from "./in-process.ts";
import type { Prng } from "./mutate.ts";
import type { Seed } from "./seeds.ts";

export interface LiveOptions extends FuzzOptions {
  broker: { host: string; port: number };
  /** The broker's process id, for liveness and memory; without it, liveness is "accepts connections". */
  pid?: number;
  connections?: number;
  /** The broker's log file: its ERROR lines written during the run are reported. */
  brokerLog?: string;
}

const connectionsDefault = 32;
/** How long a fuzz connection waits for an answer or a close before it gives up on the frame. */
const answerWaitMs = 500;
/** The wait after a size prefix that does not match: the broker closes at once or waits for bytes that never come. */
const wrongSizeWaitMs = 100;
const connectWaitMs = 2_000;
const controlDeadlineMs = 5_000;
const controlEveryDefault = 200;
const controlIntervalMs = 1_000;
const processSampleMs = 250;
/** Most of the broker's log read back for ERROR lines. */
const logReadBytesMax = 64 * 1024 * 1024;
/** Resident memory the broker may reach while fuzzed: mutants are at most 64 KiB each. */
const rssBytesMax = 2 * 1024 * 1024 * 1024;
/** Largest response frame a connection reads (a Fetch answer is at most a few MiB here). */
const responseBytesMax = 256 * 1024 * 1024;
/** The broker's default request limit (socket.request.max.bytes). */
const requestBytesMaxDefault = 100 * 1024 * 1024;
/** Size prefixes that do not match the frame: a little over or under, empty, negative, at and past the request limit. */
const wrongSizes = (length: number): number[] => [length + 1, length + 100, Math.max(0, length - 1), 0, -1, 0x7fffffff, requestBytesMaxDefault, requestBytesMaxDefault + 1];

type Outcome = "answered" | "closed" | "silent" | "refused";

/** A client connection that sends one frame at a time and tells what became of it. */
class FuzzConnection {
  readonly #socket: Socket;
  readonly #splitter = new FrameSplitter(responseBytesMax);
  #frames: Uint8Array[] = [];
  #closed = false;
  #wake: (() => void) | null = null;
  readonly connected: Promise<boolean>;

  constructor(address: { host: string; port: number }) {
    this.#socket = connect(address);
    this.#socket.setNoDelay(true);
    this.connected = new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), connectWaitMs);
      this.#socket.once("connect", () => {
        clearTimeout(timer);
        resolve(true);
      });
      this.#socket.once("error", () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    this.#socket.on("error", () => {});
    this.#socket.on("data", (chunk: Buffer) => {
      try {
        this.#frames.push(...this.#splitter.push(chunk).map((frame) => frame.slice()));
      } catch {
        this.#closed = true;
      }
      this.#wake?.();
    });
    this.#socket.on("close", () => {
      this.#closed = true;
      this.#wake?.();
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Writes `bytes` and waits up to `waitMs` for a response frame or the close. */
  async exchange(bytes: Uint8Array, waitMs: number): Promise<{ outcome: Outcome; frame?: Uint8Array }> {
    this.#frames = [];
    this.#socket.write(bytes);
    const deadline = Date.now() + waitMs;
    while (this.#frames.length === 0 && !this.#closed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        setTimeout(resolve, Math.max(1, deadline - Date.now()));
      });
      this.#wake = null;
    }
    if (this.#frames.length > 0) return { outcome: "answered", frame: this.#frames.shift() };
    return { outcome: this.#closed ? "closed" : "silent" };
  }

  destroy(): void {
    this.#socket.destroy();
  }
}

function framed(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(frameSizePrefixBytes + bytes.length);
  new DataView(out.buffer).setInt32(0, size);
  out.set(bytes, frameSizePrefixBytes);
  return out;
}

/** The mutant with its size prefix: correct 85% of the time. */
function withPrefix(bytes: Uint8Array, prng: Prng): { framed: Uint8Array; correct: boolean } {
  const correct = prng.chance(0.85);
  return { framed: framed(bytes, correct ? bytes.length : prng.pick(wrongSizes(bytes.length))), correct };
}

/** VmRSS and VmHWM (peak) of a process in bytes, or null once it is gone. */
function processMemory(pid: number): { rss: number; peak: number } | null {
  const file = `/proc/${pid}/status`;
  if (!existsSync(file)) return null;
  try {
    const status = readFileSync(file, "utf8");
    if (/^State:\s+Z/m.test(status)) return null;
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
    return { rss: kib("VmRSS"), peak: kib("VmHWM") };
  } catch {
    return null;
  }
}

class LiveRun {
  readonly #options: LiveOptions & { controlEvery: number };
  readonly findings: Findings;
  readonly outcomes: Record<string, number> = {};
  readonly memory = new MemoryPeaks();
  executions = 0;
  controls = 0;
  #nextExecution = 0;
  #stopped = false;
  #correlationId = 0x00c0_0000;

  constructor(options: LiveOptions) {
    this.#options = { controlEvery: controlEveryDefault, ...options };
    this.findings = options.findings ?? new Findings();
    this.memory.rssBytes = 0;
    this.memory.heapBytes = 0;
  }

  get hasPid(): boolean {
    return this.#options.pid !== undefined;
  }

  async run(): Promise<void> {
    const endAt = Date.now() + this.#options.seconds * 1000;
    const lanes = Array.from({ length: this.#options.connections ?? connectionsDefault }, () => this.#lane(endAt));
    await Promise.all([...lanes, this.#controlLoop(endAt), this.#watchProcess(endAt)]);
  }

  #brokerDown(reason: string): void {
    this.findings.add(FindingKind.brokerDown, reason, `The broker at ${this.#options.broker.host}:${this.#options.broker.port} ${reason}`);
    this.#stopped = true;
  }

  async #open(): Promise<FuzzConnection | null> {
    const connection = new FuzzConnection(this.#options.broker);
    if (await connection.connected) return connection;
    connection.destroy();
    return null;
  }

  async #lane(endAt: number): Promise<void> {
    let connection: FuzzConnection | null = null;
    while (Date.now() < endAt && !this.#stopped) {
      if (connection === null || connection.closed) {
        connection?.destroy();
        connection = await this.#open();
        if (connection === null) {
          this.#count("refused");
          if (!this.hasPid) this.#brokerDown("refuses connections");
          continue;
        }
      }
      const execution = this.#nextExecution++;
      const input = mutantOf(this.#options.seeds, this.#options.seed, execution);
      const { framed: bytes, correct } = withPrefix(input.bytes, executionPrng(this.#options.seed ^ 0x5bd1e995, execution));
      const { outcome } = await connection.exchange(bytes, correct ? answerWaitMs : wrongSizeWaitMs);
      this.#count(outcome);
      this.executions++;
      if (outcome === "silent") {
        connection.destroy();
        connection = null;
      }
    }
    connection?.destroy();
  }

  #count(outcome: string): void {
    this.outcomes[outcome] = (this.outcomes[outcome] ?? 0) + 1;
  }

  /** Sends every control request on one connection whenever `controlEvery` more executions ran, or a second passed. */
  async #controlLoop(endAt: number): Promise<void> {
    let connection: FuzzConnection | null = null;
    let nextAt = 0;
    let lastAt = 0;
    while (Date.now() < endAt && !this.#stopped) {
      if (this.executions < nextAt && Date.now() - lastAt < controlIntervalMs) {
        await Bun.sleep(20);
        continue;
      }
      nextAt = this.executions + this.#options.controlEvery;
      lastAt = Date.now();
      if (connection === null || connection.closed) {
        connection = await this.#open();
        if (connection === null) {
          this.findings.add(FindingKind.controlTimeout, "cannot connect", "The control connection could not connect");
          continue;
        }
      }
      for (const control of this.#options.controls) {
        // A late answer would be taken for the next request's: start over on a new connection.
        if (!(await this.#control(connection, control))) {
          connection.destroy();
          connection = null;
          break;
        }
      }
    }
    connection?.destroy();
  }

  /** Whether the control request was answered in time, with its correlation id. */
  async #control(connection: FuzzConnection, control: Seed): Promise<boolean> {
    const correlationId = this.#correlationId++;
    const frame = control.frame.slice();
    new DataView(frame.buffer).setInt32(4, correlationId);
    const startedAt = Date.now();
    const { outcome, frame: answer } = await connection.exchange(framed(frame, frame.length), controlDeadlineMs);
    this.controls++;
    if (outcome !== "answered") {
      this.findings.add(FindingKind.controlTimeout, `${control.name} ${outcome}`, `Valid ${control.name} on the control connection: ${outcome} after ${Date.now() - startedAt} ms`);
      return false;
    }
    const answered = new DataView(answer!.buffer, answer!.byteOffset).getInt32(0);
    if (answered !== correlationId) {
      this.findings.add(FindingKind.controlTimeout, `${control.name} wrong correlation id`, `Valid ${control.name} answered with correlation id ${answered}, not ${correlationId}`);
      return false;
    }
    return true;
  }

  /** With a pid: the process exists and its memory stays bounded. */
  async #watchProcess(endAt: number): Promise<void> {
    const pid = this.#options.pid;
    if (pid === undefined) return;
    while (Date.now() < endAt && !this.#stopped) {
      const memory = processMemory(pid);
      if (memory === null) {
        this.#brokerDown(`process ${pid} exited`);
        return;
      }
      this.memory.rssBytes = Math.max(this.memory.rssBytes, memory.rss, memory.peak);
      if (memory.rss > rssBytesMax) this.findings.add(FindingKind.memory, "rss over bound", `Broker RSS ${memory.rss} bytes exceeds ${rssBytesMax}`);
      await Bun.sleep(processSampleMs);
    }
  }
}

/** What a log file holds past `from`, at most `logReadBytesMax` of it. */
function logSince(file: string, from: number): string {
  const fd = openSync(file, "r");
  try {
    const length = Math.min(statSync(file).size - from, logReadBytesMax);
    if (length <= 0) return "";
    const buffer = Buffer.alloc(length);
    return buffer.subarray(0, readSync(fd, buffer, 0, length, from)).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

/** ERROR lines of the broker's log as handler errors, by their text without numbers and context values. */
export function reportLoggedErrors(findings: Findings, text: string): void {
  for (const line of text.split("\n").filter((candidate) => / ERROR /.test(candidate))) {
    const message = line.replace(/^\S+ ERROR\s+/, "");
    const signature = message.replace(/ \w+=.*$/, "").replace(/\d+/g, "N");
    findings.add(FindingKind.handlerError, `broker log: ${signature}`, message);
  }
}

export async function fuzzLive(options: LiveOptions): Promise<FuzzReport> {
  const run = new LiveRun(options);
  const logStart = options.brokerLog === undefined ? 0 : statSync(options.brokerLog).size;
  const startedAt = performance.now();
  await run.run();
  if (options.brokerLog !== undefined) reportLoggedErrors(run.findings, logSince(options.brokerLog, logStart));
  return {
    mode: "live",
    executions: run.executions,
    elapsedMs: performance.now() - startedAt,
    outcomes: run.outcomes,
    controls: run.controls,
    peakRssBytes: run.hasPid ? run.memory.rssBytes : null,
    peakHeapBytes: null,
    findings: run.findings,
  };
}
