import { afterAll, describe, expect, test } from "bun:test";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { chronikCommand, makeTempDir, run, runOk } from "../e2e/harness.ts";

const commandTimeoutMs = 30_000;

/** Folders the completion scripts are written to, removed after the tests. */
const scriptDirs: string[] = [];
afterAll(async () => {
  for (const dir of scriptDirs) await rm(dir, { recursive: true, force: true });
});

/** What the generated bash completion offers after `words` (the last one being completed). */
async function bashComplete(script: string, words: string[]): Promise<string[]> {
  const dir = await makeTempDir("completion");
  scriptDirs.push(dir);
  const file = join(dir, "chronik.bash");
  await writeFile(file, script);
  const array = words.map((word) => `'${word}'`).join(" ");
  const probe = `source '${file}'; COMP_WORDS=(chronik ${array}); COMP_CWORD=${words.length}; _chronik_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const result = await runOk(["bash", "-c", probe], { timeoutMs: commandTimeoutMs });
  return result.stdout.toString().trim().split("\n").filter((line) => line !== "");
}

describe("chronik completion", () => {
  test("bash completes commands, subcommands and flags at each level", async () => {
    const script = (await runOk([...chronikCommand(), "completion", "bash"], { timeoutMs: commandTimeoutMs })).stdout.toString();
    expect(await bashComplete(script, ["co"])).toEqual(["consume", "completion"]);
    expect(await bashComplete(script, ["topic", "a"])).toEqual(["add-partitions", "alter-config"]);
    expect(await bashComplete(script, ["topic", "create", "orders", "--dr"])).toEqual(["--dry-run"]);
    expect(await bashComplete(script, ["consume", "-t", "events", "--json"])).toEqual(["--json-value"]);
    expect(await bashComplete(script, ["bench", "produce", "--record"])).toEqual(["--records", "--record-size"]);
  }, commandTimeoutMs);

  test("zsh reuses the bash function; fish gets complete lines with descriptions", async () => {
    const zsh = (await runOk([...chronikCommand(), "completion", "zsh"], { timeoutMs: commandTimeoutMs })).stdout.toString();
    expect(zsh).toContain("bashcompinit");
    expect(zsh).toContain("complete -o default -F _chronik_complete chronik");
    const fish = (await runOk([...chronikCommand(), "completion", "fish"], { timeoutMs: commandTimeoutMs })).stdout.toString();
    expect(fish).toContain("complete -c chronik -n '__fish_use_subcommand' -a inspect -d");
    expect(fish).toContain("complete -c chronik -n '__fish_seen_subcommand_from topic; and __fish_seen_subcommand_from create' -l dry-run -s d -d");
  }, commandTimeoutMs);

  test("an unknown shell is one line and a non-zero exit", async () => {
    const result = await run([...chronikCommand(), "completion", "tcsh"], { timeoutMs: commandTimeoutMs });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe('chronik completion: Shell "tcsh" is not one of bash, zsh, fish\n');
  }, commandTimeoutMs);
});
