// Request fuzzer: mutates valid and captured request frames (bit flips, boundary lengths and
// counts, truncation, junk, overflowing varints, splices) and feeds them to the dispatcher in
// this process, or with --broker to a running broker over many connections while a control
// connection checks that valid requests are still answered. Prints what it found, then one
// summary line; exits 1 when something crashed, hung, stopped answering or outgrew its memory.
//
// Run: npx bun scripts/fuzz/requests.ts [--broker HOST:PORT [--pid PID] [--broker-log FILE]] [--seconds N] [--seed S]
// Inputs that crashed or hung are written to test-output/fuzz/crashes/ (bytes and a JSON note).
// --replay N runs only execution N of the run with --seed, in process, on a fresh broker.
// CHRONIK_FUZZ_KEEP_DATA=1 keeps the in-process broker's data folder, to look at what it left.

import { Findings, failingKinds, mebibytes } from "./findings.ts";
import { type FuzzReport, fuzzInProcess } from "./in-process.ts";
import { fuzzLive } from "./live.ts";
import { ApiKey } from "../../src/protocol/messages/index.ts";
import { bodyStartOf, capturedSeeds, frameOf, generatedSeeds, type Seed } from "./seeds.ts";

const usage = "Usage: bun scripts/fuzz/requests.ts [--broker HOST:PORT] [--pid PID] [--broker-log FILE] [--seconds N] [--seed S] [--connections N] [--replay EXECUTION]";

export interface FuzzArgs {
  broker?: { host: string; port: number };
  pid?: number;
  seconds: number;
  seed: number;
  connections?: number;
  brokerLog?: string;
  replay?: number;
}

export class UsageError extends Error {
  override name = "UsageError";
}

function wholeNumber(flag: string, text: string | undefined): number {
  if (text === undefined || !/^\d+$/.test(text)) throw new UsageError(`${flag} must be a whole number, not "${text ?? ""}"`);
  return Number(text);
}

export function parseArgs(argv: readonly string[]): FuzzArgs {
  const args: FuzzArgs = { seconds: 10, seed: Date.now() % 0x1_0000_0000 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    i++;
    if (flag === "--seconds") args.seconds = wholeNumber(flag, value);
    else if (flag === "--seed") args.seed = wholeNumber(flag, value) >>> 0;
    else if (flag === "--pid") args.pid = wholeNumber(flag, value);
    else if (flag === "--replay") args.replay = wholeNumber(flag, value);
    else if (flag === "--connections") args.connections = wholeNumber(flag, value);
    else if (flag === "--broker-log") {
      if (value === undefined) throw new UsageError("--broker-log needs a file");
      args.brokerLog = value;
    }
    else if (flag === "--broker") {
      const match = /^(.+):(\d+)$/.exec(value ?? "");
      if (!match) throw new UsageError(`--broker must be HOST:PORT, not "${value ?? ""}"`);
      args.broker = { host: match[1], port: Number(match[2]) };
    } else throw new UsageError(`Unknown flag "${flag}"`);
  }
  return args;
}

/**
 * The seeds, and the valid requests the control checks send: ApiVersions v3 and a Metadata v1
 * naming no topic, whose answers depend on no topic the fuzzer may be creating or deleting.
 */
export function loadSeeds(): { seeds: Seed[]; generated: number; captured: number; controls: Seed[] } {
  const generated = generatedSeeds();
  const captured = capturedSeeds();
  const metadata = frameOf(ApiKey.Metadata, 1, 0, { topics: [] });
  const controls = [
    ...generated.filter((seed) => seed.name === "ApiVersions-v3"),
    { name: "Metadata-v1 (no topics)", frame: metadata, bodyStart: bodyStartOf(metadata)! },
  ];
  return { seeds: [...generated, ...captured], generated: generated.length, captured: captured.length, controls };
}

export function summaryLine(report: FuzzReport, seeds: { generated: number; captured: number }, seed: number): string {
  const seconds = report.elapsedMs / 1000;
  const findings = report.findings.all();
  const failing = findings.filter((finding) => failingKinds.has(finding.kind));
  const outcomes = Object.entries(report.outcomes).sort().map(([kind, count]) => `${kind} ${count}`).join(", ");
  const memory = report.peakRssBytes === null ? "peak RSS unknown" : `peak RSS ${mebibytes(report.peakRssBytes)}${report.peakHeapBytes === null ? "" : `, heap ${mebibytes(report.peakHeapBytes)}`}`;
  const count = (kind: string) => findings.filter((finding) => finding.kind === kind).length;
  return [
    `fuzz ${report.mode} ${failing.length === 0 ? "ok" : "FAILED"}:`,
    `${report.executions} executions in ${seconds.toFixed(1)} s (${(report.executions / seconds).toFixed(0)}/s),`,
    `seed ${seed}, seeds ${seeds.generated} generated + ${seeds.captured} captured;`,
    `unique crashes ${count("crash")}, hangs ${count("hang")}, control failures ${count("control-timeout")}, broker down ${count("broker-down")}, memory ${count("memory")}, handler errors ${count("handler-error")}, slow requests ${count("slow-request")};`,
    `${report.controls} control requests answered in time: ${count("control-timeout") === 0 ? "all" : "not all"};`,
    `${memory}; outcomes: ${outcomes}`,
  ].join(" ");
}

function describeFindings(findings: Findings): string[] {
  return findings.all().map((finding) => {
    const origin = finding.origin ? ` (seed ${finding.origin.seed}, execution ${finding.origin.execution}: ${finding.origin.steps.join(" ")})` : "";
    const file = finding.file ? ` -> ${finding.file}` : "";
    return `${finding.kind} x${finding.count}: ${finding.signature}${origin}${file}\n  ${finding.message.split("\n").slice(0, 4).join("\n  ")}`;
  });
}

async function main(argv: readonly string[]): Promise<number> {
  let args: FuzzArgs;
  try {
    args = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n${usage}`);
    return 2;
  }
  const { seeds, generated, captured, controls } = loadSeeds();
  const options = { seconds: args.seconds, seed: args.seed, seeds, controls };
  const report = args.broker
    ? await fuzzLive({ ...options, broker: args.broker, pid: args.pid, connections: args.connections, brokerLog: args.brokerLog })
    : await fuzzInProcess({ ...options, replay: args.replay });
  for (const line of describeFindings(report.findings)) console.error(line);
  console.log(summaryLine(report, { generated, captured }, args.seed));
  return report.findings.failed ? 1 : 0;
}

if (import.meta.main) process.exit(await main(process.argv.slice(2)));
