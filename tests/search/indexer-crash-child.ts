// Indexes the log in the folder given (tests/search/partition-indexer.test.ts kills it with
// SIGKILL at random moments): live segments sealed every few dozen records and merged as soon
// as the policy allows, so a kill lands in a seal or a merge. Prints "merged" after each merge
// and "done" once everything is indexed.

import { createLogger } from "../../src/logger.ts";
import { PartitionIndexer } from "../../src/search/partition-indexer.ts";
import { SegmentFileReader } from "../../src/search/segment-file-reader.ts";

const [dir, highWatermark] = [process.argv[2], Number(process.argv[3])];
const reader = new SegmentFileReader(dir);
reader.highWatermark = highWatermark;
const print = (line: string) => process.stdout.write(`${line}\n`);
const quiet = createLogger("crash-child", "warn");
const logger = { ...quiet, debug: (message: string) => message.startsWith("Merged") && print("merged") };
const indexer = PartitionIndexer.start(
  { topic: "logs", index: 0, log: reader, dir, onNextData: () => () => {} },
  { logger, counters: { binaryValues: 0 }, liveBytesLimit: () => 64 * 1024 },
);
while (indexer.indexedOffset < highWatermark) await Bun.sleep(5);
print("done");
await Bun.sleep(60_000);
