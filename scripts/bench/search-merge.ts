// A merge of sealed search chunks, measured where its memory can be seen (issue 10's memory
// goal): the log-corpus lines (log-corpus.ts) written to a FileLog and indexed by a
// PartitionIndexer with merges off, its chunks merged in process into `--inputs` chunks of equal
// runs, then those merged into one by a child process (merge.ts's mergeChunkFiles, as the merge
// thread runs it), whose RssAnon is sampled from /proc every 20 ms. Beside it, the disk itself:
// the same input bytes read and written to one file and fsynced. It reports the merge's time and
// input MB/s against the copy's, and the child's peak RssAnon against its RssAnon with the inputs
// open and nothing merged yet.
// Run: npx bun scripts/bench/search-merge.ts [--records 2000000] [--inputs 8] [--json]

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createLogger } from "../../src/logger.ts";
import { BacklogThread } from "../../src/search/backlog-thread.ts";
import { mergeChunkFiles } from "../../src/search/merge.ts";
import { PartitionIndexer } from "../../src/search/partition-indexer.ts";
import { openSealedSegment } from "../../src/search/sealed-segment.ts";
import { SegmentFileReader } from "../../src/search/segment-file-reader.ts";
import { BenchArgs, MemorySampler, progress, UsageError } from "./bench-support.ts";
import { writeCorpusLog } from "./corpus-log.ts";

const usage = "Usage: search-merge.ts [--records N] [--inputs N] [--json]";
const childFlag = "--merge-child";
/** How often the child's memory is sampled. */
const sampleMs = 20;
const logger = createLogger("bench", "warn");

/** What the child reports on stdout: one JSON line. */
interface ChildReport {
  openRssAnonBytes: number;
  seconds: number;
  outputBytes: number;
}

const rssAnonBytes = () => Number(/^RssAnon:\s+(\d+) kB/m.exec(fs.readFileSync("/proc/self/status", "utf8"))?.[1] ?? 0) * 1024;
const chunkFiles = (dir: string) => fs.readdirSync(dir).filter((name) => name.endsWith(".search")).sort();
const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** The child: merges every chunk file of `dir` into `output`, as the merge thread would. */
async function mergeChild(dir: string, output: string): Promise<void> {
  const inputs = chunkFiles(dir);
  // Opened once before, so the baseline includes what opening the inputs costs.
  for (const name of inputs) openSealedSegment(dir, name);
  Bun.gc(true);
  const openRssAnonBytes = rssAnonBytes();
  const started = performance.now();
  await mergeChunkFiles(dir, inputs, output);
  const report: ChildReport = { openRssAnonBytes, seconds: (performance.now() - started) / 1000, outputBytes: fs.statSync(path.join(dir, output)).size };
  console.log(JSON.stringify(report));
}

function parseArgs(): { records: number; inputs: number; json: boolean } {
  const args = new BenchArgs(process.argv.slice(2));
  try {
    const options = { records: args.wholeNumber("--records", 2_000_000), inputs: args.wholeNumber("--inputs", 8), json: args.switch("--json") };
    if (args.rest.length > 0) throw new UsageError(`Unknown flag "${args.rest[0]}"`);
    if (options.inputs < 2) throw new UsageError("--inputs must be at least 2");
    return options;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n${usage}`);
    process.exit(2);
  }
}

/** Indexes the log in `dir` into sealed chunks, merges off (the backlog thread helps, as in the broker). */
async function indexLog(dir: string, highWatermark: number): Promise<void> {
  const reader = new SegmentFileReader(dir);
  reader.highWatermark = highWatermark;
  const backlog = new BacklogThread(logger);
  const indexer = PartitionIndexer.start({ topic: "logs", index: 0, log: reader, dir, onNextData: () => () => {} }, { logger, counters: { binaryValues: 0 }, merge: false, backlog });
  while (indexer.indexedOffset < highWatermark) await Bun.sleep(5);
  backlog.stop();
  await indexer.stop();
}

/** Merges the chunks of `dir` in process into `inputs` runs of adjacent chunks, named as the indexer names them. */
async function mergeIntoRuns(dir: string, inputs: number): Promise<void> {
  const chunks = chunkFiles(dir);
  if (chunks.length < inputs) throw new Error(`Only ${chunks.length} chunks were sealed; use more --records for ${inputs} inputs`);
  for (let i = 0; i < inputs; i++) {
    const run = chunks.slice(Math.floor((i * chunks.length) / inputs), Math.floor(((i + 1) * chunks.length) / inputs));
    // A chunk file is named <base>-<end>.search (chunkFileName): the run's first base and last end.
    const name = `${run[0].slice(0, 20)}-${run.at(-1)!.slice(21, 41)}.search`;
    await mergeChunkFiles(dir, run, `${name}.tmp`);
    for (const chunk of run) fs.rmSync(path.join(dir, chunk));
    fs.renameSync(path.join(dir, `${name}.tmp`), path.join(dir, name));
  }
}

/** Seconds to read every chunk of `dir` and write them to one file, fsynced: what the disk does for the same bytes. */
function copySeconds(dir: string): number {
  const target = path.join(dir, "copy.tmp");
  const started = performance.now();
  const fd = fs.openSync(target, "w");
  const buffer = new Uint8Array(1024 * 1024);
  let at = 0;
  for (const name of chunkFiles(dir)) {
    const input = fs.openSync(path.join(dir, name), "r");
    for (let length; (length = fs.readSync(input, buffer, 0, buffer.length, null)) > 0; ) at += fs.writeSync(fd, buffer, 0, length, at);
    fs.closeSync(input);
  }
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  const seconds = (performance.now() - started) / 1000;
  fs.rmSync(target);
  return seconds;
}

async function main(): Promise<void> {
  const { records, inputs, json } = parseArgs();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chronik-merge-bench-"));
  try {
    progress(`writing ${records} lines to a log in ${dir}`);
    const highWatermark = await writeCorpusLog(dir, records, logger);
    progress("indexing them into sealed chunks (merges off)");
    await indexLog(dir, highWatermark);
    const sealed = chunkFiles(dir).length;
    progress(`merging ${sealed} chunks into ${inputs} in process`);
    await mergeIntoRuns(dir, inputs);
    const inputBytes = chunkFiles(dir).reduce((sum, name) => sum + fs.statSync(path.join(dir, name)).size, 0);
    progress(`merging ${chunkFiles(dir).length} chunks (${megabytes(inputBytes)}) into one in a child process`);
    const child = Bun.spawn([process.execPath, import.meta.path, childFlag, dir, "merged.tmp"], { stdout: "pipe", stderr: "inherit" });
    let exited = false;
    const sampler = new MemorySampler({ pid: child.pid, get alive() { return !exited; } }, sampleMs);
    const stdout = await new Response(child.stdout).text();
    const exitCode = await child.exited;
    exited = true;
    sampler.stop();
    if (exitCode !== 0) throw new Error(`The merge child exited with ${exitCode}`);
    const report = JSON.parse(stdout.trim()) as ChildReport;
    fs.rmSync(path.join(dir, "merged.tmp"));
    const copy = copySeconds(dir);
    const figures = { records, sealedChunks: sealed, inputs: chunkFiles(dir).length, inputBytes, outputBytes: report.outputBytes, mergeSeconds: report.seconds, copySeconds: copy, openRssAnonBytes: report.openRssAnonBytes, peakRssAnonBytes: sampler.peakRssAnonBytes };
    if (json) {
      console.log(JSON.stringify(figures));
      return;
    }
    console.log(`${records} lines: ${sealed} sealed chunks merged into ${figures.inputs} (${megabytes(inputBytes)}), then into one (${megabytes(report.outputBytes)})`);
    console.log(`merge      ${report.seconds.toFixed(1)} s (${(inputBytes / 1e6 / report.seconds).toFixed(1)} MB/s of input)`);
    console.log(`disk copy  ${copy.toFixed(2)} s (${(inputBytes / 1e6 / copy).toFixed(0)} MB/s: the same bytes read, written and fsynced)`);
    console.log(`RssAnon    peak ${megabytes(sampler.peakRssAnonBytes)}; ${megabytes(report.openRssAnonBytes)} with the inputs open before merging`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === childFlag) await mergeChild(process.argv[3], process.argv[4]);
else await main();
