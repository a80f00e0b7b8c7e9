import { describe, expect, test } from "bun:test";
import { parseToml, TomlError } from "../../src/commands/toml.ts";

describe("parseToml", () => {
  test("top-level keys, tables, quoted and dotted keys, comments, value types", () => {
    const document = parseToml(
      ['# chronik', 'brokers = "a:9092,b:9092" # trailing', "", "[client]", 'linger.ms = 20', '"client.id" = \'etl#1\'', "flag = true", "ratio = 0.5", 'esc = "a\\tb\\u0041"'].join("\n"),
    );
    expect(document.get("")).toEqual(new Map([["brokers", "a:9092,b:9092"]]));
    expect(document.get("client")).toEqual(new Map<string, string | number | boolean>([["linger.ms", 20], ["client.id", "etl#1"], ["flag", true], ["ratio", 0.5], ["esc", "a\tbA"]]));
  });

  test("what is outside the subset is an error with a line number", () => {
    expect(() => parseToml("a = [1, 2]")).toThrow("Line 1");
    expect(() => parseToml("\njust words")).toThrow('Line 2: expected "key = value"');
    expect(() => parseToml("a = 1\na = 2")).toThrow('key "a" is defined twice');
    expect(() => parseToml("[t]\n[t]")).toThrow(TomlError);
    expect(() => parseToml('a = "\\q"')).toThrow("unknown escape");
  });
});
