import { afterEach, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { readCheckpoint, writeCheckpoint } from "../../src/storage/checkpoint.ts";
import { recordingLogger, tempDir } from "./batches.ts";

let dir = "";
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test("a checkpoint is two text lines, replaced atomically, and read back", async () => {
  dir = tempDir("checkpoint");
  const file = path.join(dir, "recovery-point");
  const logger = recordingLogger();
  expect(readCheckpoint(file, logger)).toBeNull();
  await writeCheckpoint(file, 4096);
  await writeCheckpoint(file, 8192);
  expect(fs.readFileSync(file, "utf8")).toBe("1\n8192\n");
  expect(readCheckpoint(file, logger)).toBe(8192);
  expect(fs.readdirSync(dir)).toEqual(["recovery-point"]);
});

test("an unreadable checkpoint is logged and ignored", () => {
  dir = tempDir("checkpoint");
  const file = path.join(dir, "log-start-offset");
  fs.writeFileSync(file, "2\n12\n");
  const logger = recordingLogger();
  expect(readCheckpoint(file, logger)).toBeNull();
  expect(logger.lines[0]).toContain("not a version 1 checkpoint");
});
