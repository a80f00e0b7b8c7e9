import { describe, expect, test } from "bun:test";
import { eventually, letRealTimePass, nextTurn, settlesWithin } from "./wait.ts";

describe("eventually", () => {
  test("returns the first value that is not false, null or undefined", async () => {
    let checks = 0;
    expect(await eventually(() => (++checks === 3 ? { checks } : null), "the third check", { pollMs: 1 })).toEqual({ checks: 3 });
    expect(await eventually(() => 0, "a zero")).toBe(0);
  });

  test("fails naming what it waited for, with the detail", async () => {
    await expect(eventually(() => false, "the impossible", { waitMs: 20, pollMs: 5, detail: () => "the log" })).rejects.toThrow("Not within 20 ms: the impossible\nthe log");
  });

  test("an exception from the check fails at once", async () => {
    const failing = eventually(() => {
      throw new Error("Broken check");
    }, "a broken check");
    await expect(failing).rejects.toThrow("Broken check");
  });
});

describe("settlesWithin", () => {
  test("is true for a promise that settles, resolved or rejected, and false for one that does not", async () => {
    expect(await settlesWithin(Promise.resolve(), 1000)).toBe(true);
    expect(await settlesWithin(Promise.reject(new Error("No")), 1000)).toBe(true);
    expect(await settlesWithin(new Promise(() => {}), 10)).toBe(false);
  });
});

describe("nextTurn and letRealTimePass", () => {
  test("nextTurn runs the promise reactions queued before it", async () => {
    let ran = false;
    void Promise.resolve().then(() => (ran = true));
    await nextTurn();
    expect(ran).toBe(true);
  });

  test("letRealTimePass needs a reason", () => {
    expect(() => letRealTimePass(1, "")).toThrow("letRealTimePass needs a reason");
  });
});
