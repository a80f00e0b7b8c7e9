import { afterEach, describe, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createLogger } from "../../src/logger.ts";
import { buildRecordBatch, CompressionCodec } from "../../src/records/record-batch.ts";
import { type BacklogJob, writeBacklogChunk } from "../../src/search/backlog-chunk.ts";
import { chunkFileName } from "../../src/search/index-manifest.ts";
import { openSealedSegment } from "../../src/search/sealed-segment.ts";
import { listSegmentBaseOffsets } from "../../src/storage/segment.ts";
import { FileLog } from "../../src/storage/file-log.ts";

const logger = createLogger("test", "error");
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A log of `batches` batches of 50 JSON records each, in segments of `segmentBytes`. */
async function logWith(batches: number, segmentBytes: number): Promise<{ dir: string; log: FileLog }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chronik-backlog-"));
  dirs.push(dir);
  const log = await FileLog.open(dir, { segmentBytes, logger });
  for (let b = 0; b < batches; b++) {
    const records = Array.from({ length: 50 }, (_, r) => ({ value: JSON.stringify({ n: b * 50 + r, text: `word${(b * 50 + r) % 7} filler text` }), timestamp: 1000 }));
    await log.append(buildRecordBatch({ records, compression: b % 2 === 0 ? CompressionCodec.gzip : CompressionCodec.none }));
  }
  return { dir, log };
}

function jobFor(dir: string, log: FileLog, fromOffset: number, endOffset: number, bytesLimit = 1 << 30): BacklogJob {
  const logSegmentBase = listSegmentBaseOffsets(dir).findLast((base) => base <= fromOffset)!;
  return { dir, topic: "t", partition: 0, fromOffset, endOffset, logSegmentBase, logStartOffset: log.logStartOffset, highWatermark: log.highWatermark, aborted: [], bytesLimit };
}

function searchFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((name) => name.includes(".search"));
}

describe("writeBacklogChunk", () => {
  test("writes the stretch's records, from inside a batch to inside another, as one chunk file", async () => {
    const { dir, log } = await logWith(20, 1 << 20);
    const chunk = await writeBacklogChunk(jobFor(dir, log, 125, 610));
    expect(chunk).toMatchObject({ baseOffset: 125, endOffset: 610, documents: 485, binaryValues: 0 });
    expect(searchFiles(dir)).toEqual([chunkFileName({ baseOffset: 125, endOffset: 610 })]);
    const segment = openSealedSegment(dir, chunkFileName(chunk!))!;
    expect(segment.docCount).toBe(485);
    expect([segment.offset(0), segment.offset(484)]).toEqual([125, 609]);
    await log.close();
  });

  test("ends at the size limit, and at the end of its log segment", async () => {
    const { dir, log } = await logWith(20, 1 << 20);
    const limited = await writeBacklogChunk(jobFor(dir, log, 100, 1000, 16 * 1024));
    expect(limited!.endOffset).toBeGreaterThan(100);
    expect(limited!.endOffset).toBeLessThan(1000);
    await log.close();

    const small = await logWith(20, 4096);
    const bases = listSegmentBaseOffsets(small.dir);
    expect(bases.length).toBeGreaterThan(2);
    const chunk = await writeBacklogChunk(jobFor(small.dir, small.log, bases[1], 1000));
    expect(chunk).toMatchObject({ baseOffset: bases[1], endOffset: bases[2] });
    await small.log.close();
  });

  test("writes nothing for a stretch below the log start or with no records", async () => {
    const { dir, log } = await logWith(4, 1 << 20);
    expect(await writeBacklogChunk({ ...jobFor(dir, log, 50, 100), logStartOffset: 120 })).toBeNull();
    expect(await writeBacklogChunk(jobFor(dir, log, 200, 300))).toBeNull();
    expect(searchFiles(dir)).toEqual([]);
    await log.close();
  });
});
