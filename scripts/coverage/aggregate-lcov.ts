// Aggregate a bun lcov.info per top-level src folder.
// Usage: bun scripts/coverage/aggregate-lcov.ts <lcov.info> <checkout-root> (by-folder.sh calls it)
// Prints a markdown table (lines hit/found, functions hit/found, one-decimal %),
// then src files bun never loaded (absent from lcov) and loaded files with 0 lines hit.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const [lcovPath, root] = process.argv.slice(2);
if (!lcovPath || !root) { console.error("usage: bun aggregate-lcov.ts <lcov.info> <worktree-root>"); process.exit(2); }

const FOLDERS = ["engine", "storage", "search", "client", "commands", "http", "metrics", "protocol", "records", "security", "console"];

type FileCov = { lines: Map<number, number>; fnf: number; fnh: number; lf: number; lh: number };
const files = new Map<string, FileCov>();
let cur: FileCov | null = null;
for (const raw of readFileSync(lcovPath, "utf8").split("\n")) {
  const line = raw.trim();
  if (line.startsWith("SF:")) {
    let p = line.slice(3);
    if (p.startsWith("/")) p = relative(root, p);
    cur = files.get(p) ?? { lines: new Map(), fnf: 0, fnh: 0, lf: 0, lh: 0 };
    files.set(p, cur);
  } else if (!cur) continue;
  else if (line.startsWith("DA:")) {
    const [ln, hits] = line.slice(3).split(",").map(Number);
    cur.lines.set(ln!, (cur.lines.get(ln!) ?? 0) + (hits ?? 0));
  } else if (line.startsWith("FNF:")) cur.fnf = Math.max(cur.fnf, Number(line.slice(4)));
  else if (line.startsWith("FNH:")) cur.fnh = Math.max(cur.fnh, Number(line.slice(4)));
  else if (line === "end_of_record") cur = null;
}

type Agg = { lh: number; lf: number; fh: number; ff: number; files: number };
const zero = (): Agg => ({ lh: 0, lf: 0, fh: 0, ff: 0, files: 0 });
const byFolder = new Map<string, Agg>();
const total = zero();
const zeroHit: string[] = [];
const folderOf = (p: string) => {
  const m = /^src\/([^/]+)\//.exec(p);
  return m && FOLDERS.includes(m[1]!) ? `src/${m[1]}` : "src (other)";
};
for (const [p, c] of files) {
  if (!p.startsWith("src/")) continue; // tests/helpers, e2e harness, node_modules
  const lf = c.lines.size;
  const lh = [...c.lines.values()].filter((h) => h > 0).length;
  const a = byFolder.get(folderOf(p)) ?? zero();
  for (const t of [a, total]) { t.lf += lf; t.lh += lh; t.ff += c.fnf; t.fh += c.fnh; t.files++; }
  byFolder.set(folderOf(p), a);
  if (lh === 0) zeroHit.push(p);
}

// Source files that never appear in lcov: bun only reports files a test imported.
const walk = (d: string): string[] => readdirSync(d).flatMap((n) => {
  const f = join(d, n);
  return statSync(f).isDirectory() ? walk(f) : [f];
});
const srcFiles = walk(join(root, "src")).map((f) => relative(root, f)).filter((f) => /\.(ts|tsx)$/.test(f) && !f.endsWith(".d.ts"));
const notLoaded = srcFiles.filter((f) => !files.has(f)).sort();
const srcCount = new Map<string, number>();
for (const f of srcFiles) srcCount.set(folderOf(f), (srcCount.get(folderOf(f)) ?? 0) + 1);

const pct = (h: number, f: number) => (f === 0 ? "–" : `${((100 * h) / f).toFixed(1)}%`);
const row = (name: string, a: Agg, n: number) =>
  `| ${name} | ${a.files}/${n} | ${a.lh}/${a.lf} | ${pct(a.lh, a.lf)} | ${a.fh}/${a.ff} | ${pct(a.fh, a.ff)} |`;
console.log("| folder | files in report / .ts files | lines hit/found | lines % | functions hit/found | functions % |");
console.log("|---|---:|---:|---:|---:|---:|");
const names = [...FOLDERS.map((f) => `src/${f}`), "src (other)"];
for (const n of names) {
  if (n === "src (other)" && !byFolder.has(n) && !srcCount.has(n)) continue;
  console.log(row(n, byFolder.get(n) ?? zero(), srcCount.get(n) ?? 0));
}
console.log(row("**total**", total, srcFiles.length));
console.log();
console.log(`src files never loaded by the unit tests (not in lcov, so not counted above): ${notLoaded.length}`);
for (const f of notLoaded) console.log(`  - ${f}`);
console.log(`src files loaded but with 0 lines hit: ${zeroHit.length}`);
for (const f of zeroHit.sort()) console.log(`  - ${f}`);
