import { afterAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { flattenJsonText } from "../../src/search/document.ts";
import { CorruptIndexFileError, loadSegmentIndex, saveSegmentIndex, searchFileName } from "../../src/search/index-file.ts";
import { SegmentIndex } from "../../src/search/segment-index.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chronik-search-file-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function sample(): SegmentIndex {
  const index = new SegmentIndex("t", 2, 100);
  const values = ['{"a":"x y","n":3,"b":true}', "free text", null];
  values.forEach((value, i) =>
    index.add({ offset: 100 + i, timestamp: i, key: `k${i}`, headers: { h: "v" }, value, valueIsBinary: value === null, fields: value ? flattenJsonText(value) : new Map() }),
  );
  return index;
}

describe(".search files", () => {
  test("a saved index loads back equal", async () => {
    const index = sample();
    await saveSegmentIndex(dir, index);
    const loaded = await loadSegmentIndex(dir, 100);
    expect(loaded?.toSnapshot()).toEqual(index.toSnapshot());
  });

  test("a missing file is null", async () => {
    expect(await loadSegmentIndex(dir, 5)).toBeNull();
  });

  test("a flipped byte or a truncated file is reported as corrupt", async () => {
    await saveSegmentIndex(dir, sample());
    const file = path.join(dir, searchFileName(100));
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 10] ^= 1;
    fs.writeFileSync(file, bytes);
    await expect(loadSegmentIndex(dir, 100)).rejects.toThrow(CorruptIndexFileError);
    fs.writeFileSync(file, bytes.subarray(0, bytes.length - 5));
    await expect(loadSegmentIndex(dir, 100)).rejects.toThrow(CorruptIndexFileError);
  });
});
