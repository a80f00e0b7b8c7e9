import { describe, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { assetsModulePath, buildConsoleAssets } from "../../scripts/build-console.ts";

describe("scripts/build-console.ts", () => {
  test("the committed console assets are what src/console builds to (run it after changing the console)", async () => {
    const committed = await readFile(assetsModulePath, "utf8");
    expect(committed === (await buildConsoleAssets())).toBe(true);
  });
});
