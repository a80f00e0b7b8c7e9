import { describe, expect, test } from "bun:test";
import { JsonRecordError, recordFromJson, recordToJson } from "../../src/commands/record-json.ts";
import type { DecodedRecord } from "../../src/records/decode-batches.ts";

const base: DecodedRecord = { offset: 5, timestamp: 1700000000000, key: Buffer.from("k"), value: Buffer.from("héllo"), headers: [{ key: "h", value: Buffer.from("1") }] };

describe("record JSON", () => {
  test("UTF-8 keys and values are strings", () => {
    expect(recordToJson("t", 2, base, { jsonValue: false })).toBe(
      '{"topic":"t","partition":2,"offset":5,"timestamp":1700000000000,"key":"k","value":"héllo","headers":[{"key":"h","value":"1"}]}\n',
    );
  });

  test("non-UTF-8 bytes are base64 with a marker, nulls are null", () => {
    const binary = { ...base, key: Buffer.from([0xff, 0]), value: null, headers: [{ key: "b", value: Buffer.from([0x80]) }, { key: "n", value: null }] };
    const line = recordToJson("t", 0, binary, { jsonValue: false });
    expect(JSON.parse(line)).toEqual({
      topic: "t", partition: 0, offset: 5, timestamp: 1700000000000, key: "/wA=", keyEncoding: "base64", value: null,
      headers: [{ key: "b", value: "gA==", valueEncoding: "base64" }, { key: "n", value: null }],
    });
    const back = recordFromJson(line, 1);
    expect([...back.key!]).toEqual([0xff, 0]);
    expect(back.value).toBeNull();
    expect(back.headers.map((header) => header.value && [...header.value])).toEqual([[0x80], null]);
    expect(back.timestamp).toBe(1700000000000);
  });

  test("--json-value embeds JSON values and reads them back compact", () => {
    const json = { ...base, value: Buffer.from('{ "a": [1, 2] }') };
    const line = recordToJson("t", 0, json, { jsonValue: true });
    expect(JSON.parse(line).value).toEqual({ a: [1, 2] });
    expect(JSON.parse(line).valueEncoding).toBe("json");
    expect(Buffer.from(recordFromJson(line, 1).value!).toString()).toBe('{"a":[1,2]}');
    expect(JSON.parse(recordToJson("t", 0, base, { jsonValue: true })).value).toBe("héllo");
  });

  test("bad lines are errors naming the line", () => {
    expect(() => recordFromJson("nope", 3)).toThrow("Line 3 is not JSON");
    expect(() => recordFromJson("[1]", 4)).toThrow("Line 4 is not a JSON object");
    expect(() => recordFromJson('{"value":1}', 5)).toThrow('Line 5: "value" is not a string or null');
    expect(() => recordFromJson('{"value":"x","valueEncoding":"rot13"}', 6)).toThrow(JsonRecordError);
    expect(() => recordFromJson('{"value":"x","timestamp":1.5}', 7)).toThrow("timestamp");
    expect(() => recordFromJson('{"value":"x","headers":[{"value":"1"}]}', 8)).toThrow("header");
  });

  test("plain JSON without an envelope field is an error that says how to send JSON lines as values", () => {
    for (const text of ['{"level":"error","service":"api"}', "{}"]) {
      expect(() => recordFromJson(text, 9)).toThrow(JsonRecordError);
      expect(() => recordFromJson(text, 9)).toThrow(/^Line 9.*leave out -f json/);
    }
  });

  test("an unknown envelope field is an error naming the field", () => {
    expect(() => recordFromJson('{"value":"x","level":"error"}', 2)).toThrow('Line 2: "level" is not a field of a record');
    expect(() => recordFromJson('{"value":"x","partiton":1}', 3)).toThrow('"partiton"');
  });

  test("the envelope's partition is read; a bad one is an error", () => {
    expect(recordFromJson('{"partition":3,"value":"x"}', 1).partition).toBe(3);
    expect(recordFromJson('{"value":"x"}', 1).partition).toBeUndefined();
    expect(recordFromJson('{"partition":null,"value":"x"}', 1).partition).toBeUndefined();
    expect(() => recordFromJson('{"partition":-1,"value":"x"}', 4)).toThrow('Line 4: "partition" is not a whole number of 0 or more');
    expect(() => recordFromJson('{"partition":"1","value":"x"}', 4)).toThrow('"partition"');
  });

  test("every field consume -f json writes is accepted", () => {
    const line = recordToJson("t", 2, { ...base, value: Buffer.from('{"a":1}') }, { jsonValue: true });
    const back = recordFromJson(line, 1);
    expect(back.partition).toBe(2);
    expect(Buffer.from(back.value!).toString()).toBe('{"a":1}');
  });
});
