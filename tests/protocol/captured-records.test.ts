// The record batches inside captured Produce requests (encoded by the clients) and Fetch
// responses (tests/protocol/captured/): the protocol codecs pass `records` through as opaque
// bytes, so here src/records reads them: every batch's CRC holds, it decompresses, and its
// records section encodes again record by record to exactly the bytes the client wrote
// (varint lengths, deltas, null keys, headers).

import { describe, expect, test } from "bun:test";
import { batchRecords, decodeRecordBatches } from "../../src/records/decode-batches.ts";
import { type EncodableRecord, readRecord, recordBodySize, writeRecord } from "../../src/records/record.ts";
import { VarintReader, varintSize } from "../../src/records/varint.ts";
import { ApiKey } from "../../src/protocol/messages/index.ts";
import { frameOf, readCapturedPairs, reencodeRequest, reencodeResponse } from "./captured-fixture.ts";

/** Every non-empty `records` field anywhere in a decoded message. */
function recordsFields(value: unknown, found: Uint8Array[] = []): Uint8Array[] {
  if (Array.isArray(value)) {
    for (const item of value) recordsFields(item, found);
  } else if (value !== null && typeof value === "object" && !(value instanceof Uint8Array)) {
    for (const [key, field] of Object.entries(value)) {
      if (key === "records" && field instanceof Uint8Array && field.length > 0) found.push(field);
      else recordsFields(field, found);
    }
  }
  return found;
}

/** The records section of one batch, decoded record by record and written again. */
function reencodeSection(section: Uint8Array, recordCount: number): Uint8Array {
  const reader = new VarintReader(section, 0, section.length);
  const textEncoder = new TextEncoder();
  const records: Array<{ record: EncodableRecord; bodySize: number }> = [];
  for (let i = 0; i < recordCount; i++) {
    const { headers, ...rest } = readRecord(reader);
    const record = { ...rest, headers: headers.map((header) => ({ key: textEncoder.encode(header.key), value: header.value })) };
    records.push({ record, bodySize: recordBodySize(record) });
  }
  const total = records.reduce((sum, { bodySize }) => sum + varintSize(bodySize) + bodySize, 0);
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const { record, bodySize } of records) at = writeRecord(bytes, at, record, bodySize);
  return bytes;
}

type RecordsCase = { name: string; records: Uint8Array[]; legacy: boolean };

/** Produce v0-v2 carry message sets of magic 0 or 1, which src/records does not decode (chronik refuses them). */
const legacyProduceVersionMax = 2;
/** Where a legacy message's magic byte sits: after offset INT64, message size INT32 and CRC INT32. */
const legacyMagicPosition = 16;

function recordsCases(): RecordsCase[] {
  const cases: RecordsCase[] = [];
  for (const pair of readCapturedPairs()) {
    const request = reencodeRequest(frameOf(pair.request));
    if (request.apiKey === ApiKey.Produce) {
      cases.push({ name: `${pair.name} request`, records: recordsFields(request.body), legacy: request.version <= legacyProduceVersionMax });
    }
    if (request.apiKey === ApiKey.Fetch) {
      const response = reencodeResponse(frameOf(pair.response), request.apiKey, request.version);
      const records = recordsFields(response.body);
      if (records.length > 0) cases.push({ name: `${pair.name} response`, records, legacy: false });
    }
  }
  return cases;
}

const cases = recordsCases();

describe("record batches in captured Produce requests and Fetch responses", () => {
  test("the producers' batches cover every compression codec, idempotent and transactional batches", () => {
    const produced = cases.filter((entry) => entry.name.includes("-Produce-") && !entry.legacy).flatMap((entry) => entry.records.flatMap((bytes) => decodeRecordBatches(bytes)));
    expect([...new Set(produced.map((batch) => batch.compression))].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(produced.some((batch) => batch.header.producerId >= 0 && !batch.isTransactional)).toBe(true);
    expect(produced.some((batch) => batch.isTransactional)).toBe(true);
  });

  for (const { name, records } of cases.filter((entry) => entry.legacy)) {
    test(`${name}: a legacy message set, not decoded`, () => {
      for (const bytes of records) expect([0, 1], name).toContain(bytes[legacyMagicPosition]);
    });
  }

  for (const { name, records } of cases.filter((entry) => !entry.legacy)) {
    test(name, () => {
      for (const bytes of records) {
        const batches = decodeRecordBatches(bytes);
        expect(batches.length, `${name}: batches`).toBeGreaterThan(0);
        for (const batch of batches) {
          expect(batch.records.length, `${name}: records in the batch at ${batch.position}`).toBe(batch.header.recordCount);
          const { section } = batchRecords(bytes.subarray(batch.position, batch.position + batch.size));
          const reencoded = reencodeSection(section, batch.header.recordCount);
          expect(Buffer.from(reencoded).toString("hex"), `${name}: records section of the batch at ${batch.position}`).toBe(Buffer.from(section).toString("hex"));
        }
      }
    });
  }
});
