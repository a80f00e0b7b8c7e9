import { describe, expect, test } from "bun:test";
import { isTomlTable, parseToml, TomlError, tomlSetting, tomlSettingsByPath } from "../../src/commands/toml.ts";

describe("parseToml", () => {
  test("tables and dotted keys nest as TOML says; quoted keys stay whole", () => {
    const document = parseToml(
      ['# chronik', 'brokers = "a:9092,b:9092" # trailing', "", "[client]", "linger.ms = 20", '"client.id" = \'etl#1\'', "flag = true", "ratio = 0.5", 'esc = "a\\tb\\u0041"'].join("\n"),
    );
    expect(document).toEqual({ brokers: "a:9092,b:9092", client: { linger: { ms: 20 }, "client.id": "etl#1", flag: true, ratio: 0.5, esc: "a\tbA" } });
  });

  test("what TOML accepts beyond the old subset parses: arrays, inline tables, multi-line strings", () => {
    expect(parseToml('a = [1, 2]\nb = { c = 1 }\nd = """\nx"""')).toEqual({ a: [1, 2], b: { c: 1 }, d: "x" });
  });

  test("a syntax error is a TomlError naming the line", () => {
    expect(() => parseToml("\njust words")).toThrow("Line 2: Expected '=' after a key but found 'w'");
    expect(() => parseToml("a = 1\na = 2")).toThrow("Line 2: Cannot redefine key 'a'");
    expect(() => parseToml("[t]\nx = 1\n[t]")).toThrow("Line 3: Cannot redefine table 't'");
    expect(() => parseToml('a = "\\q"')).toThrow(TomlError);
  });
});

describe("settings", () => {
  test("tomlSetting takes a string, number or boolean and names the key of anything else", () => {
    expect(tomlSetting("port", 9092)).toBe(9092);
    expect(() => tomlSetting("brokers", [1])).toThrow('"brokers" is an array, not a string, number or boolean');
    expect(() => tomlSetting("when", parseToml("when = 1979-05-27T07:32:00Z").when)).toThrow('"when" is a date');
  });

  test("tomlSettingsByPath names nested settings by their dotted paths", () => {
    const client = parseToml('[client]\nlinger.ms = 20\n"client.id" = "a"\n[client.batch]\nsize = 4096').client;
    expect(isTomlTable(client)).toBe(true);
    expect(tomlSettingsByPath(client as Record<string, unknown>)).toEqual(new Map<string, string | number>([["linger.ms", 20], ["client.id", "a"], ["batch.size", 4096]]));
    expect(() => tomlSettingsByPath(parseToml('"linger.ms" = 1\nlinger.ms = 2'))).toThrow('"linger.ms" is given twice');
  });
});
