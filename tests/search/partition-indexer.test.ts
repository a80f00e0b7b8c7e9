import { afterEach, describe, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createLogger } from "../../src/logger.ts";
import { buildRecordBatch, CompressionCodec } from "../../src/records/record-batch.ts";
import { decodeRecordBatches } from "../../src/records/decode-batches.ts";
import { FileLog } from "../../src/storage/file-log.ts";
import { chunkFileName, manifestFileName, readManifest } from "../../src/search/index-manifest.ts";
import { type BacklogIndexer, inProcessBacklogIndexer } from "../../src/search/backlog-chunk.ts";
import { PartitionIndexer } from "../../src/search/partition-indexer.ts";
import { HistogramChild } from "../../src/metrics/registry.ts";
import { indexBatchBuckets } from "../../src/search/search-service.ts";
import { openSealedSegment } from "../../src/search/sealed-segment.ts";
import { parseSearchBody } from "../../src/search/es-dsl.ts";
import { runSearch } from "../../src/search/searcher.ts";
import { SegmentFileReader } from "../../src/search/segment-file-reader.ts";
import { eventually } from "../support/wait.ts";

const logger = createLogger("test", "error");
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function logWith(batches: number, perBatch: number): Promise<{ dir: string; log: FileLog }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chronik-indexer-"));
  dirs.push(dir);
  const log = await FileLog.open(dir, { segmentBytes: 2048, logger });
  for (let b = 0; b < batches; b++) {
    const records = Array.from({ length: perBatch }, (_, r) => ({ value: JSON.stringify({ n: b * perBatch + r, text: `word${(b * perBatch + r) % 7} filler text` }), timestamp: 1000 }));
    // Every other batch compressed: the indexer decompresses what it reads.
    await log.append(buildRecordBatch({ records, compression: b % 2 === 0 ? CompressionCodec.gzip : CompressionCodec.none }));
  }
  return { dir, log };
}

function start(dir: string, log: FileLog, options: { merge?: boolean } = {}) {
  const reader = new SegmentFileReader(dir);
  reader.highWatermark = log.highWatermark;
  reader.logStartOffset = log.logStartOffset;
  const indexer = PartitionIndexer.start({ topic: "t", index: 0, log: reader, dir, onNextData: () => () => {} }, { logger, counters: { binaryValues: 0 }, merge: options.merge ?? false });
  return { indexer, reader };
}

const keyCount = 10;
const encoder = new TextEncoder();

/**
 * A compacted log: `rounds` rounds each write every key once, with a value naming its round,
 * in small segments, so that compaction rewrites sealed segments that earlier rounds filled.
 */
async function compactedLogWith(rounds: number): Promise<{ dir: string; log: FileLog }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chronik-indexer-"));
  dirs.push(dir);
  const log = await FileLog.open(dir, { segmentBytes: 1024, cleanupPolicy: "compact", minCleanableDirtyRatio: 0, logger });
  for (let round = 0; round < rounds; round++) {
    const records = Array.from({ length: keyCount }, (_, key) => ({ key: encoder.encode(`key${key}`), value: JSON.stringify({ key, text: `round${round}` }), timestamp: 1000 }));
    await log.append(buildRecordBatch({ records, compression: round % 2 === 0 ? CompressionCodec.gzip : CompressionCodec.none }));
  }
  return { dir, log };
}

/** The offsets a consumer can fetch from `log` below `end`: what search must return for match_all. */
async function fetchableOffsets(log: FileLog, end = log.highWatermark): Promise<number[]> {
  const found: number[] = [];
  let position = log.logStartOffset;
  while (position < end) {
    const batches = decodeRecordBatches((await log.read(position, 1 << 20)).bytes);
    if (batches.length === 0) break;
    for (const batch of batches) {
      for (const record of batch.records) if (record.offset >= position && record.offset < end) found.push(record.offset);
      position = batch.header.baseOffset + batch.header.lastOffsetDelta + 1;
    }
  }
  return found;
}

/** Waits for the indexer to reach the state `check` describes, naming it (its source) if it does not. */
function until(check: () => boolean): Promise<unknown> {
  return eventually(check, check.toString(), { waitMs: 10_000, pollMs: 10 });
}

async function offsets(indexer: PartitionIndexer, query: unknown = { match_all: {} }): Promise<number[]> {
  const response = await runSearch(await indexer.handles(), parseSearchBody({ query, size: 10_000, sort: [{ _offset: "asc" }] }));
  return response.hits.hits.map((hit) => hit.offset);
}

describe("PartitionIndexer over segment files", () => {
  test("indexes every record once, seals a chunk per rolled segment, and resumes from the manifest", async () => {
    const { dir, log } = await logWith(30, 10);
    expect(log.segmentCount).toBeGreaterThan(3);
    const { indexer } = start(dir, log);
    await until(() => indexer.indexedOffset === 300);
    expect(await offsets(indexer)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(await offsets(indexer, { match: { text: "word3" } })).toEqual(Array.from({ length: 300 }, (_, i) => i).filter((i) => i % 7 === 3));
    await indexer.stop();
    const manifest = readManifest(dir, logger)!;
    expect(manifest.chunks.length).toBe(log.segmentCount - 1);
    expect(manifest.chunks.map(chunkFileName)).toEqual(fs.readdirSync(dir).filter((name) => name.endsWith(".search")).sort());

    const again = start(dir, log).indexer;
    await until(() => again.indexedOffset === 300);
    expect(await offsets(again)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    await again.stop();
    await log.close();
  });

  test("a chunk a search found out of step with the log is rebuilt before the next search", async () => {
    const { dir, log } = await logWith(30, 10);
    const { indexer } = start(dir, log);
    await until(() => indexer.indexedOffset === 300);
    const chunk = readManifest(dir, logger)!.chunks[1];
    indexer.markStaleAt(chunk.baseOffset + 1);
    expect(indexer.staleChunkCount).toBe(1);
    expect(await offsets(indexer)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(indexer.staleChunkCount).toBe(0);
    await indexer.stop();
    await log.close();
  });

  test("chunks of segments deleted by retention go with their .search files", async () => {
    const { dir, log } = await logWith(30, 10);
    const { indexer, reader } = start(dir, log);
    await until(() => indexer.indexedOffset === 300);
    const before = fs.readdirSync(dir).filter((name) => name.endsWith(".search")).length;
    await log.advanceLogStartOffset(150);
    reader.logStartOffset = log.logStartOffset;
    const remaining = await offsets(indexer);
    expect(remaining[0]).toBeGreaterThan(0);
    expect(remaining.at(-1)).toBe(299);
    await until(() => fs.readdirSync(dir).filter((name) => name.endsWith(".search")).length < before);
    await indexer.stop();
    await log.close();
  });

  test("the log start moved inside a sealed chunk and inside the active one: nothing below it is returned", async () => {
    const { dir, log } = await logWith(30, 10);
    const { indexer, reader } = start(dir, log);
    await until(() => indexer.indexedOffset === 300);
    const chunk = readManifest(dir, logger)!.chunks[1];
    const inside = chunk.baseOffset + 3;
    await log.advanceLogStartOffset(inside);
    reader.logStartOffset = log.logStartOffset;
    expect(await offsets(indexer)).toEqual(Array.from({ length: 300 - inside }, (_, i) => inside + i));
    expect(await offsets(indexer, { match: { text: "word3" } })).toEqual(Array.from({ length: 300 - inside }, (_, i) => inside + i).filter((i) => i % 7 === 3));
    // The active chunk: its segment's first records go.
    const activeBase = readManifest(dir, logger)!.resumeOffset;
    await log.advanceLogStartOffset(activeBase + 2);
    reader.logStartOffset = log.logStartOffset;
    expect(await offsets(indexer)).toEqual(Array.from({ length: 300 - activeBase - 2 }, (_, i) => activeBase + 2 + i));
    await indexer.stop();
    // The rebuilt chunk is what the manifest lists: a restart returns the same.
    const again = start(dir, log).indexer;
    await until(() => again.indexedOffset === 300);
    expect(await offsets(again)).toEqual(Array.from({ length: 300 - activeBase - 2 }, (_, i) => activeBase + 2 + i));
    await again.stop();
    await log.close();
  });

  test("compaction replaced sealed segments: an overwritten value is not found, the latest value of every key once", async () => {
    const rounds = 12;
    const { dir, log } = await compactedLogWith(rounds);
    const { indexer, reader } = start(dir, log);
    await until(() => indexer.indexedOffset === rounds * keyCount);
    expect(await offsets(indexer, { match: { text: "round0" } })).toHaveLength(keyCount);

    const cleaned = await log.compact();
    expect(cleaned!.recordsRemoved).toBeGreaterThan(0);
    reader.segmentsRewritten = log.segmentsRewritten;
    const fetchable = await fetchableOffsets(log);
    expect(await offsets(indexer)).toEqual(fetchable);
    expect(await offsets(indexer, { match: { text: "round0" } })).toEqual([]);
    expect(log.segmentsRewritten).toBeGreaterThan(0);
    // The last round sits in the active segment, which compaction leaves alone.
    const latest = await offsets(indexer, { match: { text: `round${rounds - 1}` } });
    expect(latest).toEqual(Array.from({ length: keyCount }, (_, key) => (rounds - 1) * keyCount + key));
    // The stale chunks are rebuilt and saved, with the new files' identities in the manifest.
    await until(() => indexer.staleChunkCount === 0);
    await indexer.stop();
    const again = start(dir, log).indexer;
    await until(() => again.indexedOffset === rounds * keyCount);
    expect(await offsets(again)).toEqual(fetchable);
    expect(again.staleChunkCount).toBe(0);
    await again.stop();
    await log.close();
  });

  test("compaction while the indexer was stopped: the restart notices the replaced files", async () => {
    const rounds = 12;
    const { dir, log } = await compactedLogWith(rounds);
    const first = start(dir, log).indexer;
    await until(() => first.indexedOffset === rounds * keyCount);
    await first.stop();
    await log.compact();
    const { indexer } = start(dir, log);
    await until(() => indexer.indexedOffset === rounds * keyCount);
    expect(await offsets(indexer)).toEqual(await fetchableOffsets(log));
    expect(await offsets(indexer, { match: { text: "round1" } })).toEqual([]);
    await indexer.stop();
    await log.close();
  });

  test("compaction replaced the segment the active chunk was read from: it is sealed and rebuilt", async () => {
    const rounds = 12;
    const { dir, log } = await compactedLogWith(rounds);
    // The indexer lags: it has read only part of the first segment, which the log has sealed.
    const { indexer, reader } = start(dir, log);
    reader.highWatermark = 2 * keyCount;
    await until(() => indexer.indexedOffset === 2 * keyCount);
    expect(await offsets(indexer, { match: { text: "round0" } })).toHaveLength(keyCount);
    await log.compact();
    reader.segmentsRewritten = log.segmentsRewritten;
    expect(await offsets(indexer)).toEqual(await fetchableOffsets(log, 2 * keyCount));
    expect(await offsets(indexer, { match: { text: "round0" } })).toEqual([]);
    reader.highWatermark = log.highWatermark;
    await until(() => indexer.indexedOffset === rounds * keyCount);
    expect(await offsets(indexer)).toEqual(await fetchableOffsets(log));
    await indexer.stop();
    await log.close();
  });

  test("an index of the earlier format (version 2 manifest, JSON .search files) is rebuilt from the log at start", async () => {
    const { dir, log } = await logWith(30, 10);
    const first = start(dir, log).indexer;
    await until(() => first.indexedOffset === 300);
    await first.stop();
    // What an earlier version left: its manifest, and one .search file per sealed chunk.
    for (const name of fs.readdirSync(dir).filter((file) => file.endsWith(".search"))) fs.rmSync(path.join(dir, name));
    const oldFiles = [0, 30, 60].map((base) => `${String(base).padStart(20, "0")}.search`);
    for (const name of oldFiles) fs.writeFileSync(path.join(dir, name), 'chronik-search 1 123 2\n{}');
    fs.writeFileSync(path.join(dir, manifestFileName), "2\nresume 90\nchunk 0 30 0 -\nchunk 30 60 30 -\nchunk 60 90 60 -\n");
    const { indexer } = start(dir, log);
    await until(() => indexer.indexedOffset === 300);
    expect(await offsets(indexer)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(await offsets(indexer, { match: { text: "word3" } })).toEqual(Array.from({ length: 300 }, (_, i) => i).filter((i) => i % 7 === 3));
    await indexer.stop();
    const files = fs.readdirSync(dir).filter((name) => name.endsWith(".search"));
    for (const name of oldFiles) expect(files).not.toContain(name);
    expect(readManifest(dir, logger)!.chunks.map(chunkFileName)).toEqual(files.sort());
    await log.close();
  });
});

describe("PartitionIndexer upgrading", () => {
  test("chunks of sealed format 2 (version 3 manifest, no positions) are indexed again from the log at start", async () => {
    const { dir, log } = await logWith(30, 10);
    const first = start(dir, log).indexer;
    await until(() => first.indexedOffset === 300 && first.sealedChunkCount > 0);
    await first.stop();
    // What the earlier version left: the same files, of format 2, listed by a version 3 manifest.
    const oldFiles = fs.readdirSync(dir).filter((file) => file.endsWith(".search"));
    for (const name of oldFiles) {
      const bytes = fs.readFileSync(path.join(dir, name));
      bytes[6] = 2;
      bytes[bytes.length - 2] = 2;
      fs.writeFileSync(path.join(dir, name), bytes);
    }
    const manifest = fs.readFileSync(path.join(dir, manifestFileName), "utf8");
    fs.writeFileSync(path.join(dir, manifestFileName), manifest.replace(/^4\n/, "3\n"));
    const { indexer } = start(dir, log);
    await until(() => indexer.indexedOffset === 300 && indexer.sealedChunkCount > 0);
    expect(await offsets(indexer, { match_phrase: { text: "word3 filler" } })).toEqual(Array.from({ length: 300 }, (_, i) => i).filter((i) => i % 7 === 3));
    await indexer.stop();
    expect(fs.readFileSync(path.join(dir, manifestFileName), "utf8").startsWith("4\n")).toBe(true);
    for (const name of fs.readdirSync(dir).filter((file) => file.endsWith(".search"))) expect(openSealedSegment(dir, name)).not.toBeNull();
    await log.close();
  });
});

describe("PartitionIndexer killed with SIGKILL", () => {
  test("in seals and merges, then restarted, loses nothing and duplicates nothing", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chronik-indexer-crash-"));
    dirs.push(dir);
    const log = await FileLog.open(dir, { segmentBytes: 256 * 1024, logger });
    for (let b = 0; b < 200; b++) {
      const records = Array.from({ length: 50 }, (_, r) => ({ value: JSON.stringify({ n: b * 50 + r, text: `word${(b * 50 + r) % 7} filler text number ${b}` }), timestamp: 1000 }));
      await log.append(buildRecordBatch({ records, compression: b % 3 === 0 ? CompressionCodec.gzip : CompressionCodec.none }));
    }
    const total = log.highWatermark;
    const kills: Record<string, number> = { sealing: 0, merging: 0 };
    for (let round = 0; round < 8; round++) {
      const child = Bun.spawn([process.execPath, path.join(import.meta.dir, "indexer-crash-child.ts"), dir, String(total)], { stdout: "pipe", stderr: "inherit" });
      // Killed as a seal starts (first rounds, while catching up) or as a merge starts (merges run once caught up).
      const killAt = round < 4 ? { line: "sealing", count: 5 } : { line: "merging", count: round - 3 };
      let seen = 0;
      let done = false;
      let buffered = "";
      const decoder = new TextDecoder();
      for await (const chunk of child.stdout) {
        buffered += decoder.decode(chunk);
        const lines = buffered.split("\n");
        buffered = lines.pop()!;
        for (const line of lines) {
          if (line === killAt.line) seen++;
          if (line === "done") done = true;
        }
        if (seen >= killAt.count || done) break;
      }
      child.kill(9);
      await child.exited;
      if (!done) kills[killAt.line]++;
    }
    expect(kills).toEqual({ sealing: 4, merging: 4 });
    const { indexer } = start(dir, log, { merge: true });
    await until(() => indexer.indexedOffset === total && indexer.staleChunkCount === 0);
    expect(await offsets(indexer)).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(await offsets(indexer, { match: { text: "word3" } })).toEqual(Array.from({ length: total }, (_, i) => i).filter((i) => i % 7 === 3));
    await indexer.stop();
    // Every file left is listed: no merge input or half-written output survives.
    expect(readManifest(dir, logger)!.chunks.map(chunkFileName).sort()).toEqual(fs.readdirSync(dir).filter((name) => name.includes(".search")).sort());
    await log.close();
  }, 60_000);
});

describe("PartitionIndexer with a backlog indexer", () => {
  test("takes the stretches of a backlog indexed ahead: every record once, every chunk listed, none overlapping", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chronik-indexer-backlog-"));
    dirs.push(dir);
    const log = await FileLog.open(dir, { segmentBytes: 256 * 1024, logger });
    for (let b = 0; b < 100; b++) {
      const records = Array.from({ length: 50 }, (_, r) => ({ value: JSON.stringify({ n: b * 50 + r, text: `word${(b * 50 + r) % 7} filler text number ${b}` }), timestamp: 1000 }));
      await log.append(buildRecordBatch({ records, compression: b % 3 === 0 ? CompressionCodec.gzip : CompressionCodec.none }));
    }
    const total = log.highWatermark;
    const inProcess = inProcessBacklogIndexer();
    const written: number[] = [];
    const backlog: BacklogIndexer = {
      get busy() {
        return inProcess.busy;
      },
      async index(job) {
        const chunk = await inProcess.index(job);
        if (chunk !== null) written.push(chunk.baseOffset);
        return chunk;
      },
    };
    const reader = new SegmentFileReader(dir);
    reader.highWatermark = total;
    const indexer = PartitionIndexer.start(
      { topic: "t", index: 0, log: reader, dir, onNextData: () => () => {} },
      { logger, counters: { binaryValues: 0 }, liveBytesLimit: () => 64 * 1024, merge: false, backlog },
    );
    await until(() => indexer.indexedOffset === total);
    const all = Array.from({ length: total }, (_, i) => i);
    expect(await offsets(indexer)).toEqual(all);
    expect(await offsets(indexer, { match: { text: "word3" } })).toEqual(all.filter((i) => i % 7 === 3));
    await indexer.stop();
    const chunks = readManifest(dir, logger)!.chunks;
    expect(written.length).toBeGreaterThan(2);
    for (const base of written) expect(chunks.some((chunk) => chunk.baseOffset === base)).toBe(true);
    for (let i = 1; i < chunks.length; i++) expect(chunks[i].baseOffset).toBe(chunks[i - 1].endOffset);
    expect(chunks.map(chunkFileName)).toEqual(fs.readdirSync(dir).filter((name) => name.includes(".search")).sort());

    const again = start(dir, log).indexer;
    await until(() => again.indexedOffset === total);
    expect(await offsets(again)).toEqual(all);
    await again.stop();
    await log.close();
  });
});

describe("PartitionIndexer merging", () => {
  test("searches while chunks merge answer every time, and merging leaves few chunks", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chronik-indexer-merge-"));
    dirs.push(dir);
    const log = await FileLog.open(dir, { segmentBytes: 4 * 1024 * 1024, logger });
    for (let b = 0; b < 100; b++) {
      const records = Array.from({ length: 50 }, (_, r) => ({ value: JSON.stringify({ n: b * 50 + r, text: `word${(b * 50 + r) % 7} filler text number ${b}` }), timestamp: 1000 }));
      await log.append(buildRecordBatch({ records }));
    }
    const total = log.highWatermark;
    const reader = new SegmentFileReader(dir);
    reader.highWatermark = total;
    const indexer = PartitionIndexer.start(
      { topic: "t", index: 0, log: reader, dir, onNextData: () => () => {} },
      { logger, counters: { binaryValues: 0 }, liveBytesLimit: () => 32 * 1024 },
    );
    const expected = Array.from({ length: total }, (_, i) => i).filter((i) => i % 7 === 3);
    let searches = 0;
    let mostChunks = 0;
    let sawMergeDue = false;
    // Until indexing is done and merging has brought the chunks down to the policy's bound.
    const settled = async () => {
      if (indexer.indexedOffset === total && indexer.sealedChunkCount < 2 * 8) return true;
      mostChunks = Math.max(mostChunks, indexer.sealedChunkCount);
      sawMergeDue ||= indexer.mergeDue;
      if (indexer.indexedOffset === total) {
        // Handles taken before a merge and searched after it: the merge deleted their files meanwhile.
        const handles = await indexer.handles();
        const chunks = indexer.sealedChunkCount;
        const files = () => fs.readdirSync(dir).filter((name) => name.endsWith(".search")).length;
        await eventually(() => indexer.sealedChunkCount !== chunks && files() === indexer.sealedChunkCount, "a merge replaces the chunks the handles were taken on", { waitMs: 30_000, pollMs: 1 });
        const response = await runSearch(handles, parseSearchBody({ query: { match: { text: "word3" } }, size: 10_000, sort: [{ _offset: "asc" }] }));
        expect(response.hits.hits.map((hit) => hit.offset)).toEqual(expected);
        searches++;
      }
      return false;
    };
    await eventually(settled, "merging brings the chunks below 16", { waitMs: 30_000, pollMs: 1, detail: () => `${indexer.sealedChunkCount} chunks` });
    expect(mostChunks).toBeGreaterThan(16);
    expect(searches).toBeGreaterThan(0);
    // mergeDue (the stats' mergingPartitions) says when merging has settled.
    expect(sawMergeDue).toBe(true);
    await eventually(async () => !indexer.mergeDue, "merging to settle", { pollMs: 5 });
    expect(indexer.sealedChunkCount).toBeLessThan(2 * 8);
    expect(await offsets(indexer, { match: { text: "word3" } })).toEqual(expected);
    await indexer.stop();
    await log.close();
  }, 60_000);
});

describe("PartitionIndexer measures", () => {
  test("counts the records it indexes and times each batch; caught up, its lag is zero", async () => {
    const { dir, log } = await logWith(10, 5);
    const reader = new SegmentFileReader(dir);
    reader.highWatermark = log.highWatermark;
    reader.logStartOffset = log.logStartOffset;
    const measures = { indexedRecords: 0, batchSeconds: new HistogramChild([], indexBatchBuckets) };
    const indexer = PartitionIndexer.start({ topic: "t", index: 0, log: reader, dir, onNextData: () => () => {} }, { logger, counters: { binaryValues: 0 }, merge: false, measures });
    try {
      await eventually(async () => indexer.indexedOffset === 50, "the indexer catches up");
      expect(measures.indexedRecords).toBe(50);
      expect(measures.batchSeconds.count).toBe(10);
      expect(indexer.lag(performance.now() + 60_000)).toEqual({ records: 0, seconds: 0 });
    } finally {
      await indexer.stop();
      await log.close();
    }
  });
});
