// Which index chunks a partition has, and where indexing resumes: `search.manifest` in the
// partition folder, replaced atomically each time a chunk is sealed or rebuilt.
//
// Format (text, version 2):
//   line 1: "2"
//   line 2: "resume <offset>"          the active chunk's base: indexing restarts here
//   then:   "chunk <base> <end> <from> <identity>"
//                                      one per sealed chunk, ascending; its .search file
//                                      holds offsets from ≤ o < end (from ≥ base: the log
//                                      start when it was indexed), read from the segment
//                                      file with that identity (segment-source.ts), "-"
//                                      when unknown
// A version 1 manifest (chunk lines "chunk <base> <end>") is read with from = base and an
// unknown identity. A chunk's .search file may be missing, corrupt or stale: it is rebuilt
// from the log.

import fs from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "../storage/checkpoint.ts";
import type { StorageLogger } from "../storage/logger.ts";

export const manifestFileName = "search.manifest";
const manifestVersion = 2;
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
  const version = lines[0] === "1" || lines[0] === "2" ? Number(lines[0]) : null;
  const resume = /^resume (\d+)$/.exec(lines[1] ?? "");
  const chunks: ChunkRange[] = [];
  for (const line of lines.slice(2)) {
    const chunk = version === 1 ? parseChunkV1(line) : parseChunk(line);
    if (!chunk) break;
    chunks.push(chunk);
  }
  if (version === null || !resume || chunks.length !== lines.length - 2) {
    logger.warn(`Ignoring search manifest "${file}": not a version 1 or ${manifestVersion} manifest`);
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

function parseChunkV1(line: string): ChunkRange | null {
  const match = /^chunk (\d+) (\d+)$/.exec(line);
  if (!match) return null;
  return { baseOffset: Number(match[1]), endOffset: Number(match[2]), fromOffset: Number(match[1]), identity: null };
}
