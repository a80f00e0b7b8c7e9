import { describe, expect, test } from "bun:test";
import { BenchArgs, percentile, UsageError } from "../../../scripts/bench/bench-support.ts";

describe("BenchArgs", () => {
  test("takes the flags it reads out of the rest, which goes to serve", () => {
    const args = new BenchArgs(["--records", "1_000", "--json", "--search-memory-mb", "256", "--rate", "2,000"]);
    expect(args.wholeNumber("--records", 5)).toBe(1000);
    expect(args.wholeNumber("--rate", 5)).toBe(2000);
    expect(args.wholeNumber("--seconds", 600)).toBe(600);
    expect(args.switch("--json")).toBe(true);
    expect(args.switch("--skip-restart")).toBe(false);
    expect(args.rest).toEqual(["--search-memory-mb", "256"]);
  });

  test("a value that is not a whole number of at least 1 is a usage error naming it", () => {
    for (const bad of ["x", "0", "1.5", "-3"]) {
      expect(() => new BenchArgs(["--records", bad]).wholeNumber("--records", 1)).toThrow(UsageError);
      expect(() => new BenchArgs(["--records", bad]).wholeNumber("--records", 1)).toThrow(`--records must be a whole number of at least 1, not "${bad}"`);
    }
  });
});

describe("percentile", () => {
  test("is the nearest rank, NaN when empty", () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(51);
    expect(percentile(sorted, 99)).toBe(100);
    expect(percentile([], 50)).toBeNaN();
  });
});
