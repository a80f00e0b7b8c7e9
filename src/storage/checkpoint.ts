// Small files that must never be half written: checkpoints and metadata. A write goes to a
// temp file, is fsynced, renamed over the old file, and the directory is fsynced so the
// rename itself survives a crash.
//
// Checkpoint file format (text, ASCII):
//   line 1: format version, "1"
//   line 2: the offset, a decimal integer >= 0

import fs from "node:fs";
import path from "node:path";
import type { StorageLogger } from "./logger.ts";

const checkpointVersion = 1;

/** Suffix of files being written atomically; leftovers from a crash are deleted at open. */
export const tempSuffix = ".tmp";

/** fsyncs a directory so entries created, renamed or removed in it are durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await fs.promises.open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Replaces `file` with `content` atomically and durably; `mode` sets the new file's permissions from its creation on. */
export async function writeFileAtomic(file: string, content: string | Uint8Array, mode = 0o644): Promise<void> {
  const temp = file + tempSuffix;
  // A temp file left by a crash keeps its old mode when opened with "w": remove it first.
  await fs.promises.rm(temp, { force: true });
  const handle = await fs.promises.open(temp, "w", mode);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.promises.rename(temp, file);
  await syncDirectory(path.dirname(file));
}

export async function writeCheckpoint(file: string, offset: number): Promise<void> {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new Error(`Cannot checkpoint offset "${offset}": not an offset`);
  await writeFileAtomic(file, `${checkpointVersion}\n${offset}\n`);
}

/** The checkpointed offset; null when the file is missing, or unreadable (which is logged). */
export function readCheckpoint(file: string, logger: StorageLogger): number | null {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  const match = /^(\d+)\n(\d+)\n$/.exec(text);
  if (!match || Number(match[1]) !== checkpointVersion || !Number.isSafeInteger(Number(match[2]))) {
    logger.warn(`Ignoring checkpoint "${file}": not a version ${checkpointVersion} checkpoint`);
    return null;
  }
  return Number(match[2]);
}
