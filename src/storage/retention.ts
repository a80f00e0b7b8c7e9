// Which segments retention may delete (cleanup.policy with delete), decided from the oldest:
// a segment goes when its newest record is older than retention.ms, or while the log minus
// it would still be at least retention.bytes, or when compaction left it empty. The first
// segment that must stay ends the walk, as in Kafka. A segment whose batches carry no real
// timestamp (-1) counts from its file's last write, never as expired (Segment.newestRecordMs). Only data below the high watermark is
// deletable, and never an empty active segment.

import type { LogSettings } from "./log-settings.ts";
import type { Segment } from "./segment.ts";

/** How many leading segments of `segments` (the last one active) retention may delete now. */
export function expiredSegmentCount(
  segments: readonly Segment[],
  state: { settings: Pick<LogSettings, "retentionMs" | "retentionBytes">; nowMs: number; highWatermark: number },
): number {
  const { retentionMs, retentionBytes } = state.settings;
  const active = segments.at(-1);
  let bytesOver = retentionBytes < 0 ? 0 : segments.reduce((sum, segment) => sum + segment.size, 0) - retentionBytes;
  let count = 0;
  for (const segment of segments) {
    if ((segment === active && segment.size === 0) || segment.endOffset > state.highWatermark) break;
    const newestMs = segment.newestRecordMs();
    const expired = retentionMs >= 0 && state.nowMs - newestMs > retentionMs;
    const oversize = bytesOver > 0 && bytesOver >= segment.size;
    // A sealed segment that compaction emptied holds nothing to keep.
    const empty = segment.size === 0;
    if (!expired && !oversize && !empty) break;
    bytesOver -= segment.size;
    count++;
  }
  return count;
}
