import { afterEach, describe, expect, test } from "bun:test";
import fs from "node:fs";
import { buildRecordBatch, decodeRecordBatches } from "../../src/records/record-batch.ts";
import { cleanedFileNames, removeCleanedFiles, runCleaningJob, type CleaningJob, type SegmentFile } from "../../src/storage/clean-job.ts";
import { OffsetIndex } from "../../src/storage/offset-index.ts";
import { segmentFiles } from "../../src/storage/segment.ts";
import { TimeIndex } from "../../src/storage/time-index.ts";
import { tempDir } from "./batches.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function newDir(): string {
  const dir = tempDir("clean-job");
  dirs.push(dir);
  return dir;
}

/** A record as [key, value, timestamp]; a null value is a tombstone. */
type Rec = [key: string | null, value: string | null, timestamp?: number];
interface BatchSpec {
  records: Rec[];
  transactional?: boolean;
  control?: boolean;
}

const nowMs = 10_000_000;

/** Writes a sealed segment's .log holding `batches` at consecutive offsets from `baseOffset`. */
function writeSegment(dir: string, baseOffset: number, batches: Array<Rec[] | BatchSpec>): SegmentFile {
  const parts: Uint8Array[] = [];
  let offset = baseOffset;
  for (const entry of batches) {
    const spec = Array.isArray(entry) ? { records: entry } : entry;
    const records = spec.records.map(([key, value, timestamp]) => ({ key, value, timestamp: timestamp ?? nowMs - 1000 }));
    const txn = spec.transactional || spec.control ? { producerId: 5, producerEpoch: 0 } : {};
    parts.push(buildRecordBatch({ records, baseOffset: offset, transactional: spec.transactional, control: spec.control, ...txn }));
    offset += records.length;
  }
  const bytes = Buffer.concat(parts);
  fs.writeFileSync(segmentFiles(dir, baseOffset).log, bytes);
  return { baseOffset, size: bytes.length, endOffset: offset };
}

function job(dir: string, segments: SegmentFile[], firstDirty: number, overrides: Partial<CleaningJob> = {}): CleaningJob {
  return { dir, segments, firstDirty, nowMs, deleteRetentionMs: 60_000, indexIntervalBytes: 4096, ...overrides };
}

const noPause = async () => {};
const text = new TextDecoder();

/** What a cleaned segment holds, as "offset:key=value" ("null" for a tombstone, "-" for no key). */
function cleanedRecords(dir: string, baseOffset: number): string[] {
  return decodeRecordBatches(fs.readFileSync(cleanedFileNames(dir, baseOffset).log)).flatMap((batch) =>
    batch.records.map((record) => `${record.offset}:${record.key ? text.decode(record.key) : "-"}=${record.value ? text.decode(record.value) : "null"}`),
  );
}

const cleanedFilesIn = (dir: string) => fs.readdirSync(dir).filter((name) => name.endsWith(".cleaned")).sort();

describe("runCleaningJob", () => {
  test("keeps the latest record of each key across clean and dirty segments, and every unkeyed record, at their offsets", async () => {
    const dir = newDir();
    const s0 = writeSegment(dir, 0, [[["a", "a0"], ["b", "b1"], [null, "x2"]], [["c", "c3"]]]);
    const s1 = writeSegment(dir, 4, [[["a", "a4"], ["c", "c5"]]]);
    const s2 = writeSegment(dir, 6, [[["b", "b6"], ["d", "d7"]]]);
    const outcome = await runCleaningJob(job(dir, [s0, s1, s2], 1), noPause);
    expect(outcome.dirtyEnd).toBe(8);
    // The last segment keeps all its records: it gets no .cleaned files.
    expect(outcome.cleaned).toEqual([0]);
    expect(cleanedRecords(dir, 0)).toEqual(["2:-=x2"]);
    expect(cleanedFilesIn(dir)).toEqual(Object.values(cleanedFileNames(dir, 0)).map((file) => file.slice(dir.length + 1)).sort());
    expect(outcome.stats).toMatchObject({ segmentsCleaned: 1, recordsRemoved: 3, bytesWritten: fs.statSync(cleanedFileNames(dir, 0).log).size });
    // The dirty segments are read twice (offset map, then rewrite), the clean one once.
    expect(outcome.stats.bytesRead).toBe(s0.size + 2 * (s1.size + s2.size));
    expect(outcome.stats.durationMs).toBeGreaterThanOrEqual(0);
  });

  test("a dirty segment superseded within itself is cleaned too; a batch that loses some records is rebuilt with valid CRCs", async () => {
    const dir = newDir();
    const s0 = writeSegment(dir, 0, [[["k", "v0"], ["other", "o1"], ["k", "v2"]], [["k", "v3"]]]);
    const outcome = await runCleaningJob(job(dir, [s0], 0), noPause);
    expect(outcome).toMatchObject({ dirtyEnd: 2 + 2, cleaned: [0] });
    // decodeRecordBatches checks each batch's CRC.
    expect(cleanedRecords(dir, 0)).toEqual(["1:other=o1", "3:k=v3"]);
    const batches = decodeRecordBatches(fs.readFileSync(cleanedFileNames(dir, 0).log));
    expect(batches.map((batch) => batch.header.recordCount)).toEqual([1, 1]);
  });

  test("tombstones: the latest survives until delete.retention.ms has passed since its timestamp, older values of its key go at once", async () => {
    const dir = newDir();
    const retention = 60_000;
    const s0 = writeSegment(dir, 0, [[["old", "v0"], ["recent", "v1"], ["old", null, nowMs - retention - 1], ["recent", null, nowMs - retention]]]);
    const outcome = await runCleaningJob(job(dir, [s0], 0, { deleteRetentionMs: retention }), noPause);
    expect(outcome.cleaned).toEqual([0]);
    expect(cleanedRecords(dir, 0)).toEqual(["3:recent=null"]);
    expect(outcome.stats.recordsRemoved).toBe(3);
  });

  test("transactional and control batches pass through whole, and their keys supersede nothing", async () => {
    const dir = newDir();
    const s0 = writeSegment(dir, 0, [
      [["k", "plain0"]],
      { records: [["k", "txn1"], ["k", "txn2"]], transactional: true },
      { records: [["\u0000\u0000", "marker"]], control: true },
      [["j", "plain4"], ["j", "plain5"]],
    ]);
    const outcome = await runCleaningJob(job(dir, [s0], 0), noPause);
    expect(outcome.cleaned).toEqual([0]);
    expect(cleanedRecords(dir, 0)).toEqual(["0:k=plain0", "1:k=txn1", "2:k=txn2", "3:\u0000\u0000=marker", "5:j=plain5"]);
    const batches = decodeRecordBatches(fs.readFileSync(cleanedFileNames(dir, 0).log));
    expect(batches.map((batch) => [batch.header.baseOffset, batch.records.length])).toEqual([
      [0, 1],
      [1, 2],
      [3, 1],
      [5, 1],
    ]);
  });

  test("nothing to remove: no segment is cleaned and no .cleaned file is left", async () => {
    const dir = newDir();
    const s0 = writeSegment(dir, 0, [[["a", "1"], ["b", "2"]]]);
    const s1 = writeSegment(dir, 2, [[["c", "3"]]]);
    const outcome = await runCleaningJob(job(dir, [s0, s1], 1), noPause);
    expect(outcome).toMatchObject({ dirtyEnd: 3, cleaned: [], stats: { segmentsCleaned: 0, recordsRemoved: 0, bytesWritten: 0 } });
    expect(cleanedFilesIn(dir)).toEqual([]);
  });

  test("the cleaned indexes point at the rewritten batches and record the segment's largest timestamp", async () => {
    const dir = newDir();
    const batches: Rec[][] = [];
    for (let n = 0; n < 10; n++) batches.push([[`k${n % 5}`, `v${n}`, nowMs - 10_000 + n]]);
    const s0 = writeSegment(dir, 0, batches);
    // An index entry after every batch that follows more than 1 byte.
    await runCleaningJob(job(dir, [s0], 0, { indexIntervalBytes: 1 }), noPause);
    const names = cleanedFileNames(dir, 0);
    const log = fs.readFileSync(names.log);
    const kept = decodeRecordBatches(log);
    expect(kept.map((batch) => batch.header.baseOffset)).toEqual([5, 6, 7, 8, 9]);
    const index = OffsetIndex.load(names.index, 0, { logBytes: log.length, endOffset: 10 });
    let position = 0;
    const starts = new Map<number, number>();
    for (const batch of kept) {
      starts.set(batch.header.baseOffset, position);
      position += batchBytes(log, position);
    }
    expect(index.count).toBe(4);
    for (let n = 0; n < index.count; n++) {
      const entry = index.entry(n);
      expect(starts.get(entry.offset)).toBe(entry.position);
    }
    const timeIndex = TimeIndex.load(names.timeindex, 0, { endOffset: 10 });
    expect(timeIndex.entry(timeIndex.count - 1)).toEqual({ timestamp: nowMs - 10_000 + 9, offset: 9 });
    index.close();
    timeIndex.close();
  });

  test("with no index entry due, the cleaned time index still gets the segment's largest timestamp", async () => {
    const dir = newDir();
    const s0 = writeSegment(dir, 0, [[["k", "v0", nowMs - 500]], [["k", "v1", nowMs - 900]], [["j", "v2", nowMs - 700]]]);
    await runCleaningJob(job(dir, [s0], 0, { indexIntervalBytes: 4096 }), noPause);
    const names = cleanedFileNames(dir, 0);
    const index = OffsetIndex.load(names.index, 0, { logBytes: fs.statSync(names.log).size, endOffset: 3 });
    const timeIndex = TimeIndex.load(names.timeindex, 0, { endOffset: 3 });
    expect(index.count).toBe(0);
    // v0 (the largest timestamp) was removed: the largest kept is j's, at offset 2.
    expect(timeIndex.count).toBe(1);
    expect(timeIndex.entry(0)).toEqual({ timestamp: nowMs - 700, offset: 2 });
    index.close();
    timeIndex.close();
  });

  test("pauses after every chunk it reads", async () => {
    const dir = newDir();
    const s0 = writeSegment(dir, 0, [[["a", "0"]], [["a", "1"]]]);
    const s1 = writeSegment(dir, 2, [[["a", "2"]]]);
    let pauses = 0;
    await runCleaningJob(job(dir, [s0, s1], 0), async () => {
      pauses++;
    });
    // Small segments are one chunk each: two reads for the offset map, two for the rewrite.
    expect(pauses).toBe(4);
  });

  test("a torn batch fails the pass, and the .cleaned files already written are removed", async () => {
    const dir = newDir();
    const s0 = writeSegment(dir, 0, [[["a", "0"], ["x", "1"]]]);
    const s1 = writeSegment(dir, 2, [[["b", "2"]], [["b", "3"]]]);
    const s2 = writeSegment(dir, 4, [[["a", "4"]]]);
    // The clean segment s1 loses the last bytes of its second batch.
    fs.truncateSync(segmentFiles(dir, 2).log, s1.size - 10);
    const torn = { ...s1, size: s1.size - 10 };
    await expect(runCleaningJob(job(dir, [s0, torn, s2], 2), noPause)).rejects.toThrow(/torn batch at position/);
    // s0 was cleaned before s1 failed: its files are gone.
    expect(cleanedFilesIn(dir)).toEqual([]);
  });
});

describe("removeCleanedFiles", () => {
  test("deletes the three .cleaned files of each segment given, and nothing else", async () => {
    const dir = newDir();
    for (const base of [0, 100]) for (const file of Object.values(cleanedFileNames(dir, base))) fs.writeFileSync(file, "x");
    fs.writeFileSync(segmentFiles(dir, 0).log, "segment");
    removeCleanedFiles(dir, [0, 7]);
    expect(fs.readdirSync(dir).sort()).toEqual(["00000000000000000000.log", "00000000000000000100.index.cleaned", "00000000000000000100.log.cleaned", "00000000000000000100.timeindex.cleaned"]);
  });
});

/** Size of the batch starting at `position` (its length field plus the 12 bytes before it). */
function batchBytes(bytes: Uint8Array, position: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getInt32(position + 8) + 12;
}
