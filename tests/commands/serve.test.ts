// `chronik serve` flags without starting a broker: the action is replaced by one that only
// records the settled options, so these tests check parsing, the environment, the config file
// and the help text.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CommanderError } from "@commander-js/extra-typings";
import { serveCommand } from "../../src/commands/serve.ts";

const repoRoot = resolve(import.meta.dir, "../..");
const exampleConfig = join(repoRoot, "docs/chronik.example.toml");

type ServeOptions = ReturnType<ReturnType<typeof serveCommand>["opts"]>;

/** Parses `args` as `chronik serve` would, with `environment` as its environment. */
async function parseServe(args: string[], environment: Record<string, string> = {}): Promise<{ options?: ServeOptions; error?: string }> {
  const errors: string[] = [];
  const command = serveCommand(environment)
    .exitOverride()
    .configureOutput({ writeErr: (text) => errors.push(text), writeOut: () => {} });
  command.action(() => {});
  try {
    await command.parseAsync(args, { from: "user" });
    return { options: command.opts() };
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    return { error: errors.join("") };
  }
}

/** Folders of the config files written, removed after the tests. */
const configDirs: string[] = [];
afterAll(async () => {
  for (const dir of configDirs) await rm(dir, { recursive: true, force: true });
});

async function configFile(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "chronik-serve-config-"));
  configDirs.push(dir);
  const file = join(dir, "chronik.toml");
  await writeFile(file, text);
  return file;
}

describe("serve boolean flags", () => {
  test("--auto-create-topics is a plain flag and does not swallow the next flag", async () => {
    const { options } = await parseServe(["--auto-create-topics", "--port", "19092"]);
    expect(options?.autoCreateTopics).toBe(true);
    expect(options?.port).toBe(19092);
  });

  test("--no-auto-create-topics and --no-search-all-topics turn them off", async () => {
    expect((await parseServe([])).options?.autoCreateTopics).toBe(true);
    const { options } = await parseServe(["--no-auto-create-topics", "--no-search-all-topics"]);
    expect(options?.autoCreateTopics).toBe(false);
    expect(options?.searchAllTopics).toBe(false);
  });
});

describe("serve --help", () => {
  let help = "";
  serveCommand({})
    .configureOutput({ writeOut: (text) => (help += text) })
    .outputHelp();

  test("defaults are shown in the units the flags accept", () => {
    expect(help).toMatch(/--retention-ms <duration>[^\n]*\(default: 7d\)/);
    expect(help).toMatch(/--segment-bytes <size>[^\n]*\(default: 1GiB\)/);
    expect(help).toMatch(/--request-max-bytes <size>[^\n]*\(default: 100MiB\)/);
    expect(help).toMatch(/--retention-check-interval <duration>[^\n]*\(default: 5m\)/);
    expect(help).toMatch(/--fsync-interval <duration>[^\n]*\(default: 1s\)/);
    expect(help).not.toContain("604800000");
    expect(help).not.toContain("1073741824");
  });

  test("promises only the HTTP endpoints that exist", () => {
    expect(help).not.toContain("admin");
    expect(help).toContain("/health");
  });

  test("names the config file and the environment variables", () => {
    expect(help).toContain("--config <file>");
    expect(help).toContain("CHRONIK_HTTP_PORT");
  });
});

describe("serve settings from the environment and a config file", () => {
  test("CHRONIK_<FLAG> variables set flags, booleans included", async () => {
    const { options } = await parseServe([], { CHRONIK_HTTP_PORT: "16092", CHRONIK_RETENTION_MS: "2h", CHRONIK_AUTO_CREATE_TOPICS: "false", CHRONIK_SEARCH_ALL_TOPICS: "true" });
    expect(options?.httpPort).toBe(16092);
    expect(options?.retentionMs).toBe(2 * 3_600_000);
    expect(options?.autoCreateTopics).toBe(false);
    expect(options?.searchAllTopics).toBe(true);
  });

  test("a bad environment value is one line naming the variable", async () => {
    const { error } = await parseServe([], { CHRONIK_PORT: "90000" });
    expect(error).toBe('error: CHRONIK_PORT: "90000" is not a port number (0-65535)\n');
  });

  test("the config file's keys are the long flag names", async () => {
    const file = await configFile('port = 19093\nsearch-all-topics = true\nretention-ms = "3d"\nsegment-bytes = "64MiB"\nauto-create-topics = false\n');
    const { options } = await parseServe(["--config", file]);
    expect(options?.port).toBe(19093);
    expect(options?.searchAllTopics).toBe(true);
    expect(options?.retentionMs).toBe(3 * 86_400_000);
    expect(options?.segmentBytes).toBe(64 * 1024 * 1024);
    expect(options?.autoCreateTopics).toBe(false);
  });

  test("command line beats environment beats config file beats default", async () => {
    const file = await configFile("port = 1001\nhttp-port = 1002\nnode-id = 3\n");
    const environment = { CHRONIK_PORT: "2001", CHRONIK_HTTP_PORT: "2002" };
    const { options } = await parseServe(["--config", file, "--port", "3001"], environment);
    expect(options?.port).toBe(3001);
    expect(options?.httpPort).toBe(2002);
    expect(options?.nodeId).toBe(3);
    expect(options?.defaultPartitions).toBe(1);
    const negated = await parseServe(["--config", await configFile("auto-create-topics = true\n"), "--no-auto-create-topics"]);
    expect(negated.options?.autoCreateTopics).toBe(false);
  });

  test("CHRONIK_CONFIG names the config file", async () => {
    const file = await configFile("port = 19094\n");
    expect((await parseServe([], { CHRONIK_CONFIG: file })).options?.port).toBe(19094);
  });

  test("an unknown key is one line naming the key and the file", async () => {
    const file = await configFile("port = 1\nprot = 2\n");
    const { error } = await parseServe(["--config", file]);
    expect(error).toStartWith(`error: Config file "${file}": unknown key "prot"`);
    expect(error?.trimEnd().split("\n")).toHaveLength(1);
  });

  test("bad values, tables and missing files are one line each", async () => {
    const badPort = await configFile('port = "many"\n');
    expect((await parseServe(["--config", badPort])).error).toBe(`error: Config file "${badPort}": port: "many" is not a port number (0-65535)\n`);
    const badFlag = await configFile('search-all-topics = "maybe"\n');
    expect((await parseServe(["--config", badFlag])).error).toBe(`error: Config file "${badFlag}": search-all-topics: "maybe" is not true or false\n`);
    const table = await configFile("[broker]\nport = 1\n");
    expect((await parseServe(["--config", table])).error).toStartWith(`error: Config file "${table}": unknown table "[broker]"`);
    expect((await parseServe(["--config", "/nonexistent/chronik.toml"])).error).toBe('error: Config file "/nonexistent/chronik.toml" does not exist\n');
  });

  test("a dotted key is a table, as TOML says; a syntax error names the line", async () => {
    const dotted = await configFile("port = 1\nretention.ms = 5\n");
    expect((await parseServe(["--config", dotted])).error).toStartWith(`error: Config file "${dotted}": unknown table "[retention]"`);
    const broken = await configFile("port = 1\nport 2\n");
    expect((await parseServe(["--config", broken])).error).toBe(`error: Config file "${broken}": Line 2: Expected '=' after a key but found '2'\n`);
    const array = await configFile("port = [1]\n");
    expect((await parseServe(["--config", array])).error).toBe(`error: Config file "${array}": "port" is an array, not a string, number or boolean\n`);
  });

  test("docs/chronik.example.toml loads and sets what it says", async () => {
    const { options, error } = await parseServe(["--config", exampleConfig]);
    expect(error).toBeUndefined();
    expect(options?.data).toBe("/var/lib/chronik");
    expect(options?.port).toBe(9092);
    expect(options?.httpPort).toBe(6092);
    expect(options?.retentionMs).toBe(7 * 86_400_000);
    expect(options?.searchAllTopics).toBe(true);
  });
});
