import { describe, expect, test } from "bun:test";
import { flattenJsonText, recordToDocument } from "../../src/search/document.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("recordToDocument", () => {
  test("flattens a JSON object into typed fields by dotted path, arrays as several values", () => {
    const fields = flattenJsonText(JSON.stringify({ level: "error", http: { status: 500, ok: false }, tags: ["a", "b"], user: { id: 7, name: null } }));
    expect([...fields]).toEqual([
      ["level", ["error"]],
      ["http.status", [500]],
      ["http.ok", [false]],
      ["tags", ["a", "b"]],
      ["user.id", [7]],
    ]);
  });

  test("plain text and broken JSON have no fields", () => {
    expect(flattenJsonText("hello world").size).toBe(0);
    expect(flattenJsonText("{not json").size).toBe(0);
  });

  test("keeps coordinates, key and headers", () => {
    const counters = { binaryValues: 0 };
    const document = recordToDocument(
      { offset: 5, timestamp: 1000, key: bytes("k1"), value: bytes('{"message":"disk full","code":28}'), headers: [{ key: "trace", value: bytes("abc") }] },
      counters,
    );
    expect(document).toMatchObject({ offset: 5, timestamp: 1000, key: "k1", headers: { trace: "abc" }, valueIsBinary: false });
  });

  test("a non-UTF-8 value is counted and kept out of the text, without throwing", () => {
    const counters = { binaryValues: 0 };
    const document = recordToDocument({ offset: 0, timestamp: 0, key: null, value: new Uint8Array([0xff, 0xfe, 0x00]), headers: [] }, counters);
    expect(document.value).toBeNull();
    expect(document.valueIsBinary).toBe(true);
    expect(counters.binaryValues).toBe(1);
  });
});
