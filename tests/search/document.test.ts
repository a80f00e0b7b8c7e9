import { describe, expect, test } from "bun:test";
import { FlatFields, flattenFieldsMax, flattenJsonText, recordToDocument } from "../../src/search/document.ts";

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

  test("a path seen again gathers its values in order, wherever it comes from", () => {
    // Through arrays of objects, and a dotted key meeting a nested path, in both orders.
    const fields = flattenJsonText('{"a.b":1,"items":[{"id":1,"n":"x"},{"id":2},{"n":"y"}],"a":{"b":2,"c":[3,[4]]}}');
    expect([...fields]).toEqual([
      ["a.b", [1, 2]],
      ["items.id", [1, 2]],
      ["items.n", ["x", "y"]],
      ["a.c", [3, 4]],
    ]);
    expect([fields.count(0), fields.value(0, 1), fields.get("items.n"), fields.get("nope")]).toEqual([2, 2, ["x", "y"], undefined]);
    expect([...flattenJsonText('{"a":{"b":2},"a.b":1}')]).toEqual([["a.b", [2, 1]]]);
    expect([...flattenJsonText('{"x":"1","y":{"z":true}}').values()]).toEqual([["1"], [true]]);
  });

  test("paths beyond flattenFieldsMax are dropped, values of known paths kept; the shared empty one cannot grow", () => {
    const object: Record<string, unknown> = {};
    for (let i = 0; i <= flattenFieldsMax; i++) object[`f${i}`] = i;
    object.f0 = [0, "again"];
    const fields = flattenJsonText(JSON.stringify(object));
    expect(fields.size).toBe(flattenFieldsMax);
    expect(fields.get("f0")).toEqual([0, "again"]);
    expect(fields.get(`f${flattenFieldsMax}`)).toBeUndefined();
    expect(() => FlatFields.none.add("x", 1)).toThrow();
    expect(FlatFields.none.size).toBe(0);
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
