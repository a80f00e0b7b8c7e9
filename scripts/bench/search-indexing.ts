// Search indexing in one process, without a broker (issue 10's indexing goal, measured where it
// can be profiled): the log-corpus lines (log-corpus.ts) appended to a FileLog in a temp dir as
// the Producer sends them (uncompressed batches of about 1 MB), then indexed from offset 0 to the
// end by a PartitionIndexer reading the segment files, as the search worker does (seals and
// their file writes included, and the backlog thread indexing stretches ahead unless
// --no-backlog-thread; merges off: in the broker they run on the merge thread). Beside it,
// in the same run: SQLite FTS5 indexing the same lines (fts5-log-index.ts), and a floor, the bare
// JSON.parse + tokenize + postings-map loop over the same lines.
// Run: npx bun scripts/bench/search-indexing.ts [--records 200000] [--runs 1] [--skip-fts5] [--no-backlog-thread] [--json]
// Profile: node_modules/.bin/bun --cpu-prof scripts/bench/search-indexing.ts --skip-fts5

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createLogger } from "../../src/logger.ts";
import { BacklogThread } from "../../src/search/backlog-thread.ts";
import { PartitionIndexer } from "../../src/search/partition-indexer.ts";
import { SegmentFileReader } from "../../src/search/segment-file-reader.ts";
import { terms } from "../../src/search/tokenizer.ts";
import { BenchArgs, progress, UsageError } from "./bench-support.ts";
import { writeCorpusLog } from "./corpus-log.ts";
import { Fts5LogIndex } from "./fts5-log-index.ts";
import { logLines } from "./log-corpus.ts";

const usage = "Usage: search-indexing.ts [--records N] [--runs N] [--skip-fts5] [--no-backlog-thread] [--json]";
/** How often the bench looks whether the indexer has reached the end. */
const pollMs = 2;

function parseArgs(): { records: number; runs: number; skipFts5: boolean; backlogThread: boolean; json: boolean } {
  const args = new BenchArgs(process.argv.slice(2));
  try {
    const options = {
      records: args.wholeNumber("--records", 200_000),
      runs: args.wholeNumber("--runs", 1),
      skipFts5: args.switch("--skip-fts5"),
      backlogThread: !args.switch("--no-backlog-thread"),
      json: args.switch("--json"),
    };
    if (args.rest.length > 0) throw new UsageError(`Unknown flag "${args.rest[0]}"`);
    return options;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n${usage}`);
    process.exit(2);
  }
}

const logger = createLogger("bench", "warn");

/**
 * Seconds a PartitionIndexer takes from offset 0 until every record of the log in `dir` is
 * indexed: wall clock, and CPU time of the process (all its threads: with the backlog thread,
 * more than the wall clock).
 */
async function indexLog(dir: string, highWatermark: number): Promise<{ seconds: number; cpuSeconds: number }> {
  const reader = new SegmentFileReader(dir);
  reader.highWatermark = highWatermark;
  const backlog = backlogThread ? new BacklogThread(logger) : undefined;
  const cpuStarted = process.cpuUsage();
  const started = performance.now();
  const indexer = PartitionIndexer.start({ topic: "logs", index: 0, log: reader, dir, onNextData: () => () => {} }, { logger, counters: { binaryValues: 0 }, merge: false, backlog });
  while (indexer.indexedOffset < highWatermark) await Bun.sleep(pollMs);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  backlog?.stop();
  await indexer.stop();
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/** Seconds of the floor: JSON.parse, tokenize each string field, count postings in one map per field. */
function bareLoop(records: number): number {
  const lines = [...logLines(records)];
  const started = performance.now();
  const fields = new Map<string, Map<string, number[]>>();
  for (let doc = 0; doc < lines.length; doc++) {
    const parsed = JSON.parse(lines[doc]) as Record<string, unknown>;
    for (const name in parsed) {
      const value = parsed[name];
      if (typeof value !== "string") continue;
      let postings = fields.get(name);
      if (postings === undefined) fields.set(name, (postings = new Map()));
      for (const term of terms(value)) {
        const docs = postings.get(term);
        if (docs === undefined) postings.set(term, [doc]);
        else if (docs[docs.length - 1] !== doc) docs.push(doc);
      }
    }
  }
  return (performance.now() - started) / 1000;
}

function ftsSeconds(records: number): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chronik-index-fts5-"));
  const fts = new Fts5LogIndex(dir);
  try {
    return fts.index(records);
  } finally {
    fts.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const { records, runs, skipFts5, backlogThread, json } = parseArgs();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chronik-index-bench-"));
try {
  progress(`writing ${records} lines to a log in ${dir}`);
  const highWatermark = await writeCorpusLog(dir, records, logger);
  const logBytes = fs.readdirSync(dir).filter((name) => name.endsWith(".log")).reduce((sum, name) => sum + fs.statSync(path.join(dir, name)).size, 0);
  const chronik: number[] = [];
  const chronikCpu: number[] = [];
  for (let run = 0; run < runs; run++) {
    for (const name of fs.readdirSync(dir)) if (name.endsWith(".search") || name.includes("manifest")) fs.rmSync(path.join(dir, name));
    const { seconds, cpuSeconds } = await indexLog(dir, highWatermark);
    chronik.push(records / seconds);
    chronikCpu.push(records / cpuSeconds);
    progress(`chronik run ${run + 1}: ${chronik.at(-1)!.toFixed(0)} docs/s, ${chronikCpu.at(-1)!.toFixed(0)} docs per CPU second`);
  }
  const floor = records / bareLoop(records);
  progress(`floor: ${floor.toFixed(0)} docs/s`);
  const fts5 = skipFts5 ? null : records / ftsSeconds(records);
  if (fts5 !== null) progress(`FTS5: ${fts5.toFixed(0)} docs/s`);
  const best = Math.max(...chronik);
  const searchBytes = fs.readdirSync(dir).filter((name) => name.endsWith(".search")).reduce((sum, name) => sum + fs.statSync(path.join(dir, name)).size, 0);
  if (json) console.log(JSON.stringify({ records, logBytes, searchBytes, chronikDocsPerSecond: chronik, chronikDocsPerCpuSecond: chronikCpu, fts5DocsPerSecond: fts5, floorDocsPerSecond: floor }));
  else {
    console.log(`${records} lines, ${(logBytes / 1e6).toFixed(1)} MB of log, ${(searchBytes / 1e6).toFixed(1)} MB of sealed index`);
    console.log(`chronik PartitionIndexer  ${best.toFixed(0)} docs/s (best of ${runs}: ${chronik.map((rate) => rate.toFixed(0)).join(", ")}; per CPU second: ${chronikCpu.map((rate) => rate.toFixed(0)).join(", ")})`);
    console.log(`SQLite FTS5               ${fts5 === null ? "skipped" : `${fts5.toFixed(0)} docs/s`}`);
    console.log(`floor (parse + tokenize)  ${floor.toFixed(0)} docs/s`);
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
