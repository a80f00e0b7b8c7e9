// Which file a segment's records were read from. Compaction (src/storage/log-cleaner.ts) never
// edits a sealed segment in place: it writes a new file and renames it over `<base>.log`, so
// the segment keeps its base offset and its name but becomes a different file. An index chunk
// remembers the identity of the file it was read from; when the name points at another file,
// the chunk describes records that may be gone, and is rebuilt from the log.
//
// The identity is the inode number plus the birth time: the inode alone could come back (a
// freed inode is reused) and the size and modification time change with every append to the
// active segment. Where the file system reports no birth time (0), the inode number alone is
// used.

import fs from "node:fs";
import path from "node:path";
import { segmentFileName } from "../storage/segment.ts";

/** The segment a read came from and the identity of its .log file then. */
export interface SegmentSource {
  baseOffset: number;
  identity: string;
}

export function fileIdentity(stats: fs.BigIntStats): string {
  return `${stats.ino}.${stats.birthtimeNs}`;
}

/** The identity of segment `baseOffset`'s .log file now; null when there is none (retention deleted it). */
export function segmentIdentity(dir: string, baseOffset: number): string | null {
  try {
    return fileIdentity(fs.statSync(path.join(dir, segmentFileName(baseOffset, ".log")), { bigint: true }));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}
