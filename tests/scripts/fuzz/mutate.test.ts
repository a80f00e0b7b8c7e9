import { describe, expect, test } from "bun:test";
import { Prng, interestingInt32s, mutantBytesMax, mutate, mutators, stackedMutationsMax } from "../../../scripts/fuzz/mutate.ts";

const frame = Uint8Array.from({ length: 120 }, (_, index) => index);
const other = Uint8Array.from({ length: 60 }, (_, index) => 200 - index);

describe("Prng", () => {
  test("the same seed gives the same sequence, another seed another", () => {
    const run = (seed: number) => Array.from({ length: 5 }, ((prng) => () => prng.next())(new Prng(seed)));
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
  });

  test("below stays in range", () => {
    const prng = new Prng(1);
    for (let i = 0; i < 1000; i++) expect(prng.below(7)).toBeLessThan(7);
  });
});

describe("mutate", () => {
  test("is reproducible: the same PRNG seed gives the same mutant and steps", () => {
    const one = mutate({ bytes: frame, bodyStart: 14, other }, new Prng(9));
    const two = mutate({ bytes: frame, bodyStart: 14, other }, new Prng(9));
    expect(one).toEqual(two);
    expect(one.steps.length).toBeGreaterThanOrEqual(1);
    expect(one.steps.length).toBeLessThanOrEqual(stackedMutationsMax);
  });

  test("never changes its input and never grows past the mutant bound", () => {
    const before = frame.slice();
    for (let seed = 0; seed < 2000; seed++) {
      const mutant = mutate({ bytes: frame, bodyStart: 14, other }, new Prng(seed));
      expect(mutant.bytes.length).toBeLessThanOrEqual(mutantBytesMax);
    }
    expect(frame).toEqual(before);
  });

  test("every mutator is used, and most mutants differ from the seed", () => {
    const used = new Set<string>();
    let changed = 0;
    for (let seed = 0; seed < 2000; seed++) {
      const mutant = mutate({ bytes: frame, bodyStart: 14, other }, new Prng(seed));
      for (const step of mutant.steps) used.add(step.replace(/\(.*$/, ""));
      if (mutant.bytes.length !== frame.length || mutant.bytes.some((byte, index) => byte !== frame[index])) changed++;
    }
    const names = mutators.map(([name]) => name).filter((name) => name !== "varintOverflow");
    for (const name of names) expect([...used].some((step) => step === name)).toBe(true);
    expect(used.has("varintInsert") || used.has("varintOverwrite")).toBe(true);
    expect(changed).toBeGreaterThan(1900);
  });

  test("int32 windows hold the boundary values: null, huge, just past the array length bound", () => {
    const [, int32] = mutators.find(([name]) => name === "int32")!;
    const seen = new Set<number>();
    for (let seed = 0; seed < 500; seed++) {
      const { bytes, step } = int32({ bytes: frame, bodyStart: 14, other }, new Prng(seed));
      const [, at, value] = /int32\((\d+)=(-?\d+)\)/.exec(step)!.map(Number);
      expect(new DataView(bytes.buffer).getInt32(at)).toBe(value);
      seen.add(value);
    }
    expect([...seen].sort()).toEqual([...interestingInt32s].sort());
  });

  test("empty and one-byte frames mutate without throwing", () => {
    for (let seed = 0; seed < 500; seed++) {
      mutate({ bytes: new Uint8Array(0), bodyStart: 0, other: new Uint8Array(0) }, new Prng(seed));
      mutate({ bytes: Uint8Array.of(7), bodyStart: 1, other }, new Prng(seed));
    }
  });
});
