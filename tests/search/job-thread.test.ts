import { expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createLogger } from "../../src/logger.ts";
import { JobThread } from "../../src/search/job-thread.ts";
import type { MergeJob } from "../../src/search/merge-worker.ts";

const logger = createLogger("test", "error");

test("a job's failure on the thread rejects its promise; the thread takes the next job; stopped, it takes none", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chronik-job-thread-"));
  const thread = new JobThread<MergeJob, null>("merge", "merge-worker.ts", logger);
  try {
    const missing = thread.run({ dir, inputs: ["00000000000000000000-00000000000000000010.search"], output: "out.search" });
    expect(thread.busy).toBe(true);
    await expect(missing).rejects.toThrow("00000000000000000000-00000000000000000010.search");
    expect(thread.busy).toBe(false);
    await expect(thread.run({ dir, inputs: ["gone.search"], output: "out.search" })).rejects.toThrow("gone.search");
  } finally {
    thread.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  expect(thread.busy).toBe(true);
  await expect(thread.run({ dir, inputs: [], output: "out.search" })).rejects.toThrow("Merge thread stopped");
});
