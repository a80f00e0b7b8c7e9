import { describe, expect, test } from "bun:test";
import { formatByteSize, formatDuration, parseByteSize, parseDurationMs, parsePositiveDurationMs } from "../../src/commands/options.ts";

describe("human units for help defaults", () => {
  test("durations use the largest whole unit and parse back", () => {
    const cases: [number, string][] = [[604_800_000, "7d"], [300_000, "5m"], [1000, "1s"], [3_600_000, "1h"], [1500, "1500ms"], [0, "0"], [-1, "-1"]];
    for (const [ms, text] of cases) {
      expect(formatDuration(ms)).toBe(text);
      if (ms >= 0) expect(parseDurationMs(text)).toBe(ms);
    }
  });

  test("sizes use the largest whole binary unit and parse back", () => {
    const cases: [number, string][] = [[1024 ** 3, "1GiB"], [100 * 1024 ** 2, "100MiB"], [512 * 1024, "512KiB"], [1_048_588, "1048588"], [-1, "-1"]];
    for (const [bytes, text] of cases) {
      expect(formatByteSize(bytes)).toBe(text);
      if (bytes >= 0) expect(parseByteSize(text)).toBe(bytes);
    }
  });
});

describe("parsePositiveDurationMs", () => {
  test("accepts what parseDurationMs accepts above zero and refuses zero, which would make an interval spin", () => {
    expect(parsePositiveDurationMs("15s")).toBe(15_000);
    expect(() => parsePositiveDurationMs("0")).toThrow('"0" must be above zero');
    expect(() => parsePositiveDurationMs("0s")).toThrow('"0s" must be above zero');
  });
});
