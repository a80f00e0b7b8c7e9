import { describe, expect, test } from "bun:test";
import { OffsetSpecError, parseOffsetSpec, parseTimestamp } from "../../src/commands/offset-spec.ts";

const now = Date.parse("2024-05-01T12:00:00Z");
const parse = (text: string) => parseOffsetSpec(text, now);

describe("parseOffsetSpec", () => {
  test("rpk's and kcat's names for the start and the end", () => {
    for (const name of ["start", "oldest", "beginning"]) expect(parse(name)).toEqual({ start: "beginning", stopAt: null });
    for (const name of ["end", "newest"]) expect(parse(name)).toEqual({ start: "end", stopAt: null });
  });

  test("exact, relative and ranged offsets", () => {
    expect(parse("17")).toEqual({ start: { offset: 17 }, stopAt: null });
    expect(parse("17:")).toEqual({ start: { offset: 17 }, stopAt: null });
    expect(parse("+3")).toEqual({ start: { fromStart: 3 }, stopAt: null });
    expect(parse("-3")).toEqual({ start: { fromEnd: 3 }, stopAt: null });
    expect(parse(":end")).toEqual({ start: "beginning", stopAt: "end" });
    expect(parse(":9")).toEqual({ start: "beginning", stopAt: { offset: 9 } });
    expect(parse("4:9")).toEqual({ start: { offset: 4 }, stopAt: { offset: 9 } });
    expect(parse("-5:end")).toEqual({ start: { fromEnd: 5 }, stopAt: "end" });
  });

  test("times: ms, seconds, dates, RFC 3339 and durations", () => {
    expect(parse("@1714564800000")).toEqual({ start: { timestamp: 1714564800000 }, stopAt: null });
    expect(parse("@1714564800")).toEqual({ start: { timestamp: 1714564800000 }, stopAt: null });
    expect(parse("@2024-05-01")).toEqual({ start: { timestamp: Date.parse("2024-05-01T00:00:00Z") }, stopAt: null });
    expect(parse("@2024-05-01T10:30:00Z")).toEqual({ start: { timestamp: Date.parse("2024-05-01T10:30:00Z") }, stopAt: null });
    expect(parse("@2024-05-01T10:30:00+02:00").start).toEqual({ timestamp: Date.parse("2024-05-01T08:30:00Z") });
    expect(parse("@-1h")).toEqual({ start: { timestamp: now - 3_600_000 }, stopAt: null });
    expect(parse("@-90s").start).toEqual({ timestamp: now - 90_000 });
  });

  test("time ranges, RFC 3339 colons included, and +duration after the start", () => {
    expect(parse("@2024-05-01:2024-05-02")).toEqual({
      start: { timestamp: Date.parse("2024-05-01T00:00:00Z") },
      stopAt: { timestamp: Date.parse("2024-05-02T00:00:00Z") },
    });
    expect(parse("@2024-05-01T10:00:00Z:2024-05-01T11:00:00Z")).toEqual({
      start: { timestamp: Date.parse("2024-05-01T10:00:00Z") },
      stopAt: { timestamp: Date.parse("2024-05-01T11:00:00Z") },
    });
    expect(parse("@:-30m")).toEqual({ start: "beginning", stopAt: { timestamp: now - 1_800_000 } });
    expect(parse("@-2h:+30m")).toEqual({ start: { timestamp: now - 7_200_000 }, stopAt: { timestamp: now - 5_400_000 } });
    expect(parse("@-1h:")).toEqual({ start: { timestamp: now - 3_600_000 }, stopAt: null });
  });

  test("kcat's s@ and e@", () => {
    expect(parse("s@1714564800000")).toEqual({ start: { timestamp: 1714564800000 }, stopAt: null });
    expect(parse("e@1714564800000")).toEqual({ start: "beginning", stopAt: { timestamp: 1714564800000 } });
  });

  test("anything else is refused with the accepted forms", () => {
    for (const bad of ["", "soon", "1:2:3", "@", "@yesterday", "s@x", "+x", "3:start", "@+1h"]) {
      expect(() => parse(bad)).toThrow(OffsetSpecError);
    }
    expect(() => parse("soon")).toThrow('"soon" is not an offset: use start, end');
  });

  test("parseTimestamp returns null for what is not a time", () => {
    expect(parseTimestamp("abc", now)).toBeNull();
    expect(parseTimestamp("+1h", now)).toBeNull();
    expect(parseTimestamp("+1h", now, 1000)).toBe(3_601_000);
  });

  test("an empty range is an error, not a consume that prints nothing", () => {
    expect(() => parse("5:2")).toThrow(OffsetSpecError);
    expect(() => parse("5:2")).toThrow('"5:2" is an empty range: the end offset "2" is not after the start offset "5"');
    expect(() => parse("5:5")).toThrow("empty range");
    expect(() => parse("@2024-05-01T10:00:00Z:2024-05-01T09:00:00Z")).toThrow("empty range");
    expect(() => parse("@2024-05-01T10:00:00Z:2024-05-01T10:00:00Z")).toThrow("empty range");
    expect(parse("5:6")).toEqual({ start: { offset: 5 }, stopAt: { offset: 6 } });
    expect(parse(":0").stopAt).toEqual({ offset: 0 });
  });
});
