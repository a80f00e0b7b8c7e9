// End-to-end CLI throughput: `chronik produce` of N records of a fixed size from a file on
// stdin, then `chronik consume -e` of them to a file, against a broker started here (free
// ports, temporary data folder). Each process's wall time includes its start-up.
// Run: npx bun scripts/bench/cli-produce-consume.ts [records=1000000] [valueBytes=100] [-- extra produce flags]

import { createWriteStream } from "node:fs";
import { readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { chronikCommand, makeTempDir, runOk, startBroker } from "../../tests/e2e/harness.ts";

const separator = process.argv.indexOf("--");
const positional = process.argv.slice(2, separator === -1 ? undefined : separator);
const produceFlags = separator === -1 ? [] : process.argv.slice(separator + 1);
const recordCount = Number(positional[0] ?? 1_000_000);
const valueBytes = Number(positional[1] ?? 100);
const commandTimeoutMs = 600_000;

async function writeInput(path: string): Promise<void> {
  const out = createWriteStream(path);
  const filler = "x".repeat(valueBytes);
  const linesPerWrite = 10_000;
  for (let start = 0; start < recordCount; start += linesPerWrite) {
    let text = "";
    for (let i = start; i < Math.min(recordCount, start + linesPerWrite); i++) {
      const number = String(i);
      text += number + filler.slice(number.length) + "\n";
    }
    if (!out.write(text)) await new Promise((resolve) => out.once("drain", resolve));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

function report(what: string, seconds: number, bytes: number): void {
  const rate = (recordCount / seconds).toFixed(0);
  const megabytes = (bytes / 1e6 / seconds).toFixed(1);
  console.log(`${what}: ${recordCount} records of ${valueBytes} bytes in ${seconds.toFixed(2)} s = ${rate} records/s, ${megabytes} MB/s`);
}

const folder = await makeTempDir("bench-cli");
const input = join(folder, "input.txt");
const output = join(folder, "output.txt");
await writeInput(input);
const broker = await startBroker();
try {
  const payloadBytes = recordCount * valueBytes;
  const inputText = await readFile(input);
  let started = performance.now();
  await runOk([...chronikCommand(), "produce", "-b", broker.bootstrap, "-t", "bench", ...produceFlags], {
    stdin: inputText,
    timeoutMs: commandTimeoutMs,
  });
  report(`chronik produce ${produceFlags.join(" ")}`.trim(), (performance.now() - started) / 1000, payloadBytes);

  started = performance.now();
  const consumed = await runOk([...chronikCommand(), "consume", "-b", broker.bootstrap, "-t", "bench", "-e"], { timeoutMs: commandTimeoutMs });
  report("chronik consume -e", (performance.now() - started) / 1000, payloadBytes);
  console.log(`captured ${consumed.stdout.length} bytes`);
  await Bun.write(output, consumed.stdout);
  const same = Buffer.compare(consumed.stdout, inputText) === 0;
  console.log(`output ${(await stat(output)).size} bytes, input ${inputText.length} bytes, identical: ${same}`);
  if (!same) process.exitCode = 1;
} finally {
  await broker.cleanup();
  await rm(folder, { recursive: true, force: true });
}
