import { describe, expect, test } from "bun:test";
import { compileFormat, FormatError, formatNeedsBatch } from "../../src/commands/record-format.ts";

describe("compileFormat", () => {
  test("splits literals and fields, with escapes as bytes", () => {
    expect(compileFormat(String.raw`%o:%k\t%v\x00\xff\n`)).toEqual([
      { kind: "offset" },
      { kind: "literal", bytes: Uint8Array.from([0x3a]) },
      { kind: "key", encoding: "raw" },
      { kind: "literal", bytes: Uint8Array.from([0x09]) },
      { kind: "value", encoding: "raw" },
      { kind: "literal", bytes: Uint8Array.from([0x00, 0xff, 0x0a]) },
    ]);
  });

  test("kcat's %s %S %T are %v %V %d", () => {
    expect(compileFormat("%s%S%T")).toEqual(compileFormat("%v%V%d"));
  });

  test("modifiers, header sub-formats and attributes", () => {
    expect(compileFormat("%k{hex}%v{base64}%d{rfc3339}%d{unix}")).toEqual([
      { kind: "key", encoding: "hex" },
      { kind: "value", encoding: "base64" },
      { kind: "timestamp", style: "rfc3339" },
      { kind: "timestamp", style: "unix" },
    ]);
    expect(compileFormat("%h{%k=%v;}")).toEqual([
      { kind: "headers", inner: [{ kind: "key", encoding: "raw" }, { kind: "literal", bytes: Buffer.from("=") }, { kind: "value", encoding: "raw" }, { kind: "literal", bytes: Buffer.from(";") }] },
    ]);
    expect(formatNeedsBatch(compileFormat("%a{compression}"))).toBe(true);
    expect(formatNeedsBatch(compileFormat("%e"))).toBe(true);
    expect(formatNeedsBatch(compileFormat("%v"))).toBe(false);
  });

  test("%% %{ %} are literal characters, UTF-8 text stays UTF-8", () => {
    expect(compileFormat("%%%{%}é")).toEqual([{ kind: "literal", bytes: Uint8Array.from([...Buffer.from("%{}é")]) }]);
  });

  test("rejects unknown tokens, modifiers and unclosed braces", () => {
    expect(() => compileFormat("%x")).toThrow(FormatError);
    expect(() => compileFormat("abc%")).toThrow('unknown token "%"');
    expect(() => compileFormat("%v{rot13}")).toThrow('unknown modifier "{rot13}"');
    expect(() => compileFormat("%d{go}")).toThrow("unknown modifier");
    expect(() => compileFormat("%a{colour}")).toThrow("%a{name}");
    expect(() => compileFormat("%h{%k=%v")).toThrow("without its closing");
    expect(() => compileFormat("%h{%o}")).toThrow("inside %h{…}");
  });
});
