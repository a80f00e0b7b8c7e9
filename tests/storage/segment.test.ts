import { afterEach, describe, expect, test } from "bun:test";
import fs from "node:fs";
import { assignOffsets } from "../../src/storage/assign-offsets.ts";
import { Segment, segmentFileName } from "../../src/storage/segment.ts";
import { batchBaseOffsets, batchOf, concat, recordingLogger, tempDir } from "./batches.ts";

let dir = "";
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A segment at base 10 holding batches of 2 records with timestamps rising by 100 per batch. */
function segmentWith(batchCount: number): { segment: Segment; sizes: number[] } {
  dir = tempDir("segment");
  const segment = Segment.create(dir, 10, 0, { indexIntervalBytes: 150, logger: recordingLogger(), compactedBelow: () => 0 });
  const sizes: number[] = [];
  for (let n = 0; n < batchCount; n++) {
    const bytes = batchOf([`a${n}`, `b${n}`], { timestamps: [n * 100, n * 100 + 50] });
    sizes.push(bytes.length);
    segment.append(bytes, assignOffsets(bytes, segment.endOffset, undefined), 0);
  }
  return { segment, sizes };
}

describe("Segment", () => {
  test("names its files by the zero-padded base offset", () => {
    expect(segmentFileName(42, ".timeindex")).toBe("00000000000000000042.timeindex");
  });

  test("locates the batch holding an offset and reads whole batches up to the limit", async () => {
    const { segment, sizes } = segmentWith(6);
    expect(segment.endOffset).toBe(22);
    const position = segment.locate(15, segment.size)!;
    expect(position).toBe(sizes[0] + sizes[1]);
    expect(batchBaseOffsets(segment.read(position, segment.size, sizes[2] + sizes[3] + 5))).toEqual([14, 16]);
    expect(batchBaseOffsets(segment.read(position, position + sizes[2], 1 << 20))).toEqual([14]);
    expect(segment.locate(22, segment.size)).toBeNull();
    await segment.close();
  });

  test("finds records by time and keeps the largest timestamp across a truncation", async () => {
    const { segment } = segmentWith(6);
    expect(segment.findTimestamp(260, 0)).toEqual({ offset: 16, timestamp: 300 });
    expect(segment.findTimestamp(320, 17)).toEqual({ offset: 17, timestamp: 350 });
    expect(segment.maxTimestamp()).toEqual({ offset: 21, timestamp: 550 });
    segment.truncateTo(17);
    expect(segment.endOffset).toBe(16);
    expect(segment.maxTimestamp()).toEqual({ offset: 15, timestamp: 250 });
    expect(segment.findTimestamp(251, 0)).toBeNull();
    await segment.close();
  });

  test("recover keeps whole batches and reports the torn tail", async () => {
    const { segment, sizes } = segmentWith(3);
    await segment.close();
    const file = `${dir}/${segmentFileName(10, ".log")}`;
    fs.appendFileSync(file, concat(batchOf(["partial"])).subarray(0, 30));
    const recovered = Segment.recover(dir, 10, { indexIntervalBytes: 150, logger: recordingLogger(), compactedBelow: () => 0 });
    expect(recovered.problem).toContain("torn batch header");
    expect([recovered.cutBytes, recovered.segment.size, recovered.segment.endOffset]).toEqual([30, sizes[0] + sizes[1] + sizes[2], 16]);
    await recovered.segment.close();
  });
});

describe("Segment.openTrusted", () => {
  for (const lost of [".index", ".timeindex"] as const) {
    test(`recreates a missing ${lost} at once, so a segment nobody reads is whole after a clean stop`, async () => {
      const { segment } = segmentWith(6);
      await segment.seal(async () => {});
      await segment.close();
      const file = `${dir}/${segmentFileName(10, lost)}`;
      fs.rmSync(file);
      const logger = recordingLogger();
      const reopened = Segment.openTrusted(dir, 10, 22, { indexIntervalBytes: 150, logger, compactedBelow: () => 0 });
      expect(fs.existsSync(file)).toBe(true);
      expect(logger.lines.join("\n")).toContain("missing");
      expect(reopened.locate(15, reopened.size)).not.toBeNull();
      await reopened.close();
    });
  }

  test("recreates the index files of an empty segment (compaction removed all its records)", async () => {
    dir = tempDir("segment");
    const options = { indexIntervalBytes: 150, logger: recordingLogger(), compactedBelow: () => 0 };
    const empty = Segment.create(dir, 10, 0, options);
    await empty.seal(async () => {});
    await empty.close();
    for (const suffix of [".index", ".timeindex"] as const) fs.rmSync(`${dir}/${segmentFileName(10, suffix)}`);
    const reopened = Segment.openTrusted(dir, 10, 10, options);
    for (const suffix of [".index", ".timeindex"] as const) expect(fs.existsSync(`${dir}/${segmentFileName(10, suffix)}`)).toBe(true);
    await reopened.close();
  });
});
