// Indexes the log in the folder given (tests/search/partition-indexer.test.ts kills it with
// SIGKILL): live segments sealed every few dozen records, stretches ahead indexed on the backlog
// thread, and chunks merged as soon as the policy allows. Prints "sealing" and "merging" as each starts, and "done" once everything is indexed
// and merged.

import { createLogger } from "../../src/logger.ts";
import { BacklogThread } from "../../src/search/backlog-thread.ts";
import { PartitionIndexer } from "../../src/search/partition-indexer.ts";
import { SegmentFileReader } from "../../src/search/segment-file-reader.ts";

const [dir, highWatermark] = [process.argv[2], Number(process.argv[3])];
const reader = new SegmentFileReader(dir);
reader.highWatermark = highWatermark;
const print = (line: string) => process.stdout.write(`${line}\n`);
const quiet = createLogger("crash-child", "warn");
const logger = {
  ...quiet,
  debug: (message: string) => {
    if (message.startsWith("Sealing")) print("sealing");
    if (message.startsWith("Merging")) print("merging");
    if (message.startsWith("Took")) print("ahead");
  },
};
const indexer = PartitionIndexer.start(
  { topic: "logs", index: 0, log: reader, dir, onNextData: () => () => {} },
  { logger, counters: { binaryValues: 0 }, liveBytesLimit: () => 64 * 1024, backlog: new BacklogThread(quiet) },
);
// Done when everything is indexed and no merge is running or due.
while (indexer.indexedOffset < highWatermark || indexer.mergeDue) await Bun.sleep(5);
print("done");
process.exit(0);
