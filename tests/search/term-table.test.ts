import { describe, expect, test } from "bun:test";
import { TermTable } from "../../src/search/term-table.ts";

describe("TermTable", () => {
  test("numbers terms as first seen, from strings and from spans of text, through its growth", () => {
    const table = new TermTable();
    expect(table.find("disk")).toBe(-1);
    expect(table.intern("disk")).toBe(0);
    expect(table.intern("full")).toBe(1);
    expect(table.intern("disk")).toBe(0);
    // A span is lowercased (ASCII) before it is looked up or added.
    expect(table.internSpan("Disk FULL now", 0, 4)).toBe(0);
    expect(table.internSpan("Disk FULL now", 5, 9)).toBe(1);
    expect(table.internSpan("Disk FULL now", 10, 13)).toBe(2);
    expect(table.terms).toEqual(["disk", "full", "now"]);
    for (let i = 0; i < 10_000; i++) expect(table.intern(`t${i}`)).toBe(3 + i);
    for (let i = 0; i < 10_000; i++) expect(table.find(`t${i}`)).toBe(3 + i);
    expect(table.internSpan("xx T9999 yy", 3, 8)).toBe(3 + 9999);
    expect([table.find("disk"), table.find("now"), table.find("t10000"), table.find("")]).toEqual([0, 2, -1, -1]);
    expect(table.size).toBe(10_003);
  });
});
