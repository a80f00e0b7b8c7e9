// Test helpers: build batches, concatenate them, and decode what a log returns.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { decodeRecordBatches, buildRecordBatch } from "../../src/records/record-batch.ts";
import type { CompressionCodec } from "../../src/records/record-batch.ts";

/** One batch with one record per value; timestamps default to 1000, 1001, ... */
export function batchOf(values: string[], options: { timestamps?: number[]; compression?: CompressionCodec } = {}): Uint8Array {
  return buildRecordBatch({
    records: values.map((value, n) => ({ value, timestamp: options.timestamps?.[n] ?? 1000 + n })),
    compression: options.compression,
  });
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return joined;
}

/** Every record in `bytes` as [offset, value], verifying CRCs. */
export function recordsOf(bytes: Uint8Array): Array<[number, string]> {
  const text = new TextDecoder();
  return decodeRecordBatches(bytes).flatMap((batch) =>
    batch.records.map((record): [number, string] => [record.offset, text.decode(record.value ?? new Uint8Array())]),
  );
}

/** Base offsets of the batches in `bytes`. */
export function batchBaseOffsets(bytes: Uint8Array): number[] {
  return decodeRecordBatches(bytes).map((batch) => batch.header.baseOffset);
}

export function tempDir(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `chronik-${name}-`));
}

/** A logger that remembers what it was told. */
export function recordingLogger(): { info: (m: string) => void; warn: (m: string) => void; lines: string[] } {
  const lines: string[] = [];
  return { info: (m) => lines.push(m), warn: (m) => lines.push(m), lines };
}
