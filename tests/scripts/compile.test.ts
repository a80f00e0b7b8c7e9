// scripts/compile.ts as a user runs it: --help prints usage, a bad flag is one line, and each
// target gets its own default output file so a cross build never overwrites the host's.

import { describe, expect, test } from "bun:test";
import { join, resolve } from "node:path";
import { compileOptions } from "../../scripts/compile.ts";

const repoRoot = resolve(import.meta.dir, "../..");
const bun = join(repoRoot, "node_modules/.bin/bun");
const script = join(repoRoot, "scripts/compile.ts");

async function compileScript(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const child = Bun.spawn([bun, script, ...args], { cwd: repoRoot, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text()]);
  return { exitCode: await child.exited, stdout, stderr };
}

describe("scripts/compile.ts", () => {
  test("--help prints usage and exits 0 without building", async () => {
    const result = await compileScript(["--help"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toStartWith("Usage: bun scripts/compile.ts");
    expect(result.stdout).toContain("--target");
    expect(result.stdout).toContain("--outfile");
    expect(result.stderr).toBe("");
  });

  test("an unknown flag is one line and exit code 2", async () => {
    const result = await compileScript(["--tagret", "bun-linux-arm64"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe("Cannot compile chronik: unknown option \"--tagret\" (run with --help for usage)\n");
  });

  test("the default output file names the target", () => {
    expect(compileOptions([])).toEqual({ target: undefined, outfile: join(repoRoot, "dist/chronik") });
    expect(compileOptions(["--target", "bun-linux-arm64"])).toEqual({ target: "bun-linux-arm64", outfile: join(repoRoot, "dist/chronik-linux-arm64") });
    expect(compileOptions(["--target=bun-linux-x64-musl", "--outfile", "out/c"])).toEqual({ target: "bun-linux-x64-musl", outfile: join(repoRoot, "out/c") });
    expect(compileOptions(["-h"])).toBe("help");
  });
});
