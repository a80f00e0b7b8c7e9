import { describe, expect, test } from "bun:test";
import * as recordBatch from "../../src/records/record-batch.ts";

describe("record-batch", () => {
  test("exposes build, decode and validate that agree with each other", () => {
    const batch = recordBatch.buildRecordBatch({ records: [{ key: "k", value: "v" }], compression: recordBatch.CompressionCodec.snappy });
    expect(recordBatch.validateBatchesForAppend(batch, { batchBytesMax: 1 << 20 }).ok).toBe(true);
    const [decoded] = recordBatch.decodeRecordBatches(batch);
    expect(new TextDecoder().decode(decoded.records[0].value!)).toBe("v");
  });
});
