// Builds chronik as one self-contained executable with `bun build --compile`.
//
//   npx bun scripts/compile.ts [--target bun-linux-x64|bun-linux-arm64|bun-darwin-arm64|...] [--outfile dist/chronik]
//
// Without --target the executable is for the host. A cross target makes Bun fetch that
// platform's runtime from the npm registry once.

import { rm, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";

const repoRoot = resolve(import.meta.dir, "..");

export const usage = `Usage: bun scripts/compile.ts [--target <target>] [--outfile <file>]

Builds chronik as one executable that needs no Node.js, Bun or node_modules beside it.

Options:
  --target <target>  a Bun target such as bun-linux-x64, bun-linux-arm64, bun-darwin-arm64,
                     bun-linux-x64-musl or bun-windows-x64 (default: this machine)
  --outfile <file>   where to write the executable (default: dist/chronik for this machine,
                     dist/chronik-<target without "bun-"> for a --target, e.g.
                     dist/chronik-linux-arm64), relative to the repository
  -h, --help         print this help
`;

export interface CompileOptions {
  target: string | undefined;
  /** Absolute path of the executable to write. */
  outfile: string;
}

/** A flag the script does not know, or a flag without its value. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The build settings from the command line, or "help" when usage was asked for. */
export function compileOptions(args: string[]): CompileOptions | "help" {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        target: { type: "string" },
        outfile: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(describeParseError(error as Error));
  }
  if (values.help) return "help";
  // Each target gets its own default file, so a cross build never overwrites this machine's.
  const defaultOutfile = values.target === undefined ? "dist/chronik" : `dist/chronik-${values.target.replace(/^bun-/, "")}`;
  return { target: values.target, outfile: resolve(repoRoot, values.outfile ?? defaultOutfile) };
}

/** node:util's parse errors as one sentence-case line with the flag in quotes. */
function describeParseError(error: Error): string {
  const unknown = /^Unknown option '([^']+)'/.exec(error.message);
  if (unknown) return `unknown option "${unknown[1]}"`;
  const missing = /^Option '(?:-\w, )?([^' ]+)[^']*' argument missing/.exec(error.message);
  if (missing) return `option "${missing[1]}" needs a value`;
  const positional = /^Unexpected argument '([^']+)'/.exec(error.message);
  if (positional) return `unexpected argument "${positional[1]}"`;
  return error.message.split("\n")[0]!;
}

async function compile(options: CompileOptions): Promise<void> {
  const command = [
    process.execPath,
    "build",
    "--compile",
    "--minify",
    // Stack traces point at the TypeScript sources: the map is embedded in the executable.
    "--sourcemap",
    // The broker must behave the same wherever it is started: no .env or bunfig.toml from the
    // working directory may change it.
    "--no-compile-autoload-dotenv",
    "--no-compile-autoload-bunfig",
    ...(options.target === undefined ? [] : [`--target=${options.target}`]),
    resolve(repoRoot, "main.ts"),
    // Workers are separate entry points inside the executable (see src/search/search-worker-client.ts,
    // src/search/query-pool.ts and src/storage/worker-cleaner.ts).
    resolve(repoRoot, "src/search/search-worker.ts"),
    resolve(repoRoot, "src/search/query-worker.ts"),
    resolve(repoRoot, "src/search/merge-worker.ts"),
    resolve(repoRoot, "src/search/backlog-worker.ts"),
    resolve(repoRoot, "src/storage/cleaner-worker.ts"),
    "--outfile",
    options.outfile,
  ];

  const build = Bun.spawn(command, { cwd: repoRoot, stdout: "inherit", stderr: "inherit" });
  const exitCode = await build.exited;
  if (exitCode !== 0) {
    console.error(`Cannot compile chronik: "${command.join(" ")}" exited with code ${exitCode}`);
    process.exit(exitCode || 1);
  }

  // Bun also writes the map beside the executable; the embedded copy is the one that is used.
  await rm(`${options.outfile}.map`, { force: true });
  const { size } = await stat(options.outfile);
  console.log(`${options.outfile} (${options.target ?? "host"}): ${(size / 1024 / 1024).toFixed(1)} MiB`);
}

if (import.meta.main) {
  let options: CompileOptions | "help";
  try {
    options = compileOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`Cannot compile chronik: ${error.message} (run with --help for usage)`);
    process.exit(2);
  }
  if (options === "help") process.stdout.write(usage);
  else await compile(options);
}
