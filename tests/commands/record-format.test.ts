import { describe, expect, test } from "bun:test";
import { compileFormat, FormatError, OutputBuffer, renderRecord } from "../../src/commands/record-format.ts";
import type { DecodedRecord } from "../../src/records/decode-batches.ts";

const record: DecodedRecord = {
  offset: 42,
  timestamp: 1700000000123,
  key: Buffer.from("k\x00y"),
  value: Buffer.from([0xff, 0x00, 0x0a, 0x80]),
  headers: [
    { key: "a", value: Buffer.from("1") },
    { key: "b", value: null },
  ],
};

function render(format: string, value: DecodedRecord = record): Buffer {
  const output = new OutputBuffer(4);
  renderRecord(output, compileFormat(format), "topic-x", 3, value);
  return Buffer.from(output.take());
}

describe("record formats", () => {
  test("renders every token with raw key and value bytes", () => {
    expect(render(String.raw`%t|%p|%o|%T|%k|%K|%S|%h|%%\n`)).toEqual(
      Buffer.concat([Buffer.from("topic-x|3|42|1700000000123|k\x00y|3|4|a=1,b=|%\n")]),
    );
    expect(render("%s")).toEqual(Buffer.from([0xff, 0x00, 0x0a, 0x80]));
  });

  test("expands \\n \\t \\r \\0 \\\\ and prints null keys as nothing with length -1", () => {
    const nulls = { ...record, key: null, value: null, headers: [] };
    expect(render(String.raw`[%k]%K\t%S\r\0\\\n`, nulls).toString("latin1")).toBe("[]-1\t-1\r\0\\\n");
  });

  test("grows the buffer across many records", () => {
    const output = new OutputBuffer(1);
    const format = compileFormat(String.raw`%o:%s\n`);
    for (let i = 0; i < 1000; i++) renderRecord(output, format, "t", 0, { ...record, offset: i, value: Buffer.from("v".repeat(i % 7)) });
    const lines = Buffer.from(output.take()).toString().split("\n");
    expect(lines[999]).toBe(`999:${"v".repeat(999 % 7)}`);
    expect(output.length).toBe(0);
  });

  test("rejects unknown tokens", () => {
    expect(() => compileFormat("%x")).toThrow(FormatError);
    expect(() => compileFormat("abc%")).toThrow('unknown token "%"');
  });
});
