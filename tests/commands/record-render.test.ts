import { describe, expect, test } from "bun:test";
import { compileFormat } from "../../src/commands/record-format.ts";
import { OutputBuffer, renderRecord } from "../../src/commands/record-render.ts";
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

// attributes: lz4 (3) | LogAppendTime (0x08) | transactional (0x10)
const batch = { lastOffset: 50, partitionLeaderEpoch: 7, attributes: 0x03 | 0x08 | 0x10 };

function render(format: string, value: DecodedRecord = record): Buffer {
  const output = new OutputBuffer(4);
  renderRecord(output, compileFormat(format), { topic: "topic-x", partition: 3, batch }, value);
  return Buffer.from(output.take());
}

describe("renderRecord", () => {
  test("renders every token with raw key and value bytes", () => {
    expect(render(String.raw`%t|%p|%o|%e|%d|%T|%k|%K|%V|%S|%H|%h|%%\n`)).toEqual(
      Buffer.from("topic-x|3|42|7|1700000000123|1700000000123|k\x00y|3|4|4|2|a=1,b=|%\n"),
    );
    expect(render("%v")).toEqual(Buffer.from([0xff, 0x00, 0x0a, 0x80]));
    expect(render("%s")).toEqual(Buffer.from([0xff, 0x00, 0x0a, 0x80]));
  });

  test("timestamps as ms, unix seconds and RFC 3339", () => {
    expect(render("%d{ms} %d{unix} %d{rfc3339}").toString()).toBe("1700000000123 1700000000 2023-11-14T22:13:20.123Z");
  });

  test("{hex} and {base64} encode keys, values and header values", () => {
    expect(render("%k{hex} %v{hex} %v{base64}").toString()).toBe("6b0079 ff000a80 /wAKgA==");
    expect(render("%h{%k:%v{hex}:%V;}").toString()).toBe("a:31:1;b::-1;");
  });

  test("batch attributes", () => {
    expect(render("%a{compression} %a{timestamp-type} %a{transactional-bit} %a{control-bit}").toString()).toBe("lz4 LogAppendTime 1 0");
  });

  test("null keys and values print as nothing with length -1", () => {
    const nulls = { ...record, key: null, value: null, headers: [] };
    expect(render(String.raw`[%k]%K\t%V[%v]%H[%h]`, nulls).toString()).toBe("[]-1\t-1[]0[]");
  });

  test("grows the buffer across many records", () => {
    const output = new OutputBuffer(1);
    const format = compileFormat(String.raw`%o:%v\n`);
    for (let i = 0; i < 1000; i++) renderRecord(output, format, { topic: "t", partition: 0, batch: null }, { ...record, offset: i, value: Buffer.from("v".repeat(i % 7)) });
    const lines = Buffer.from(output.take()).toString().split("\n");
    expect(lines[999]).toBe(`999:${"v".repeat(999 % 7)}`);
    expect(output.length).toBe(0);
  });
});
