import { describe, expect, test } from "bun:test";
import { compileFormat, FormatError } from "../../src/commands/record-format.ts";
import { checkInputFormat, InputFormatError, type ParsedRecord, RecordParser } from "../../src/commands/record-parse.ts";
import { OutputBuffer, renderRecord } from "../../src/commands/record-render.ts";

function parse(format: string, input: Uint8Array | string, options: { emptyValueIsNull?: boolean; chunkBytes?: number } = {}): ParsedRecord[] {
  const parts = compileFormat(format);
  checkInputFormat(parts, format);
  const parser = new RecordParser(parts, options);
  const bytes = typeof input === "string" ? Buffer.from(input) : input;
  const step = options.chunkBytes ?? bytes.length;
  const records: ParsedRecord[] = [];
  for (let at = 0; at < bytes.length; at += step) records.push(...parser.push(bytes.subarray(at, at + step)));
  records.push(...parser.end());
  return records;
}

const text = (bytes: Uint8Array | null) => (bytes === null ? null : Buffer.from(bytes).toString("latin1"));

describe("RecordParser", () => {
  test("lines, with or without a final newline, in any chunking", () => {
    for (const chunkBytes of [1, 2, 100]) {
      expect(parse(String.raw`%v\n`, "a\n\nbc", { chunkBytes }).map((record) => text(record.value))).toEqual(["a", "", "bc"]);
    }
  });

  test("key and value split at a multi-byte delimiter; an empty key is no key", () => {
    const records = parse(String.raw`%k::%v\n`, "k1::v1\n::v2\n");
    expect(records.map((record) => [text(record.key), text(record.value)])).toEqual([["k1", "v1"], [null, "v2"]]);
  });

  test("lengths make binary keys and values exact, -1 is null", () => {
    const key = Buffer.from([0, 10, 0xff]);
    const value = Buffer.from("a b\nc");
    const input = Buffer.concat([Buffer.from("3 "), key, Buffer.from("5 "), value, Buffer.from("-1 0 ")]);
    const records = parse("%K %k%V %v", input, { chunkBytes: 3 });
    expect(records).toHaveLength(2);
    expect(Buffer.from(records[0].key!)).toEqual(key);
    expect(Buffer.from(records[0].value!)).toEqual(value);
    expect(records[1].key).toBeNull();
    expect(Buffer.from(records[1].value!).length).toBe(0);
  });

  test("%V -1 and -Z make null values", () => {
    expect(parse("%V %v;", "-1 ;")[0].value).toBeNull();
    expect(parse(String.raw`%v\n`, "\nx\n", { emptyValueIsNull: true }).map((record) => text(record.value))).toEqual([null, "x"]);
  });

  test("hex and base64 fields are decoded", () => {
    const [record] = parse(String.raw`%k{hex} %v{base64}\n`, "00ff /wAKgA==\n");
    expect([...record.key!]).toEqual([0, 255]);
    expect([...record.value!]).toEqual([0xff, 0x00, 0x0a, 0x80]);
    expect(() => parse(String.raw`%k{hex} %v\n`, "zz v\n")).toThrow('"zz" is not hex');
  });

  test("topic, partition, timestamp and headers; offset is read and ignored", () => {
    const [record] = parse(String.raw`%t %p %o %d{rfc3339} %H %h{%k=%v;}%v\n`, "logs 2 99 2023-11-14T22:13:20.123Z 2 a=1;b=2;body\n");
    expect(record.topic).toBe("logs");
    expect(record.partition).toBe(2);
    expect(record.timestamp).toBe(1700000000123);
    expect(record.headers.map((header) => [header.key, text(header.value)])).toEqual([["a", "1"], ["b", "2"]]);
    expect(text(record.value)).toBe("body");
    const [kcat] = parse(String.raw`%h|%v\n`, "x=1,y|v\n");
    expect(kcat.headers.map((header) => [header.key, text(header.value)])).toEqual([["x", "1"], ["y", null]]);
  });

  test("round-trips what the renderer writes", () => {
    const format = String.raw`%p %d %K %k%V %v%H %h{%K %k%V %v}\n`;
    const records = Array.from({ length: 20 }, (_, i) => ({
      offset: i,
      timestamp: 1700000000000 + i,
      key: i % 3 === 0 ? null : Buffer.from([i, 10, 0]),
      value: Buffer.from(`v ${i}\n`),
      headers: [{ key: `h${i}`, value: Buffer.from([i, 32]) }],
    }));
    const output = new OutputBuffer();
    for (const record of records) renderRecord(output, compileFormat(format), { topic: "t", partition: 1, batch: null }, record);
    const parsed = parse(format, output.take(), { chunkBytes: 7 });
    expect(parsed.map((record) => [record.partition, record.timestamp, record.key && [...record.key], text(record.value), record.headers[0].key, [...record.headers[0].value!]])).toEqual(
      records.map((record) => [1, record.timestamp, record.key && [...record.key], text(record.value), record.headers[0].key, [...record.headers[0].value]]),
    );
  });

  test("input that does not match is an error naming the record", () => {
    expect(() => parse(String.raw`%k:%v\n`, "a:1\nno-colon")).toThrow("Record 2: the input ends in the middle of a record");
    expect(() => parse("%p %v;", "x y;")).toThrow(InputFormatError);
    expect(() => parse("%K %k%V %v", "9 ab")).toThrow("ends inside a 9-byte field");
  });

  test("formats that cannot be parsed are refused up front", () => {
    expect(() => checkInputFormat(compileFormat("%k%v"), "%k%v")).toThrow(FormatError);
    expect(() => checkInputFormat(compileFormat("%h{%k=%v;}%v"), "%h{%k=%v;}%v")).toThrow('without a "%H"');
    expect(() => checkInputFormat(compileFormat("%K %k%v"), "%K %k%v")).not.toThrow();
  });
});
