// What a fuzz run found: crashes, hangs and handler failures, each kept once by its signature
// (kind, error name and the first stack frame in this repository, else the message with numbers
// blanked), and written under test-output/fuzz/crashes/ with the input bytes and how to make them.

import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

export const crashesDir = path.resolve(import.meta.dir, "../../test-output/fuzz/crashes");

export const FindingKind = {
  /** dispatch() threw something other than FatalRequestError. */
  crash: "crash",
  /** dispatch() did not settle within the deadline, nor within the grace after its signal was aborted, nor by the end of the run. */
  hang: "hang",
  /** A would-be hang whose every request settled before the end of the run: very slow, not stuck. */
  slowRequest: "slow-request",
  /** A handler threw; the dispatcher logged it and answered UNKNOWN_SERVER_ERROR (or closed). */
  handlerError: "handler-error",
  /** The control connection's valid request was not answered in time. */
  controlTimeout: "control-timeout",
  /** The broker process is gone, or refuses connections. */
  brokerDown: "broker-down",
  /** Resident memory grew past the allowed bound. */
  memory: "memory",
} as const;
export type FindingKind = (typeof FindingKind)[keyof typeof FindingKind];

/** The kinds that fail a run; handler errors are answered, so they are reported but do not fail it. */
export const failingKinds: ReadonlySet<FindingKind> = new Set([FindingKind.crash, FindingKind.hang, FindingKind.controlTimeout, FindingKind.brokerDown, FindingKind.memory]);

/** How an input was made, so that a run can be repeated up to it. */
export interface InputOrigin {
  /** The run's --seed. */
  runSeed: number;
  /** The execution's number in the run; with the run seed it fixes the PRNG of that execution. */
  execution: number;
  seed: string;
  steps: string[];
}

export interface Finding {
  kind: FindingKind;
  signature: string;
  message: string;
  /** Executions that hit this signature. */
  count: number;
  origin?: InputOrigin;
  /** Where the input and its description were written. */
  file?: string;
}

/** The first stack line inside this repository (not node_modules), without its column. */
function repoFrame(stack: string | undefined): string | null {
  for (const line of (stack ?? "").split("\n").slice(1)) {
    const match = /\((.*?):(\d+):\d+\)$/.exec(line.trim()) ?? /at (.*?):(\d+):\d+$/.exec(line.trim());
    if (match && !match[1].includes("node_modules") && match[1].includes("/")) return `${path.relative(path.resolve(import.meta.dir, "../.."), match[1])}:${match[2]}`;
  }
  return null;
}

/** What tells one bug from another: the error's name and where it was thrown, else its message with numbers blanked. */
export function signatureOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error).replace(/\d+/g, "N").slice(0, 200);
  const frame = repoFrame(error.stack);
  const firstLine = error.message.split("\n")[0].replace(/\d+/g, "N").slice(0, 160);
  return frame === null ? `${error.name}: ${firstLine}` : `${error.name} at ${frame}`;
}

/** The signature of an error known only by its stack text (as a log line carries it). */
export function signatureOfStack(stack: string): string {
  const [head = ""] = stack.split("\n");
  const name = /^(\w+)/.exec(head)?.[1] ?? "Error";
  const frame = repoFrame(stack);
  return frame === null ? `${name}: ${head.replace(/\d+/g, "N").slice(0, 160)}` : `${name} at ${frame}`;
}

export class Findings {
  readonly #bySignature = new Map<string, Finding>();
  readonly #directory: string;
  readonly #write: boolean;

  constructor(options: { directory?: string; write?: boolean } = {}) {
    this.#directory = options.directory ?? crashesDir;
    this.#write = options.write ?? true;
  }

  /** Counts the finding; the first of a signature is kept (with its input written out). Returns whether it was new. */
  add(kind: FindingKind, signature: string, message: string, input?: { bytes: Uint8Array; origin: InputOrigin }): boolean {
    const key = `${kind} ${signature}`;
    const known = this.#bySignature.get(key);
    if (known) {
      known.count++;
      return false;
    }
    const finding: Finding = { kind, signature, message: message.slice(0, 4000), count: 1, origin: input?.origin };
    if (input && this.#write) finding.file = this.#record(key, finding, input.bytes);
    this.#bySignature.set(key, finding);
    return true;
  }

  /** Adds `note` to a finding's message (a hang that settled later, say), and rewrites its JSON. */
  annotate(kind: FindingKind, signature: string, note: string): void {
    const finding = this.#bySignature.get(`${kind} ${signature}`);
    if (finding === undefined) return;
    finding.message = `${finding.message}; ${note}`;
    if (finding.file) writeFileSync(finding.file.replace(/\.bin$/, ".json"), `${JSON.stringify(finding, null, 2)}\n`);
  }

  /** Turns the finding of `kind` with `signature` into one of kind `to` (its file keeps its name). */
  rekind(kind: FindingKind, signature: string, to: FindingKind): void {
    const finding = this.#bySignature.get(`${kind} ${signature}`);
    if (finding === undefined) return;
    this.#bySignature.delete(`${kind} ${signature}`);
    finding.kind = to;
    this.#bySignature.set(`${to} ${signature}`, finding);
    if (finding.file) writeFileSync(finding.file.replace(/\.bin$/, ".json"), `${JSON.stringify(finding, null, 2)}\n`);
  }

  #record(key: string, finding: Finding, bytes: Uint8Array): string {
    mkdirSync(this.#directory, { recursive: true });
    const name = `${finding.kind}-${createHash("sha1").update(key).digest("hex").slice(0, 12)}`;
    const file = path.join(this.#directory, `${name}.bin`);
    writeFileSync(file, bytes);
    writeFileSync(path.join(this.#directory, `${name}.json`), `${JSON.stringify(finding, null, 2)}\n`);
    return file;
  }

  all(): Finding[] {
    return [...this.#bySignature.values()];
  }

  /** Unique findings of `kind`. */
  unique(kind: FindingKind): number {
    return this.all().filter((finding) => finding.kind === kind).length;
  }

  /** Whether any finding fails the run. */
  get failed(): boolean {
    return this.all().some((finding) => failingKinds.has(finding.kind));
  }
}

/** Peak resident and heap memory, sampled. */
export class MemoryPeaks {
  rssBytes = 0;
  heapBytes = 0;

  sample(): void {
    const usage = process.memoryUsage();
    this.rssBytes = Math.max(this.rssBytes, usage.rss);
    this.heapBytes = Math.max(this.heapBytes, usage.heapUsed);
  }
}

export function mebibytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(0)} MiB`;
}
