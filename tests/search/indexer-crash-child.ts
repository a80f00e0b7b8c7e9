// Indexes the log in the folder given (tests/search/partition-indexer.test.ts kills it with
// SIGKILL): live segments sealed every few dozen records, stretches ahead indexed on the backlog
// thread, and chunks merged as soon as the policy allows. Prints "sealing" and "merging" as each starts, and "done" once everything is indexed
// and merged.

import { createLogger } from "../../src/logger.ts";
import { BacklogThread } from "../../src/search/backlog-thread.ts";
import { PartitionIndexer } from "../../src/search/partition-indexer.ts";
import { SegmentFileReader } from "../../src/search/segment-file-reader.ts";
import { eventually } from "../support/wait.ts";

const [dir, highWatermark] = [process.argv[2], Number(process.argv[3])];
const reader = new SegmentFileReader(dir);
reader.highWatermark = highWatermark;
const print = (line: string) => process.stdout.write(`${line}\n`);
const logger = createLogger("crash-child", "warn");
const indexer = PartitionIndexer.start(
  { topic: "logs", index: 0, log: reader, dir, onNextData: () => () => {} },
  {
    logger,
    counters: { binaryValues: 0 },
    liveBytesLimit: () => 64 * 1024,
    backlog: new BacklogThread(logger),
    observer: { sealing: () => print("sealing"), merging: () => print("merging"), tookAhead: () => print("ahead") },
  },
);
// Done when everything is indexed and no merge is running or due.
await eventually(() => indexer.indexedOffset >= highWatermark && !indexer.mergeDue, "everything indexed and merged", { waitMs: 60_000, pollMs: 5 });
print("done");
process.exit(0);
