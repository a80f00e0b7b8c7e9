import { afterEach, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { IndexCorruptError } from "../../src/storage/index-file.ts";
import { OffsetIndex } from "../../src/storage/offset-index.ts";
import { tempDir } from "./batches.ts";

let dir = "";
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function fresh(): { file: string; index: OffsetIndex } {
  dir = tempDir("offset-index");
  const file = path.join(dir, "00000000000000000100.index");
  return { file, index: OffsetIndex.create(file, 100) };
}

describe("OffsetIndex", () => {
  test("floor lookup falls back to the segment start", () => {
    const { index } = fresh();
    index.append(110, 4000);
    index.append(125, 8100);
    expect(index.lookup(105)).toEqual({ offset: 100, position: 0 });
    expect(index.lookup(110)).toEqual({ offset: 110, position: 4000 });
    expect(index.lookup(124)).toEqual({ offset: 110, position: 4000 });
    expect(index.lookup(999)).toEqual({ offset: 125, position: 8100 });
    index.close();
  });

  test("the file holds 8-byte big-endian entries relative to the base offset and loads back", () => {
    const { file, index } = fresh();
    index.append(110, 4000);
    index.close();
    expect([...fs.readFileSync(file)]).toEqual([0, 0, 0, 10, 0, 0, 0x0f, 0xa0]);
    const loaded = OffsetIndex.load(file, 100, { logBytes: 5000, endOffset: 120 });
    expect(loaded.lookup(115)).toEqual({ offset: 110, position: 4000 });
  });

  test("entries must increase", () => {
    const { index } = fresh();
    index.append(110, 4000);
    expect(() => index.append(110, 5000)).toThrow(/not after offset 110/);
    expect(() => index.append(111, 3000)).toThrow();
    index.close();
  });

  test("loading rejects torn files and entries past the log", () => {
    const { file, index } = fresh();
    index.append(110, 4000);
    index.close();
    expect(() => OffsetIndex.load(file, 100, { logBytes: 4000, endOffset: 200 })).toThrow(IndexCorruptError);
    expect(() => OffsetIndex.load(file, 100, { logBytes: 9000, endOffset: 110 })).toThrow(IndexCorruptError);
    fs.appendFileSync(file, new Uint8Array(3));
    expect(() => OffsetIndex.load(file, 100, { logBytes: 9000, endOffset: 200 })).toThrow(/not a multiple of 8/);
  });

  test("truncation drops entries at and after the offset, on disk too", () => {
    const { file, index } = fresh();
    index.append(110, 4000);
    index.append(120, 8000);
    index.truncateToOffset(120);
    expect(index.count).toBe(1);
    expect(fs.statSync(file).size).toBe(8);
    index.close();
  });
});
