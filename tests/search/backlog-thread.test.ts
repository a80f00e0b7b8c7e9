import { afterEach, describe, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createLogger } from "../../src/logger.ts";
import { buildRecordBatch } from "../../src/records/record-batch.ts";
import { BacklogThread } from "../../src/search/backlog-thread.ts";
import { chunkFileName } from "../../src/search/index-manifest.ts";
import { FileLog } from "../../src/storage/file-log.ts";

const logger = createLogger("test", "error");
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe("BacklogThread", () => {
  test("indexes a stretch on its own thread, busy meanwhile; a stop rejects what is pending", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chronik-backlog-thread-"));
    dirs.push(dir);
    const log = await FileLog.open(dir, { segmentBytes: 1 << 20, logger });
    for (let b = 0; b < 10; b++) {
      await log.append(buildRecordBatch({ records: Array.from({ length: 50 }, (_, r) => ({ value: JSON.stringify({ n: b * 50 + r }), timestamp: 1000 })) }));
    }
    const thread = new BacklogThread(logger);
    const job = { dir, topic: "t", partition: 0, fromOffset: 100, endOffset: 400, logSegmentBase: 0, logStartOffset: 0, highWatermark: log.highWatermark, aborted: [], bytesLimit: 1 << 30 };
    expect(thread.busy).toBe(false);
    const pending = thread.index(job);
    expect(thread.busy).toBe(true);
    expect(await pending).toMatchObject({ baseOffset: 100, endOffset: 400, documents: 300 });
    expect(thread.busy).toBe(false);
    expect(fs.existsSync(path.join(dir, chunkFileName({ baseOffset: 100, endOffset: 400 })))).toBe(true);

    const stopped = thread.index({ ...job, fromOffset: 400, endOffset: 500 });
    thread.stop();
    await expect(stopped).rejects.toThrow("stopped");
    expect(thread.busy).toBe(true);
    await expect(thread.index(job)).rejects.toThrow("stopped");
    await log.close();
  });
});
