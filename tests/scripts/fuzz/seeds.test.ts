import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { routes } from "../../../src/engine/api-table.ts";
import { decodeRequestHeader } from "../../../src/protocol/headers.ts";
import { apiByKey, Produce } from "../../../src/protocol/messages/index.ts";
import { Reader } from "../../../src/protocol/reader.ts";
import { decodeRecordBatches } from "../../../src/records/record-batch.ts";
import { mutantOf } from "../../../scripts/fuzz/in-process.ts";
import { Prng } from "../../../scripts/fuzz/mutate.ts";
import { capturedSeeds, generatedSeeds } from "../../../scripts/fuzz/seeds.ts";
import { mutateValue } from "../../../scripts/fuzz/values.ts";

describe("generatedSeeds", () => {
  const seeds = generatedSeeds();

  test("one seed per API and advertised version, each decoding whole with its codec", () => {
    const expected = routes.flatMap((route) => Array.from({ length: route.maxVersion - route.minVersion + 1 }, (_, n) => `${route.name}-v${route.minVersion + n}`));
    expect(seeds.map((seed) => seed.name)).toEqual(expected);
    for (const seed of seeds) {
      const reader = new Reader(seed.frame);
      const header = decodeRequestHeader(reader);
      expect(reader.offset).toBe(seed.bodyStart);
      apiByKey.get(header.apiKey)!.decodeRequest(reader, header.apiVersion);
      expect(reader.remaining).toBe(0);
    }
  });

  test("a produce carries a real record batch", () => {
    const seed = seeds.find((candidate) => candidate.name === "Produce-v9")!;
    const reader = new Reader(seed.frame, seed.bodyStart);
    const request = Produce.decodeRequest(reader, 9);
    const records = request.topicData[0].partitionData[0].records!;
    expect(decodeRecordBatches(records)[0].records.length).toBe(2);
  });
});

describe("capturedSeeds", () => {
  test("reads request files with or without a size prefix, and ignores responses", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "chronik-seeds-"));
    try {
      const body = seedsFrame();
      const prefixed = new Uint8Array(4 + body.length);
      new DataView(prefixed.buffer).setInt32(0, body.length);
      prefixed.set(body, 4);
      writeFileSync(path.join(dir, "kcat-Metadata-v4-request.bin"), prefixed);
      writeFileSync(path.join(dir, "kcat-Metadata-v4-2-request.bin"), body);
      writeFileSync(path.join(dir, "kcat-Metadata-v4-response.bin"), prefixed);
      const seeds = capturedSeeds(dir);
      expect(seeds.map((seed) => seed.name)).toEqual(["kcat-Metadata-v4-2-request.bin", "kcat-Metadata-v4-request.bin"]);
      for (const seed of seeds) expect(seed.frame).toEqual(body);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a missing folder gives no seeds", () => {
    expect(capturedSeeds("/nonexistent/captured")).toEqual([]);
  });
});

function seedsFrame(): Uint8Array {
  return generatedSeeds().find((seed) => seed.name === "Metadata-v4")!.frame;
}

describe("mutantOf and mutateValue", () => {
  test("execution N of a run is the same mutant however many executions ran before", () => {
    const seeds = generatedSeeds();
    expect(mutantOf(seeds, 5, 1234)).toEqual(mutantOf(seeds, 5, 1234));
    expect(mutantOf(seeds, 5, 1234).bytes).not.toEqual(mutantOf(seeds, 6, 1234).bytes);
  });

  test("value mutations change a copy, never the seed's value", () => {
    const seed = generatedSeeds().find((candidate) => candidate.name === "CreateTopics-v7")!;
    const before = structuredClone(seed.request!.value);
    for (let n = 0; n < 200; n++) {
      const { steps } = mutateValue(seed.request!.value, new Prng(n));
      expect(steps.length).toBeGreaterThan(0);
    }
    expect(seed.request!.value).toEqual(before);
  });
});
