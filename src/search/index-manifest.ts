// Which index chunks a partition has, and where indexing resumes: `search.manifest` in the
// partition folder, replaced atomically each time a chunk is sealed.
//
// Format (text, version 1):
//   line 1: "1"
//   line 2: "resume <offset>"          the active chunk's base: indexing restarts here
//   then:   "chunk <base> <end>"       one per sealed chunk, ascending; its .search file
//                                      holds offsets base ≤ o < end
// A chunk's .search file may be missing or corrupt: it is rebuilt from the log.

import fs from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "../storage/checkpoint.ts";
import type { StorageLogger } from "../storage/logger.ts";

export const manifestFileName = "search.manifest";
const manifestVersion = 1;

export interface ChunkRange {
  baseOffset: number;
  /** The offset after the chunk: the next chunk's base. */
  endOffset: number;
}

export interface IndexManifest {
  resumeOffset: number;
  chunks: ChunkRange[];
}

export async function writeManifest(dir: string, manifest: IndexManifest): Promise<void> {
  const lines = [String(manifestVersion), `resume ${manifest.resumeOffset}`, ...manifest.chunks.map((chunk) => `chunk ${chunk.baseOffset} ${chunk.endOffset}`)];
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
  const resume = /^resume (\d+)$/.exec(lines[1] ?? "");
  const chunks: ChunkRange[] = [];
  for (const line of lines.slice(2)) {
    const chunk = /^chunk (\d+) (\d+)$/.exec(line);
    if (!chunk) break;
    chunks.push({ baseOffset: Number(chunk[1]), endOffset: Number(chunk[2]) });
  }
  if (lines[0] !== String(manifestVersion) || !resume || chunks.length !== lines.length - 2) {
    logger.warn(`Ignoring search manifest "${file}": not a version ${manifestVersion} manifest`);
    return null;
  }
  return { resumeOffset: Number(resume[1]), chunks };
}
