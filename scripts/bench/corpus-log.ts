// The log-corpus lines (log-corpus.ts) appended to a FileLog as the Producer sends them:
// uncompressed batches of about 1 MB, in one log segment as large as the broker's default. The
// in-process search benchmarks (search-indexing.ts, search-merge.ts) index such a log.

import type { Logger } from "../../src/logger.ts";
import { buildRecordBatch, type RecordInput } from "../../src/records/record-batch.ts";
import { FileLog } from "../../src/storage/file-log.ts";
import { logLines } from "./log-corpus.ts";

/** The Producer's default batch size: a batch closes once its records reach this many bytes. */
const batchBytesMax = 1_000_000;
/** The broker's default segment.bytes. */
const segmentBytes = 1024 * 1024 * 1024;

/** Appends `records` corpus lines to a new FileLog in `dir`; returns its high watermark. */
export async function writeCorpusLog(dir: string, records: number, logger: Logger): Promise<number> {
  const log = await FileLog.open(dir, { segmentBytes, logger });
  const encoder = new TextEncoder();
  let batch: RecordInput[] = [];
  let bytes = 0;
  const flush = async () => {
    await log.append(buildRecordBatch({ records: batch }));
    batch = [];
    bytes = 0;
  };
  for (const line of logLines(records)) {
    const value = encoder.encode(line);
    if (bytes + value.length > batchBytesMax) await flush();
    batch.push({ value, timestamp: Date.now() });
    bytes += value.length;
  }
  if (batch.length > 0) await flush();
  const highWatermark = log.highWatermark;
  await log.close();
  return highWatermark;
}
