// A sealed segment's search index on disk, beside the segment: `<base offset, 20 digits>.search`.
//
// Format (version 1):
//   line 1 (ASCII): "chronik-search 1 <crc32c of the body, decimal> <body bytes, decimal>"
//   body: the SegmentIndexSnapshot as UTF-8 JSON
// A file that is short, has another version, or fails its CRC is corrupt: the caller rebuilds
// the index from the log, which is the source of truth.

import fs from "node:fs";
import path from "node:path";
import { crc32c } from "../records/crc32c.ts";
import { writeFileAtomic } from "../storage/checkpoint.ts";
import { SegmentIndex, type SegmentIndexSnapshot } from "./segment-index.ts";

const magic = "chronik-search";
const formatVersion = 1;
export const searchFileSuffix = ".search";

export function searchFileName(baseOffset: number): string {
  return String(baseOffset).padStart(20, "0") + searchFileSuffix;
}

/** Writes the index atomically (temp file, fsync, rename). */
export async function saveSegmentIndex(dir: string, index: SegmentIndex): Promise<void> {
  const body = new TextEncoder().encode(JSON.stringify(index.toSnapshot()));
  const header = new TextEncoder().encode(`${magic} ${formatVersion} ${crc32c(body)} ${body.length}\n`);
  const bytes = new Uint8Array(header.length + body.length);
  bytes.set(header);
  bytes.set(body, header.length);
  await writeFileAtomic(path.join(dir, searchFileName(index.baseOffset)), bytes);
}

export class CorruptIndexFileError extends Error {
  override name = "CorruptIndexFileError";
}

/** The saved index of the segment at `baseOffset`; null when there is no file; CorruptIndexFileError when it is damaged. */
export async function loadSegmentIndex(dir: string, baseOffset: number): Promise<SegmentIndex | null> {
  const file = path.join(dir, searchFileName(baseOffset));
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await fs.promises.readFile(file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  const newline = bytes.indexOf(10);
  const header = new TextDecoder().decode(bytes.subarray(0, Math.max(0, newline))).split(" ");
  const body = bytes.subarray(newline + 1);
  const corrupt = (why: string) => new CorruptIndexFileError(`Search index "${file}" is corrupt: ${why}`);
  if (newline < 0 || header.length !== 4 || header[0] !== magic) throw corrupt("no header");
  if (Number(header[1]) !== formatVersion) throw corrupt(`format version "${header[1]}" is not ${formatVersion}`);
  if (Number(header[3]) !== body.length) throw corrupt(`body is ${body.length} bytes, header says ${header[3]}`);
  if (crc32c(body) !== Number(header[2])) throw corrupt("CRC mismatch");
  const snapshot = JSON.parse(new TextDecoder().decode(body)) as SegmentIndexSnapshot;
  if (snapshot.baseOffset !== baseOffset) throw corrupt(`it holds segment ${snapshot.baseOffset}`);
  return SegmentIndex.fromSnapshot(snapshot);
}

/** Removes the index file of a segment that is gone (retention); a missing file is fine. */
export async function deleteSegmentIndex(dir: string, baseOffset: number): Promise<void> {
  await fs.promises.rm(path.join(dir, searchFileName(baseOffset)), { force: true });
}

/** Base offsets of the .search files in `dir`, ascending. */
export function listSearchFiles(dir: string): number[] {
  return fs
    .readdirSync(dir)
    .filter((name) => /^\d{20}\.search$/.test(name))
    .map((name) => Number(name.slice(0, 20)))
    .sort((a, b) => a - b);
}
