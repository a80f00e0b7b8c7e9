import { expect, test } from "bun:test";
import { MemoryLog } from "../../src/storage/memory-log.ts";
import { batchOf } from "./batches.ts";
import { describePartitionLog } from "./partition-log-suite.ts";

describePartitionLog("MemoryLog", async () => ({ log: new MemoryLog(), cleanup: async () => {} }));

test("MemoryLog refuses appends past its byte limit", async () => {
  const log = new MemoryLog({ bytesMax: 100 });
  await expect(log.append(batchOf(["x".repeat(200)]))).rejects.toThrow(/limit of 100 bytes/);
});
