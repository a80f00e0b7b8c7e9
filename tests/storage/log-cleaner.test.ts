import { afterEach, describe, expect, test } from "bun:test";
import fs from "node:fs";
import { buildRecordBatch, decodeRecordBatches } from "../../src/records/record-batch.ts";
import { CompressionCodec } from "../../src/records/record-batch.ts";
import { FileLog } from "../../src/storage/file-log.ts";
import type { FileLogOptions } from "../../src/storage/file-log.ts";
import { verifyPartitionDir } from "../../src/storage/verify.ts";
import { recordingLogger, tempDir } from "./batches.ts";

const dirs: string[] = [];
const logs: FileLog[] = [];

afterEach(async () => {
  for (const log of logs.splice(0)) await log.close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function openLog(options: FileLogOptions & { dir?: string } = {}): Promise<FileLog> {
  const dir = options.dir ?? tempDir("cleaner");
  if (!options.dir) dirs.push(dir);
  const log = await FileLog.open(dir, {
    fsync: "never",
    segmentBytes: 600,
    indexIntervalBytes: 100,
    cleanupPolicy: "compact",
    minCleanableDirtyRatio: 0,
    logger: recordingLogger(),
    ...options,
  });
  logs.push(log);
  return log;
}

type Entry = [key: string, value: string | null];

function keyedBatch(entries: Entry[], options: { timestamp?: number; compression?: CompressionCodec } = {}): Uint8Array {
  return buildRecordBatch({
    records: entries.map(([key, value], n) => ({ key, value, timestamp: (options.timestamp ?? 1000) + n })),
    compression: options.compression,
  });
}

/** Every stored record as [offset, key, value], checking CRCs, from the log start. */
async function contents(log: FileLog): Promise<Array<[number, string, string | null]>> {
  const text = new TextDecoder();
  const found: Array<[number, string, string | null]> = [];
  let offset = log.logStartOffset;
  while (offset < log.highWatermark) {
    const bytes = (await log.read(offset, 100_000)).bytes;
    if (bytes.length === 0) break;
    for (const batch of decodeRecordBatches(bytes)) {
      for (const record of batch.records) {
        if (record.offset < offset) continue;
        found.push([record.offset, text.decode(record.key!), record.value === null ? null : text.decode(record.value)]);
      }
      offset = batch.header.baseOffset + batch.header.lastOffsetDelta + 1;
    }
  }
  return found;
}

describe("compaction", () => {
  test("keeps the latest record per key at its original offset, across segments, with valid CRCs", async () => {
    const log = await openLog();
    for (let round = 0; round < 10; round++) {
      await log.append(keyedBatch([["a", `a${round}`], ["b", `b${round}`], [`unique-${round}`, "u"]]));
    }
    const endBefore = log.logEndOffset;
    expect(log.segmentsRewritten).toBe(0);
    const stats = await log.compact();
    expect(stats).not.toBeNull();
    expect(stats!.recordsRemoved).toBeGreaterThan(0);
    // Each replaced segment counts once, so readers that derive data from segments (search) notice.
    expect(log.segmentsRewritten).toBe(stats!.segmentsCleaned);
    const stored = await contents(log);
    // Every unique key survives; a and b survive once each unless their latest is in the active segment.
    for (let round = 0; round < 10; round++) expect(stored.some(([offset, key]) => key === `unique-${round}` && offset === round * 3 + 2)).toBe(true);
    // Below the compacted offset every key appears once; later duplicates sit in the uncleanable active segment.
    const compactedKeys = stored.filter(([offset]) => offset < log.compactedOffset).map(([, key]) => key);
    expect(new Set(compactedKeys).size).toBe(compactedKeys.length);
    expect(log.compactedOffset).toBeGreaterThan(0);
    expect(stored.find(([, key]) => key === "a")?.[2]).not.toBe("a0");
    expect(log.logEndOffset).toBe(endBefore);
    const dir = log.dir;
    await log.close();
    expect(verifyPartitionDir(dir)).toEqual([]);
  });

  test("a reopened compacted log accepts its offset gaps and keeps serving the same records", async () => {
    const log = await openLog();
    for (let round = 0; round < 12; round++) await log.append(keyedBatch([["k", `v${round}`], ["other", `o${round}`]], { compression: CompressionCodec.gzip }));
    await log.compact();
    const before = await contents(log);
    const dir = log.dir;
    await log.close();
    // A lost recovery point forces a full scan of every segment, gaps included.
    fs.rmSync(`${dir}/recovery-point`);
    const logger = recordingLogger();
    const reopened = await openLog({ dir, logger });
    expect(await contents(reopened)).toEqual(before);
    expect(logger.lines.filter((line) => line.includes("truncated"))).toEqual([]);
    expect((await reopened.append(keyedBatch([["k", "new"]]))).baseOffset).toBe(24);
  });

  test("tombstones are removed only once older than deleteRetentionMs", async () => {
    let now = 10_000;
    const log = await openLog({ deleteRetentionMs: 5_000, now: () => now });
    await log.append(keyedBatch([["gone", "v1"], ["kept", "k1"]], { timestamp: 9_000 }));
    await log.append(keyedBatch([["gone", null]], { timestamp: 9_500 }));
    for (let n = 0; n < 10; n++) await log.append(keyedBatch([[`filler-${n}`, "x".repeat(50)]], { timestamp: 9_600 }));
    await log.compact();
    let stored = await contents(log);
    expect(stored.filter(([, key]) => key === "gone")).toEqual([[2, "gone", null]]);
    now = 20_000;
    await log.append(keyedBatch([["kept", "k2"]], { timestamp: 19_000 }));
    for (let n = 0; n < 10; n++) await log.append(keyedBatch([[`more-${n}`, "y".repeat(50)]], { timestamp: 19_500 }));
    await log.compact();
    stored = await contents(log);
    expect(stored.filter(([, key]) => key === "gone")).toEqual([]);
    expect(stored.filter(([, key]) => key === "kept").map(([, , value]) => value)).toEqual(["k2"]);
  });

  test("min.cleanable.dirty.ratio and min.compaction.lag.ms hold a pass back", async () => {
    let now = 100_000;
    const log = await openLog({ minCleanableDirtyRatio: 0.5, minCompactionLagMs: 60_000, now: () => now });
    for (let n = 0; n < 20; n++) await log.append(keyedBatch([["k", `v${n}`]], { timestamp: now }));
    expect(await log.compact()).toBeNull();
    now += 120_000;
    expect(await log.compact()).not.toBeNull();
    // Nothing new is dirty now.
    expect(await log.compact()).toBeNull();
  });

  test("a delete-only log is never compacted", async () => {
    const log = await openLog({ cleanupPolicy: "delete" });
    for (let n = 0; n < 20; n++) await log.append(keyedBatch([["k", `v${n}`]]));
    expect(await log.compact()).toBeNull();
    log.configure({ cleanupPolicy: "compact" });
    expect(await log.compact()).not.toBeNull();
  });
});

describe("compaction with deletion (compact,delete)", () => {
  test("segments that compaction emptied do not hold back retention", async () => {
    const log = await openLog({ cleanupPolicy: "compact,delete", retentionMs: 3_600_000 });
    for (let n = 0; n < 30; n++) await log.append(keyedBatch([["only", `v${n}`.padEnd(150, "x")]], { timestamp: Date.now() }));
    await log.compact();
    const before = log.segmentCount;
    const deleted = await log.enforceRetention();
    // Every sealed segment but the one holding the latest cleaned value is empty now.
    expect(deleted).toBeGreaterThan(0);
    expect(log.segmentCount).toBe(before - deleted);
    const stored = await contents(log);
    expect(stored.filter(([, key]) => key === "only").at(-1)?.[2]).toBe("v29".padEnd(150, "x"));
  });
});
