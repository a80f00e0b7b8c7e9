import fs from "node:fs";
import { FileLog } from "../../src/storage/file-log.ts";
import { MemoryLog } from "../../src/storage/memory-log.ts";
import { recordingLogger, tempDir } from "./batches.ts";
import { describePartitionLog } from "./partition-log-suite.ts";

describePartitionLog("MemoryLog", async () => ({ log: new MemoryLog(), cleanup: async () => {} }));

for (const fsync of ["always", "never"] as const) {
  describePartitionLog(`FileLog fsync ${fsync}`, async () => {
    const dir = tempDir("suite");
    const log = await FileLog.open(dir, { fsync, segmentBytes: 4096, indexIntervalBytes: 100, logger: recordingLogger() });
    return {
      log,
      cleanup: async () => {
        await log.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  });
}
