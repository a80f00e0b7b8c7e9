import { afterAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { crc32c } from "../../src/records/crc32c.ts";
import { CompressionCodec } from "../../src/records/compression/index.ts";
import { buildRecordBatch, type RecordInput } from "../../src/records/record-batch.ts";
import type { SearchSegment } from "../../src/search/search-segment.ts";
import type { SealedMeta } from "../../src/search/sealed-format.ts";
import { CorruptIndexFileError, openSealedSegment, verifySealedSegment } from "../../src/search/sealed-segment.ts";
import { writeSealedSegment } from "../../src/search/sealed-segment-writer.ts";
import { seededRandom } from "../../scripts/bench/log-corpus.ts";
import { type ArrayDoc, ArraySegment } from "./array-segment.ts";
import { chunkFileName } from "../../src/search/index-manifest.ts";
import type { StoredRecord } from "../../src/search/search-segment.ts";

/** A chunk file name for a segment at `base` (the end is not checked by the reader). */
const fileFor = (base: number) => chunkFileName({ baseOffset: base, endOffset: base });

/** A record without the flattened fields a reader may add: what the segment stores. */
const stored = ({ key, value, headers, valueIsBinary }: StoredRecord) => ({ key, value, headers, valueIsBinary });

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chronik-sealed-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const words = ["a", "b", "ab", "abc", "error", "errors", "disk", "full", "é", "éa", "ü", "日本", "日本語", "😀", "😀x", "𝔘nicode", "z", "zz", "ﬀ"];

/** Random documents with text, keyword and number fields covering every encoding of the format. */
type Times = "close" | "spread" | "wide";

/** Timestamps 13 ms apart (Uint16 per block), 1 s apart (Uint32 from the minimum), or with -1 among them (Float64). */
function timestampOf(times: Times, i: number): number {
  if (times === "wide" && i % 7 === 0) return -1;
  return 1_714_521_600_000 + i * (times === "spread" ? 1000 : 13);
}

function randomDocs(seed: number, count: number, firstOffset: number, options: { times?: Times } = {}): ArrayDoc[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
  const docs: ArrayDoc[] = [];
  let offset = firstOffset;
  for (let i = 0; i < count; i++) {
    const text: Record<string, string[]> = {};
    const keywords: Record<string, string[]> = {};
    const numbers: Record<string, number[]> = {};
    // Every document has "common", so its postings pass a skip block.
    text._value = ["common", ...Array.from({ length: Math.floor(random() * 12) }, () => pick(words))];
    text.one = [pick(words)];
    if (random() < 0.3) text.msg = Array.from({ length: Math.floor(random() * 4) }, () => pick(words));
    if (random() < 0.2) text["日本"] = [pick(words), `t${Math.floor(random() * 400)}`];
    keywords.level = [pick(["info", "warn", "error", "debug"])];
    if (random() < 0.9) keywords.user = [`u${Math.floor(random() * 1000)}`];
    if (random() < 0.5) keywords.tags = Array.from({ length: Math.floor(random() * 4) }, () => pick(words));
    if (random() < 0.2) keywords.empty = [pick(["", "x", "😀"])];
    // Long values of a few words: their dictionary blocks are stored compressed.
    keywords.sentence = [Array.from({ length: 3 + Math.floor(random() * 8) }, () => pick(words)).join(" ") + ` ${i}`];
    numbers.small = [Math.floor(random() * 200)];
    if (random() < 0.8) numbers.mid = [1000 + Math.floor(random() * 60_000)];
    if (random() < 0.8) numbers.big = [Math.floor(random() * 2 ** 40) - 2 ** 39];
    if (random() < 0.5) numbers.float = [random() * 100 - 50];
    if (random() < 0.5) numbers.multi = Array.from({ length: Math.floor(random() * 4) }, () => Math.floor(random() * 10));
    if (random() < 0.1) numbers.sparse = [i];
    const hasKey = random() < 0.7;
    const binary = random() < 0.05;
    docs.push({
      offset,
      timestamp: timestampOf(options.times ?? "close", i),
      key: hasKey ? `k${i}` : null,
      value: binary ? null : random() < 0.95 ? `value ${i}` : null,
      valueIsBinary: binary,
      text,
      keywords,
      numbers,
    });
    offset += 1 + (random() < 0.1 ? Math.floor(random() * 5) : 0);
  }
  return docs;
}

/** The metadata in the footer of a sealed segment file. */
function readMeta(file: string): SealedMeta {
  const bytes = new Uint8Array(fs.readFileSync(file));
  const metaLength = new DataView(bytes.buffer).getUint32(bytes.length - 24, true);
  return JSON.parse(new TextDecoder().decode(bytes.subarray(bytes.length - 24 - metaLength, bytes.length - 24))) as SealedMeta;
}

function collect<T>(each: (visit: (value: T) => void) => void): T[] {
  const values: T[] = [];
  each((value) => values.push(value));
  return values;
}

/** Asserts that `actual` answers every SearchSegment method as `expected` does. */
function expectSameAnswers(actual: SearchSegment, expected: SearchSegment): void {
  for (const property of ["topic", "partition", "baseOffset", "endOffset", "docCount", "logSegmentBase"] as const) {
    expect([property, actual[property]]).toEqual([property, expected[property]]);
  }
  for (let doc = 0; doc < expected.docCount; doc++) {
    expect([doc, actual.offset(doc), actual.timestamp(doc), actual.hasKey(doc), actual.hasValue(doc)]).toEqual([
      doc,
      expected.offset(doc),
      expected.timestamp(doc),
      expected.hasKey(doc),
      expected.hasValue(doc),
    ]);
  }
  const batches = actual.batches();
  expect([Array.from(batches.baseOffsets), Array.from(batches.positions)]).toEqual([
    Array.from(expected.batches().baseOffsets),
    Array.from(expected.batches().positions),
  ]);
  expect(actual.fieldNames()).toEqual(expected.fieldNames());
  for (const field of expected.fieldNames()) {
    expectSameText(actual, expected, field);
    expectSameKeywords(actual, expected, field);
    const expectedNumbers = expected.numbers(field);
    const actualNumbers = actual.numbers(field);
    expect([field, actualNumbers === null]).toEqual([field, expectedNumbers === null]);
    if (expectedNumbers === null || actualNumbers === null) continue;
    for (let doc = 0; doc < expected.docCount; doc++) {
      expect([field, doc, collect<number>((visit) => actualNumbers.forEachValue(doc, visit))]).toEqual([
        field,
        doc,
        collect<number>((visit) => expectedNumbers.forEachValue(doc, visit)),
      ]);
    }
    const pairs = (numbers: typeof expectedNumbers) => collect<[number, number]>((visit) => numbers.forEach((doc, value) => visit([doc, value])));
    expect(pairs(actualNumbers)).toEqual(pairs(expectedNumbers));
  }
  expect(actual.text("no such field")).toBeNull();
  expect(actual.keywords("no such field")).toBeNull();
  expect(actual.numbers("no such field")).toBeNull();
}

function expectSameText(actual: SearchSegment, expected: SearchSegment, field: string): void {
  const expectedText = expected.text(field);
  const actualText = actual.text(field);
  expect([field, actualText === null]).toEqual([field, expectedText === null]);
  if (expectedText === null || actualText === null) return;
  expect(actualText.totals).toEqual(expectedText.totals);
  const terms = [...expectedText.terms("")];
  expect([...actualText.terms("")]).toEqual(terms);
  const prefixes = new Set<string>();
  for (const term of terms) {
    const postings = actualText.postings(term)!;
    const reference = expectedText.postings(term)!;
    expect([field, term, Array.from(postings.docs), Array.from(postings.freqs)]).toEqual([field, term, Array.from(reference.docs), Array.from(reference.freqs)]);
    expect(actualText.documentFrequency(term)).toBe(expectedText.documentFrequency(term));
    if (actualText.keepsPositions) {
      expect([field, term, Array.from(actualText.positioned(term)!.positions)]).toEqual([field, term, Array.from(expectedText.positioned(term)!.positions)]);
    }
    const points = [...term];
    for (let length = 1; length <= Math.min(2, points.length); length++) prefixes.add(points.slice(0, length).join(""));
  }
  for (const prefix of [...prefixes, "common", "zzz", "\u{10ffff}", "é"]) {
    expect([field, prefix, [...actualText.terms(prefix)]]).toEqual([field, prefix, [...expectedText.terms(prefix)]]);
  }
  for (const absent of ["", "absent", "commo", "commonx", "\u{10ffff}", "😀y"]) {
    if (expectedText.postings(absent) !== null) continue;
    expect([absent, actualText.postings(absent)]).toEqual([absent, null]);
    expect(actualText.documentFrequency(absent)).toBe(0);
  }
  const lengths = (text: typeof expectedText) => Array.from({ length: expected.docCount }, (_, doc) => text.length(doc));
  expect([field, lengths(actualText)]).toEqual([field, lengths(expectedText)]);
}

function expectSameKeywords(actual: SearchSegment, expected: SearchSegment, field: string): void {
  const expectedKeywords = expected.keywords(field);
  const actualKeywords = actual.keywords(field);
  expect([field, actualKeywords === null]).toEqual([field, expectedKeywords === null]);
  if (expectedKeywords === null || actualKeywords === null) return;
  expect(actualKeywords.cardinality).toBe(expectedKeywords.cardinality);
  for (let ordinal = 0; ordinal < expectedKeywords.cardinality; ordinal++) {
    const value = expectedKeywords.value(ordinal);
    expect([field, ordinal, actualKeywords.value(ordinal)]).toEqual([field, ordinal, value]);
    expect([field, value, actualKeywords.ordinal(value)]).toEqual([field, value, ordinal]);
    expect([field, value, Array.from(actualKeywords.docs(ordinal))]).toEqual([field, value, Array.from(expectedKeywords.docs(ordinal))]);
  }
  for (const absent of ["absent", "\u{10ffff}", "u", "u10000"]) expect([absent, actualKeywords.ordinal(absent)]).toEqual([absent, expectedKeywords.ordinal(absent)]);
  for (let doc = 0; doc < expected.docCount; doc++) {
    expect([field, doc, collect<number>((visit) => actualKeywords.forEachOrdinal(doc, visit))]).toEqual([
      field,
      doc,
      collect<number>((visit) => expectedKeywords.forEachOrdinal(doc, visit)),
    ]);
  }
}

describe("a sealed segment", () => {
  test("answers every method as the segment it was written from", async () => {
    for (const [seed, times] of [
      [1, "close"],
      [2, "wide"],
      [3, "spread"],
    ] as const) {
      const input = new ArraySegment(randomDocs(seed, 700, 1000, { times }), { topic: "logs", partition: 3, logSegmentBase: 900, endOffset: 5000 });
      await writeSealedSegment(path.join(dir, fileFor(1000)), [input]);
      const sealed = openSealedSegment(dir, fileFor(1000))!;
      expectSameAnswers(sealed, input);
      const meta = readMeta(path.join(dir, fileFor(1000)));
      expect([meta.timestampsMin === null, meta.timestampBasesAt === null]).toEqual(
        times === "wide" ? [true, true] : times === "spread" ? [false, true] : [false, false],
      );
      expect(meta.fields.find((field) => field.name === "one")!.text!.normsAt).toBeNull();
      expect(meta.fields.find((field) => field.name === "_value")!.text!.normsAt).not.toBeNull();
      const encodings = meta.fields.map((field) => [field.name, field.number?.encoding, field.number?.width, field.keyword?.ordinalWidth, field.keyword && field.keyword.startsAt === null]);
      expect(encodings).toContainEqual(["small", "integer", 1, undefined, undefined]);
      expect(encodings).toContainEqual(["mid", "integer", 2, undefined, undefined]);
      expect(encodings).toContainEqual(["big", "float", 8, undefined, undefined]);
      expect(encodings).toContainEqual(["multi", "multi", 8, undefined, undefined]);
      expect(encodings).toContainEqual(["user", undefined, undefined, 2, true]);
      expect(encodings).toContainEqual(["level", undefined, undefined, 1, true]);
      expect(encodings).toContainEqual(["tags", undefined, undefined, 1, false]);
      const sentences = meta.fields.find((field) => field.name === "sentence")!.keyword!;
      const sentenceBytes = input.docs.reduce((sum, doc) => sum + Buffer.byteLength(doc.keywords!.sentence[0]), 0);
      expect(sentences.dictBytes).toBeLessThan(sentenceBytes / 2);
      verifySealedSegment(path.join(dir, fileFor(1000)));
    }
  });

  test("an empty segment round-trips", async () => {
    const input = new ArraySegment([], { topic: "t", baseOffset: 70, endOffset: 75 });
    await writeSealedSegment(path.join(dir, fileFor(70)), [input]);
    expectSameAnswers(openSealedSegment(dir, fileFor(70))!, input);
  });

  test("a merge of three segments answers as one segment holding all their documents", async () => {
    const parts = [randomDocs(11, 300, 0), randomDocs(12, 50, 2000), randomDocs(13, 400, 3000, { times: "wide" })];
    const options = { topic: "logs", partition: 1, logSegmentBase: 0 };
    const inputs = parts.map((docs, i) => new ArraySegment(docs, { ...options, endOffset: [1500, 2500, 9000][i] }));
    for (const input of inputs) await writeSealedSegment(path.join(dir, fileFor(input.baseOffset)), [input]);
    const sealedInputs = inputs.map((input) => openSealedSegment(dir, fileFor(input.baseOffset))!);
    const merged = path.join(dir, "merged", fileFor(0));
    fs.mkdirSync(path.dirname(merged), { recursive: true });
    await writeSealedSegment(merged, sealedInputs);
    const expected = new ArraySegment(parts.flat(), { ...options, endOffset: 9000 });
    expectSameAnswers(openSealedSegment(path.dirname(merged), fileFor(0))!, expected);
  });

  test("holds on the heap its metadata, not its documents or terms", async () => {
    const small = new ArraySegment(randomDocs(21, 100, 0));
    const large = new ArraySegment(randomDocs(22, 5000, 0));
    fs.mkdirSync(path.join(dir, "heap-small"), { recursive: true });
    fs.mkdirSync(path.join(dir, "heap-large"), { recursive: true });
    await writeSealedSegment(path.join(dir, "heap-small", fileFor(0)), [small]);
    await writeSealedSegment(path.join(dir, "heap-large", fileFor(0)), [large]);
    const smallHeap = openSealedSegment(path.join(dir, "heap-small"), fileFor(0))!.heapBytes;
    const largeHeap = openSealedSegment(path.join(dir, "heap-large"), fileFor(0))!.heapBytes;
    expect(smallHeap).toBeGreaterThan(0);
    expect(largeHeap).toBeLessThan(smallHeap * 1.5);
  });
});

describe("opening a .search file", () => {
  const file = path.join(dir, "bad", fileFor(0));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const open = () => openSealedSegment(path.dirname(file), fileFor(0));
  const trailerBytes = 24;

  async function writeGood(): Promise<Uint8Array> {
    await writeSealedSegment(file, [new ArraySegment(randomDocs(31, 50, 0))]);
    return new Uint8Array(fs.readFileSync(file));
  }

  test("a missing file is null", () => {
    expect(openSealedSegment(path.join(dir, "bad"), fileFor(12345))).toBeNull();
  });

  test("a version-1 file is reported as old format", () => {
    fs.writeFileSync(file, 'chronik-search 1 123 456\n{"topic":"t"}');
    expect(open).toThrow(CorruptIndexFileError);
    expect(open).toThrow(/old format/);
  });

  test("an empty, short or truncated file has no footer", async () => {
    fs.writeFileSync(file, "");
    expect(open).toThrow(/footer/);
    const bytes = await writeGood();
    fs.writeFileSync(file, bytes.subarray(0, bytes.length - 3));
    expect(open).toThrow(CorruptIndexFileError);
    expect(open).toThrow(file);
  });

  test("another version is named", async () => {
    const bytes = await writeGood();
    bytes[6] = 4;
    bytes[bytes.length - 2] = 4;
    fs.writeFileSync(file, bytes);
    expect(open).toThrow(/version "4"/);
  });

  test("a damaged metadata byte fails its CRC", async () => {
    const bytes = await writeGood();
    bytes[bytes.length - trailerBytes - 5] ^= 0x20;
    fs.writeFileSync(file, bytes);
    expect(open).toThrow(/metadata CRC mismatch/);
  });

  test("a section past the end of the body is out of bounds", async () => {
    const bytes = await writeGood();
    const view = new DataView(bytes.buffer);
    const metaLength = view.getUint32(bytes.length - trailerBytes, true);
    const metaStart = bytes.length - trailerBytes - metaLength;
    const meta = JSON.parse(new TextDecoder().decode(bytes.subarray(metaStart, metaStart + metaLength)));
    meta.flagsAt = bytes.length + 8;
    const newMeta = new TextEncoder().encode(JSON.stringify(meta));
    const rebuilt = new Uint8Array(metaStart + newMeta.length + trailerBytes);
    rebuilt.set(bytes.subarray(0, metaStart));
    rebuilt.set(newMeta, metaStart);
    rebuilt.set(bytes.subarray(bytes.length - trailerBytes), metaStart + newMeta.length);
    const rebuiltView = new DataView(rebuilt.buffer);
    rebuiltView.setUint32(rebuilt.length - trailerBytes, newMeta.length, true);
    rebuiltView.setUint32(rebuilt.length - trailerBytes + 4, crc32c(newMeta), true);
    fs.writeFileSync(file, rebuilt);
    expect(open).toThrow(/out of bounds/);
  });

  test("a damaged body byte opens (opening reads only the footer) but fails verification", async () => {
    const bytes = await writeGood();
    bytes[20] ^= 1;
    fs.writeFileSync(file, bytes);
    expect(open()).not.toBeNull();
    expect(() => verifySealedSegment(file)).toThrow(/body CRC mismatch/);
  });
});

describe("records read from the log", () => {
  const logDir = path.join(dir, "log");
  fs.mkdirSync(logDir, { recursive: true });
  const logBase = 500;
  const logFile = path.join(logDir, `${String(logBase).padStart(20, "0")}.log`);
  const binary = Uint8Array.from([0xff, 0xfe, 0x00]);

  /** Batches of 3 records from offset 500; the second is gzip-compressed; record 504 has a binary value. */
  function writeLog(skipBatch?: number): { positions: number[]; baseOffsets: number[] } {
    const batches: Uint8Array[] = [];
    const positions: number[] = [];
    const baseOffsets: number[] = [];
    let position = 0;
    for (let batch = 0; batch < 4; batch++) {
      const baseOffset = logBase + batch * 3;
      const records: RecordInput[] = [0, 1, 2].map((i) => {
        const offset = baseOffset + i;
        return {
          key: offset % 2 === 0 ? `key-${offset}` : null,
          value: offset === 504 ? binary : `{"n":${offset},"text":"héllo 😀 ${offset}"}`,
          headers: [{ key: "h", value: `v${offset}` }, { key: "bin", value: binary }],
          timestamp: 1000 + offset,
        };
      });
      if (batch === skipBatch) continue;
      const bytes = buildRecordBatch({ records, baseOffset, compression: batch === 1 ? CompressionCodec.gzip : CompressionCodec.none });
      batches.push(bytes);
      positions.push(position);
      baseOffsets.push(baseOffset);
      position += bytes.length;
    }
    fs.writeFileSync(logFile, Buffer.concat(batches));
    return { positions, baseOffsets };
  }

  function docs(): ArrayDoc[] {
    return Array.from({ length: 12 }, (_, i) => {
      const offset = logBase + i;
      return {
        offset,
        timestamp: 1000 + offset,
        key: offset % 2 === 0 ? `key-${offset}` : null,
        value: offset === 504 ? null : `{"n":${offset},"text":"héllo 😀 ${offset}"}`,
        valueIsBinary: offset === 504,
        headers: { h: `v${offset}` },
      };
    });
  }

  async function sealWith(batches: { baseOffsets: number[]; positions: number[] }) {
    const input = new ArraySegment(docs(), { topic: "logs", partition: 2, logSegmentBase: logBase, batches });
    await writeSealedSegment(path.join(logDir, fileFor(logBase)), [input]);
    return { input, sealed: openSealedSegment(logDir, fileFor(logBase))! };
  }

  test("at their stored positions, as the segment they were sealed from holds them", async () => {
    const { input, sealed } = await sealWith(writeLog());
    for (let doc = 0; doc < input.docCount; doc++) expect(stored(sealed.record(doc))).toEqual(stored(input.record(doc)));
  });

  test("by scanning the log when positions are unknown or stale (compaction rewrote the file)", async () => {
    const { positions, baseOffsets } = writeLog();
    const unknown = await sealWith({ baseOffsets, positions: positions.map(() => -1) });
    for (let doc = 0; doc < 12; doc++) expect(stored(unknown.sealed.record(doc))).toEqual(stored(unknown.input.record(doc)));
    const stale = await sealWith({ baseOffsets, positions: [0, 0, positions[1], positions[3]] });
    for (let doc = 11; doc >= 0; doc--) expect(stored(stale.sealed.record(doc))).toEqual(stored(stale.input.record(doc)));
  });

  test("a record that is gone from the log is named in the error", async () => {
    const { sealed } = await sealWith(writeLog());
    writeLog(2);
    expect(() => sealed.record(7)).toThrow('Cannot read record "logs-2@507": the record is no longer in the log');
    expect(sealed.record(9).key).toBe(null);
  });
});
