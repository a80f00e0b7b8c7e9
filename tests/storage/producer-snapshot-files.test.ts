import { afterEach, describe, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { recordingLogger } from "../engine/fixtures.ts";
import { ProducerSnapshotFiles, producerSnapshotsRetained } from "../../src/storage/producer-snapshot-files.ts";
import type { ProducerSnapshotEntry } from "../../src/storage/producer-snapshot.ts";

const entry = (producerId: number): ProducerSnapshotEntry => ({
  producerId,
  epoch: 1,
  lastSequence: 9,
  lastOffset: 100 + producerId,
  offsetDelta: 4,
  timestamp: 1_700_000_000_000,
  coordinatorEpoch: -1,
  currentTxnFirstOffset: -1,
});

describe("ProducerSnapshotFiles", () => {
  let dir: string;
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("writes Kafka-named files, keeps the newest ones, and loads the newest at or below the log end", async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "chronik-snapshots-"));
    const files = new ProducerSnapshotFiles(dir, recordingLogger());
    for (const offset of [10, 20, 30]) await files.write(offset, [entry(offset)]);
    expect(files.offsets()).toHaveLength(producerSnapshotsRetained);
    expect(fs.readdirSync(dir).sort()).toEqual(["00000000000000000020.snapshot", "00000000000000000030.snapshot"]);
    expect(files.loadLatest(30)).toEqual({ offset: 30, entries: [entry(30)] });
    // A snapshot past the log end was written before a crash cut the log: it goes.
    expect(files.loadLatest(25)).toEqual({ offset: 20, entries: [entry(20)] });
    expect(files.offsets()).toEqual([20]);
  });

  test("an unreadable snapshot is deleted with a warning naming it, and an older one is used", async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "chronik-snapshots-"));
    const logger = recordingLogger();
    const files = new ProducerSnapshotFiles(dir, logger);
    await files.write(5, [entry(1)]);
    await files.write(8, [entry(2)]);
    const newest = path.join(dir, "00000000000000000008.snapshot");
    const bytes = fs.readFileSync(newest);
    bytes[bytes.length - 1] ^= 0xff;
    fs.writeFileSync(newest, bytes);
    expect(files.loadLatest(8)).toEqual({ offset: 5, entries: [entry(1)] });
    expect(logger.lines.join("\n")).toContain("00000000000000000008.snapshot");
    expect(logger.lines.join("\n")).toContain("CRC");
    expect(files.loadLatest(4)).toBeNull();
  });
});
