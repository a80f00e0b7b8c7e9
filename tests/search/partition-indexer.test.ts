import { afterEach, describe, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createLogger } from "../../src/logger.ts";
import { buildRecordBatch, CompressionCodec } from "../../src/records/record-batch.ts";
import { FileLog } from "../../src/storage/file-log.ts";
import { IndexCache } from "../../src/search/index-cache.ts";
import { readManifest } from "../../src/search/index-manifest.ts";
import { PartitionIndexer } from "../../src/search/partition-indexer.ts";
import { parseSearchBody } from "../../src/search/es-dsl.ts";
import { runSearch } from "../../src/search/searcher.ts";
import { SegmentFileReader } from "../../src/search/segment-file-reader.ts";

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

function start(dir: string, log: FileLog, cache = new IndexCache(64 * 1024 * 1024, () => 0)) {
  const reader = new SegmentFileReader(dir);
  reader.highWatermark = log.highWatermark;
  reader.logStartOffset = log.logStartOffset;
  const indexer = PartitionIndexer.start({ topic: "t", index: 0, log: reader, dir, onNextData: () => () => {} }, { cache, logger, counters: { binaryValues: 0 } });
  return { indexer, reader };
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("Condition not met within 10 s");
    await Bun.sleep(10);
  }
}

async function offsets(indexer: PartitionIndexer, query: unknown = { match_all: {} }): Promise<number[]> {
  const response = await runSearch(indexer.handles(), parseSearchBody({ query, size: 10_000, sort: [{ _offset: "asc" }] }));
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
    expect(manifest.chunks.map((chunk) => `${String(chunk.baseOffset).padStart(20, "0")}.search`)).toEqual(fs.readdirSync(dir).filter((name) => name.endsWith(".search")).sort());

    const again = start(dir, log).indexer;
    await until(() => again.indexedOffset === 300);
    expect(await offsets(again)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    await again.stop();
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
});
