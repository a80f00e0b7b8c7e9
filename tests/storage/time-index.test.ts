import { afterEach, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { IndexCorruptError } from "../../src/storage/index-file.ts";
import { TimeIndex } from "../../src/storage/time-index.ts";
import { tempDir } from "./batches.ts";

let dir = "";
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function fresh(): { file: string; index: TimeIndex } {
  dir = tempDir("time-index");
  const file = path.join(dir, "00000000000000000100.timeindex");
  return { file, index: TimeIndex.create(file, 100) };
}

describe("TimeIndex", () => {
  test("keeps only a growing maximum and looks up the last entry at or below a time", () => {
    const { index } = fresh();
    index.maybeAppend({ timestamp: 5000, offset: 110 });
    index.maybeAppend({ timestamp: 5000, offset: 120 });
    index.maybeAppend({ timestamp: 7000, offset: 130 });
    expect(index.count).toBe(2);
    expect(index.lookup(4999)).toBe(100);
    expect(index.lookup(6999)).toBe(110);
    expect(index.lookup(7000)).toBe(130);
    expect(index.last).toEqual({ timestamp: 7000, offset: 130 });
    index.close();
  });

  test("the file holds 12-byte entries (int64 timestamp, int32 relative offset) and loads back", () => {
    const { file, index } = fresh();
    index.maybeAppend({ timestamp: 1_700_000_000_000, offset: 105 });
    index.close();
    expect(fs.statSync(file).size).toBe(12);
    const loaded = TimeIndex.load(file, 100, { endOffset: 106 });
    expect(loaded.last).toEqual({ timestamp: 1_700_000_000_000, offset: 105 });
    expect(() => TimeIndex.load(file, 100, { endOffset: 105 })).toThrow(IndexCorruptError);
  });

  test("truncation drops entries at and after the offset", () => {
    const { index } = fresh();
    index.maybeAppend({ timestamp: 1, offset: 101 });
    index.maybeAppend({ timestamp: 2, offset: 102 });
    index.truncateToOffset(102);
    expect(index.last).toEqual({ timestamp: 1, offset: 101 });
    index.close();
  });
});
