import { afterEach, describe, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ProducerIdAllocator } from "../../src/engine/producer-ids.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function checkpointFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chronik-producer-ids-"));
  dirs.push(dir);
  return path.join(dir, "producer-ids.checkpoint");
}

const quiet = { info: () => {}, warn: () => {} };

describe("ProducerIdAllocator", () => {
  test("ids are given in blocks whose end is checkpointed first; after a restart they start past every block", async () => {
    const file = checkpointFile();
    const first = ProducerIdAllocator.open(file, quiet, 4);
    const given = [];
    for (let i = 0; i < 6; i++) given.push(await first.next());
    expect(given).toEqual([0, 1, 2, 3, 4, 5]);
    expect(fs.readFileSync(file, "utf8")).toBe("1\n8\n");
    // As after a crash: ids 6 and 7 of the last block are never given.
    const second = ProducerIdAllocator.open(file, quiet, 4);
    expect(await second.next()).toBe(8);
    expect(fs.readFileSync(file, "utf8")).toBe("1\n12\n");
  });

  test("concurrent callers get distinct ids", async () => {
    const file = checkpointFile();
    const allocator = ProducerIdAllocator.open(file, quiet, 3);
    const ids = await Promise.all(Array.from({ length: 20 }, () => allocator.next()));
    expect(new Set(ids).size).toBe(20);
    expect(Math.max(...ids)).toBe(19);
    expect(fs.readFileSync(file, "utf8")).toBe("1\n21\n");
  });

  test("a checkpoint that cannot be read stops it, naming the file", () => {
    const file = checkpointFile();
    fs.writeFileSync(file, "garbage");
    expect(() => ProducerIdAllocator.open(file, quiet)).toThrow(`Cannot read the producer id checkpoint "${file}"`);
  });
});
