// Child process for the durability test in file-log.test.ts: appends forever with fsync
// "always" from several concurrent producers and prints each acknowledged append as
// "<baseOffset> <value>" on stdout, until the parent kills it with SIGKILL.

import { buildRecordBatch } from "../../src/records/record-batch.ts";
import { FileLog } from "../../src/storage/file-log.ts";

const dir = process.argv[2];
const log = await FileLog.open(dir, { fsync: "always", segmentBytes: 16 * 1024, indexIntervalBytes: 512 });
let sequence = 0;

async function producer(): Promise<never> {
  for (;;) {
    const value = `value-${sequence++}`;
    const result = await log.append(buildRecordBatch({ records: [{ value: value.repeat(4) }] }));
    process.stdout.write(`${result.baseOffset} ${value.repeat(4)}\n`);
  }
}

await Promise.all(Array.from({ length: 8 }, producer));
