import { describe, expect, test } from "bun:test";
import { Attributes, readBatchHeader } from "../../src/records/batch-header.ts";
import { buildRecordBatch } from "../../src/records/build-batch.ts";
import { decodeRecordBatches } from "../../src/records/decode-batches.ts";
import { buildMarkerBatch, isControlBatch, readMarker } from "../../src/records/transaction-marker.ts";
import { validateBatchesForAppend } from "../../src/records/validate-batches.ts";

describe("transaction markers", () => {
  test("a commit marker is a control batch with Kafka's control record, byte for byte", () => {
    const bytes = buildMarkerBatch({ producerId: 77, producerEpoch: 3, commit: true, coordinatorEpoch: 5 }, 1_000);
    const header = readBatchHeader(bytes);
    expect(header.attributes & (Attributes.control | Attributes.transactional)).toBe(Attributes.control | Attributes.transactional);
    expect(header).toMatchObject({ producerId: 77, producerEpoch: 3, baseSequence: -1, recordCount: 1 });
    const [record] = decodeRecordBatches(bytes)[0].records;
    expect([...record.key!]).toEqual([0, 0, 0, 1]);
    expect([...record.value!]).toEqual([0, 0, 0, 0, 0, 5]);
    expect(readMarker(bytes)).toEqual({ producerId: 77, producerEpoch: 3, commit: true, coordinatorEpoch: 5 });
    expect(isControlBatch(bytes)).toBe(true);
  });

  test("an abort marker reads back; data batches and unknown control records are not markers", () => {
    const abort = buildMarkerBatch({ producerId: 1, producerEpoch: 0, commit: false, coordinatorEpoch: 0 }, 1_000);
    expect(readMarker(abort)).toMatchObject({ commit: false });
    expect(readMarker(buildRecordBatch({ records: [{ value: "x" }] }))).toBeNull();
    const leaderChange = buildRecordBatch({ records: [{ key: new Uint8Array([0, 0, 0, 2]), value: null }], control: true });
    expect(readMarker(leaderChange)).toBeNull();
    // Clients may not write markers themselves.
    expect(validateBatchesForAppend(abort, { batchBytesMax: 1 << 20 })).toMatchObject({ ok: false });
  });
});
