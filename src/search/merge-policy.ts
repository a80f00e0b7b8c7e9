// Which sealed chunks of a partition to merge: a tiered policy, as Lucene's, over adjacent
// chunks. A chunk's tier is the order of magnitude (base mergeFactor) of its file size above
// tierFloorBytes; mergeFactor adjacent chunks of one tier merge into one of the next tier. So a
// partition of n sealed live segments keeps about mergeFactor · log(n) chunks, and a record is
// rewritten about log(n) times.
//
// Only chunks of one log segment merge (retention deletes whole log segments, and a chunk goes
// with its segment), read from the same file (compaction makes a chunk stale; merging it would
// spread that), and holding every record of their range except the first (a chunk whose low end
// went with DeleteRecords is stale instead).

export const mergeFactor = 8;
/** Files below this count as this size: small chunks are one tier. */
export const tierFloorBytes = 4 * 1024 * 1024;
/** No merge writes a file larger than about this. */
export const mergedBytesMax = 1024 * 1024 * 1024;

export interface MergeCandidate {
  logSegmentBase: number;
  /** The identity of the log segment file it was read from; null when unknown. */
  identity: string | null;
  /** Whether it has a current file that is not stale. */
  mergeable: boolean;
  bytes: number;
  /** Whether it holds every record from its base (its from offset is its base). */
  firstHoldsAll: boolean;
}

export function tierOf(bytes: number): number {
  return Math.floor(Math.log(Math.max(bytes, tierFloorBytes) / tierFloorBytes) / Math.log(mergeFactor) + 1e-9);
}

/** The first run of chunks to merge, as [start, end) positions in `chunks`; null when none is due. */
export function chooseMerge(chunks: readonly MergeCandidate[]): { start: number; end: number } | null {
  for (let start = 0; start + mergeFactor <= chunks.length; start++) {
    const first = chunks[start];
    if (!first.mergeable || first.identity === null) continue;
    const tier = tierOf(first.bytes);
    let end = start + 1;
    let bytes = first.bytes;
    while (end - start < mergeFactor && joins(first, chunks[end], tier)) bytes += chunks[end++].bytes;
    if (end - start === mergeFactor && bytes <= mergedBytesMax) return { start, end };
  }
  return null;
}

function joins(first: MergeCandidate, next: MergeCandidate, tier: number): boolean {
  return next.mergeable && next.firstHoldsAll && next.logSegmentBase === first.logSegmentBase && next.identity === first.identity && tierOf(next.bytes) === tier;
}
