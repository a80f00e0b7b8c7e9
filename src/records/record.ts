// One record inside a RecordBatch v2 (after decompression):
//
// Record =>
//   length: varint                 bytes after this field
//   attributes: int8               unused, 0
//   timestampDelta: varlong        record timestamp - batch baseTimestamp
//   offsetDelta: varint            record offset - batch baseOffset
//   keyLength: varint              -1 = null key
//   key: bytes
//   valueLength: varint            -1 = null value
//   value: bytes
//   headersCount: varint
//   Header => headerKeyLength: varint, headerKey: UTF-8, headerValueLength: varint (-1 = null), value: bytes

import { CorruptRecordError } from "./errors.ts";
import { VarintReader, varintSize, varlongSize, writeVarint, writeVarlong } from "./varint.ts";

export interface RecordHeader {
  key: string;
  value: Uint8Array | null;
}

export interface Record {
  offsetDelta: number;
  timestampDelta: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeader[];
}

const textDecoder = new TextDecoder();

function readNullable(reader: VarintReader): Uint8Array | null {
  const length = reader.readVarint();
  return length < 0 ? null : reader.readRaw(length);
}

/** Decodes the record at `reader.position`; key, value and header values are views into the reader's bytes. */
export function readRecord(reader: VarintReader): Record {
  const length = reader.readVarint();
  const start = reader.position;
  if (length < 0 || start + length > reader.end) {
    throw new CorruptRecordError(`Cannot read record at position ${start}: length "${length}" runs past the batch`);
  }
  const end = start + length;
  const outer = reader.end;
  reader.end = end;
  reader.readInt8();
  const timestampDelta = reader.readVarlong();
  const offsetDelta = reader.readVarint();
  const key = readNullable(reader);
  const value = readNullable(reader);
  const headerCount = reader.readVarint();
  if (headerCount < 0) throw new CorruptRecordError(`Cannot read record at position ${start}: header count "${headerCount}" is negative`);
  const headers: RecordHeader[] = [];
  for (let i = 0; i < headerCount; i++) {
    const keyLength = reader.readVarint();
    if (keyLength < 0) throw new CorruptRecordError(`Cannot read record at position ${start}: header key is null`);
    headers.push({ key: textDecoder.decode(reader.readRaw(keyLength)), value: readNullable(reader) });
  }
  reader.end = outer;
  if (reader.position !== end) {
    throw new CorruptRecordError(`Cannot read record at position ${start}: ${end - reader.position} bytes left over`);
  }
  return { offsetDelta, timestampDelta, key, value, headers };
}

/** The largest timestampDelta seen by skipRecord calls that were given this object. */
export interface TimestampDeltas {
  max: number;
}

/**
 * Steps over the record at `reader.position` without allocating, checking that its fields
 * fill exactly its length; returns its offsetDelta, and raises `timestamps.max` to its
 * timestampDelta when given.
 */
export function skipRecord(reader: VarintReader, timestamps?: TimestampDeltas): number {
  const length = reader.readVarint();
  const start = reader.position;
  if (length < 0 || start + length > reader.end) {
    throw new CorruptRecordError(`Cannot read record at position ${start}: length "${length}" runs past the batch`);
  }
  const end = start + length;
  const outer = reader.end;
  // Narrow the reader to this record, then widen it back: no second reader per record.
  reader.end = end;
  reader.readInt8();
  const timestampDelta = reader.readVarlong();
  if (timestamps !== undefined && timestampDelta > timestamps.max) timestamps.max = timestampDelta;
  const offsetDelta = reader.readVarint();
  reader.skip(Math.max(reader.readVarint(), 0));
  reader.skip(Math.max(reader.readVarint(), 0));
  const headerCount = reader.readVarint();
  if (headerCount < 0) throw new CorruptRecordError(`Cannot read record at position ${start}: header count "${headerCount}" is negative`);
  for (let i = 0; i < headerCount; i++) {
    const keyLength = reader.readVarint();
    if (keyLength < 0) throw new CorruptRecordError(`Cannot read record at position ${start}: header key is null`);
    reader.skip(keyLength);
    reader.skip(Math.max(reader.readVarint(), 0));
  }
  reader.end = outer;
  if (reader.position !== end) {
    throw new CorruptRecordError(`Cannot read record at position ${start}: ${end - reader.position} bytes left over`);
  }
  return offsetDelta;
}

/** A record ready to encode: header keys already UTF-8. */
export interface EncodableRecord {
  offsetDelta: number;
  timestampDelta: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: Array<{ key: Uint8Array; value: Uint8Array | null }>;
}

function nullableSize(bytes: Uint8Array | null): number {
  return bytes === null ? 1 : varintSize(bytes.length) + bytes.length;
}

/** Size of the record after its length prefix. */
export function recordBodySize(record: EncodableRecord): number {
  let size = 1 + varlongSize(record.timestampDelta) + varintSize(record.offsetDelta);
  size += nullableSize(record.key) + nullableSize(record.value) + varintSize(record.headers.length);
  for (const header of record.headers) size += nullableSize(header.key) + nullableSize(header.value);
  return size;
}

function writeNullable(bytes: Uint8Array, at: number, value: Uint8Array | null): number {
  if (value === null) return writeVarint(bytes, at, -1);
  const after = writeVarint(bytes, at, value.length);
  bytes.set(value, after);
  return after + value.length;
}

/** Writes the record (length prefix included) at `at`; `bodySize` comes from recordBodySize. */
export function writeRecord(bytes: Uint8Array, at: number, record: EncodableRecord, bodySize: number): number {
  let index = writeVarint(bytes, at, bodySize);
  bytes[index++] = 0;
  index = writeVarlong(bytes, index, record.timestampDelta);
  index = writeVarint(bytes, index, record.offsetDelta);
  index = writeNullable(bytes, index, record.key);
  index = writeNullable(bytes, index, record.value);
  index = writeVarint(bytes, index, record.headers.length);
  for (const header of record.headers) {
    index = writeNullable(bytes, index, header.key);
    index = writeNullable(bytes, index, header.value);
  }
  return index;
}
