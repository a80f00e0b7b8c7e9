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

const { values } = parseArgs({
  options: {
    target: { type: "string" },
    outfile: { type: "string", default: "dist/chronik" },
  },
  strict: true,
});

const outfile = resolve(repoRoot, values.outfile);
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
  ...(values.target === undefined ? [] : [`--target=${values.target}`]),
  resolve(repoRoot, "main.ts"),
  // Workers are separate entry points inside the executable (see src/search/search-worker-client.ts,
  // src/search/query-pool.ts and src/storage/worker-cleaner.ts).
  resolve(repoRoot, "src/search/search-worker.ts"),
  resolve(repoRoot, "src/search/query-worker.ts"),
  resolve(repoRoot, "src/storage/cleaner-worker.ts"),
  "--outfile",
  outfile,
];

const build = Bun.spawn(command, { cwd: repoRoot, stdout: "inherit", stderr: "inherit" });
const exitCode = await build.exited;
if (exitCode !== 0) {
  console.error(`Cannot compile chronik: "${command.join(" ")}" exited with code ${exitCode}`);
  process.exit(exitCode || 1);
}

// Bun also writes the map beside the executable; the embedded copy is the one that is used.
await rm(`${outfile}.map`, { force: true });
const { size } = await stat(outfile);
console.log(`${outfile} (${values.target ?? "host"}): ${(size / 1024 / 1024).toFixed(1)} MiB`);
