import { expect, test } from "bun:test";
import path from "node:path";

const script = path.join(import.meta.dir, "../../../scripts/bench/search-scale.ts");

test("a bad flag value is one line and the usage, exit code 2, no stack trace", async () => {
  const child = Bun.spawn([process.execPath, script, "--records", "lots"], { stdout: "pipe", stderr: "pipe" });
  const [stderr, exitCode] = await Promise.all([new Response(child.stderr).text(), child.exited]);
  expect(exitCode).toBe(2);
  expect(stderr.split("\n")[0]).toBe('--records must be a whole number of at least 1, not "lots"');
  expect(stderr).toStartWith('--records must be a whole number of at least 1, not "lots"\nUsage: search-scale.ts');
  expect(stderr).not.toContain("    at ");
});
