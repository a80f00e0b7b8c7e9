// Which index chunks a partition has, and where indexing resumes: `search.manifest` in the
// partition folder, replaced atomically each time a chunk is sealed or rebuilt.
//
// Format (text, version 4):
//   line 1: "4"
//   line 2: "resume <offset>"          the live segment's base: indexing restarts here
//   then:   "chunk <base> <end> <from> <identity>"
//                                      one per sealed chunk, ascending; its file
//                                      (chunkFileName) holds offsets from ≤ o < end (from ≥
//                                      base: the log start when it was indexed), read from
//                                      the segment file with that identity
//                                      (segment-source.ts), "-" when unknown
// A chunk's file may be missing, corrupt or stale: it is rebuilt from the log. Versions 1 and 2
// listed chunks of the earlier JSON format (one Orama index per chunk), version 3 chunks of
// sealed format 2 (no positions): such a manifest is ignored, so the partition is indexed again
// from the log, and its files are deleted as unlisted.

import fs from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "../storage/checkpoint.ts";
import type { StorageLogger } from "../storage/logger.ts";

export const manifestFileName = "search.manifest";
const manifestVersion = 4;
const unknownIdentity = "-";

export interface ChunkRange {
  baseOffset: number;
  /** The offset after the chunk: the next chunk's base. */
  endOffset: number;
  /** The lowest offset its documents may have: the base, or the log start when that was higher. */
  fromOffset: number;
  /** The segment file its documents were read from; null when unknown (the chunk is rebuilt). */
  identity: string | null;
}

export interface IndexManifest {
  resumeOffset: number;
  chunks: ChunkRange[];
}

export async function writeManifest(dir: string, manifest: IndexManifest): Promise<void> {
  const chunkLine = (chunk: ChunkRange) => `chunk ${chunk.baseOffset} ${chunk.endOffset} ${chunk.fromOffset} ${chunk.identity ?? unknownIdentity}`;
  const lines = [String(manifestVersion), `resume ${manifest.resumeOffset}`, ...manifest.chunks.map(chunkLine)];
  await writeFileAtomic(path.join(dir, manifestFileName), `${lines.join("\n")}\n`);
}

/** The manifest; null when there is none or it is unreadable (logged): indexing then starts over. */
export function readManifest(dir: string, logger: StorageLogger): IndexManifest | null {
  const file = path.join(dir, manifestFileName);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  const lines = text.split("\n").filter((line) => line !== "");
  if (lines[0] === "1" || lines[0] === "2" || lines[0] === "3") {
    logger.info(`Search index in "${dir}" has the format of an earlier version: indexing the partition again from the log`);
    return null;
  }
  const resume = /^resume (\d+)$/.exec(lines[1] ?? "");
  const chunks: ChunkRange[] = [];
  for (const line of lines.slice(2)) {
    const chunk = parseChunk(line);
    if (!chunk) break;
    chunks.push(chunk);
  }
  if (lines[0] !== String(manifestVersion) || !resume || chunks.length !== lines.length - 2) {
    logger.warn(`Ignoring search manifest "${file}": not a version ${manifestVersion} manifest`);
    return null;
  }
  return { resumeOffset: Number(resume[1]), chunks };
}

function parseChunk(line: string): ChunkRange | null {
  const match = /^chunk (\d+) (\d+) (\d+) (\S+)$/.exec(line);
  if (!match) return null;
  const identity = match[4] === unknownIdentity ? null : match[4];
  return { baseOffset: Number(match[1]), endOffset: Number(match[2]), fromOffset: Number(match[3]), identity };
}

/** A sealed chunk's file: named by its range, so a merge's output never takes the name of a file the manifest still lists. */
export function chunkFileName(chunk: { baseOffset: number; endOffset: number }): string {
  return `${String(chunk.baseOffset).padStart(20, "0")}-${String(chunk.endOffset).padStart(20, "0")}.search`;
}

/** The names of the search index files in `dir`: chunk files, their temporary files, and files of earlier formats (<base>.search). */
export function listSearchFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((name) => /^\d{20}(-\d{20})?\.search(\.entries|\.blocks)?(\.tmp)?$/.test(name));
}
