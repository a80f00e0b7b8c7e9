// Helpers shared by the batch tests: a sample record set and byte surgery on built batches.

import { BatchField, resealBatchCrc } from "../../src/records/batch-header.ts";
import type { RecordInput } from "../../src/records/build-batch.ts";

export const baseTime = 1_700_000_000_000;

export function sampleRecords(): RecordInput[] {
  return [
    { key: "user-1", value: '{"level":"info"}', timestamp: baseTime, headers: [{ key: "trace", value: "abc" }] },
    { key: null, value: "no key", timestamp: baseTime + 5 },
    { key: "tombstone", value: null, timestamp: baseTime - 3 },
    { key: Uint8Array.of(0, 1, 2), value: Uint8Array.of(), timestamp: baseTime + 20, headers: [{ key: "h", value: null }, { key: "h", value: "2" }] },
  ];
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

export function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Applies `edit` to a copy of the batch and recomputes its CRC, so only the edit is wrong. */
export function edited(batch: Uint8Array, edit: (view: DataView, bytes: Uint8Array) => void): Uint8Array {
  const copy = batch.slice();
  edit(view(copy), copy);
  resealBatchCrc(copy, 0, copy.length);
  return copy;
}

export { BatchField };
