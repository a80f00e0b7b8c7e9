import { afterEach, describe, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { segmentBaseOf, staleChunks } from "../../src/search/chunk-freshness.ts";
import type { ChunkRange } from "../../src/search/index-manifest.ts";
import { segmentIdentity } from "../../src/search/segment-source.ts";
import { segmentFileName } from "../../src/storage/segment.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A partition folder with empty segment files at these bases. */
function folderWith(bases: number[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chronik-freshness-"));
  dirs.push(dir);
  for (const base of bases) fs.writeFileSync(path.join(dir, segmentFileName(base, ".log")), "");
  return dir;
}

/** What compaction does: a new file renamed over the segment's .log. */
function replaceSegment(dir: string, base: number): void {
  const file = path.join(dir, segmentFileName(base, ".log"));
  fs.writeFileSync(`${file}.cleaned`, "x");
  fs.renameSync(`${file}.cleaned`, file);
}

function chunk(dir: string, baseOffset: number, endOffset: number, segmentBase: number): ChunkRange {
  return { baseOffset, endOffset, fromOffset: baseOffset, identity: segmentIdentity(dir, segmentBase) };
}

describe("staleChunks", () => {
  test("a chunk whose segment file was replaced is stale once files are compared; its neighbours are not", () => {
    const dir = folderWith([0, 100, 200]);
    const chunks = [chunk(dir, 0, 50, 0), chunk(dir, 50, 100, 0), chunk(dir, 100, 200, 100), chunk(dir, 200, 250, 200)];
    replaceSegment(dir, 100);
    expect(staleChunks(chunks, { logStartOffset: 0, dir, checkFiles: false })).toEqual([]);
    expect(staleChunks(chunks, { logStartOffset: 0, dir, checkFiles: true }).map((stale) => stale.baseOffset)).toEqual([100]);
    replaceSegment(dir, 0);
    expect(staleChunks(chunks, { logStartOffset: 0, dir, checkFiles: true }).map((stale) => stale.baseOffset)).toEqual([0, 50, 100]);
  });

  test("the log start inside a chunk makes it stale; a chunk wholly below it is expired, not stale", () => {
    const dir = folderWith([0, 100]);
    const chunks = [chunk(dir, 0, 100, 0), chunk(dir, 100, 150, 100)];
    expect(staleChunks(chunks, { logStartOffset: 100, dir, checkFiles: false })).toEqual([]);
    expect(staleChunks(chunks, { logStartOffset: 120, dir, checkFiles: false }).map((stale) => stale.baseOffset)).toEqual([100]);
    // Rebuilt from the log start, it is fresh again.
    expect(staleChunks([{ ...chunks[1], fromOffset: 120 }], { logStartOffset: 120, dir, checkFiles: true })).toEqual([]);
  });

  test("an unknown identity is compared even without a reported compaction; a missing segment file is left to expire", () => {
    const dir = folderWith([0, 100]);
    const unknown = { baseOffset: 0, endOffset: 100, fromOffset: 0, identity: null };
    expect(staleChunks([unknown], { logStartOffset: 0, dir, checkFiles: false })).toEqual([unknown]);
    const known = chunk(dir, 0, 100, 0);
    fs.rmSync(path.join(dir, segmentFileName(0, ".log")));
    expect(staleChunks([known, unknown], { logStartOffset: 0, dir, checkFiles: true })).toEqual([]);
    expect(staleChunks([unknown], { logStartOffset: 0, dir: null, checkFiles: true })).toEqual([]);
  });

  test("segmentBaseOf: the last base at or below the offset", () => {
    expect(segmentBaseOf([0, 100, 200], 150)).toBe(100);
    expect(segmentBaseOf([0, 100, 200], 200)).toBe(200);
    expect(segmentBaseOf([50], 10)).toBe(50);
    expect(segmentBaseOf([], 10)).toBe(0);
  });
});
