// Records what real clients send and receive (tests/protocol/captured/): for each client, starts a
// broker with one SASL_PLAINTEXT listener whose advertised address is a recording proxy
// (scripts/record-requests.ts), then drives the client through what it normally does — admin,
// produce with compression, idempotent and transactional produce, group consumption, ACLs — as
// the user "admin" with SASL PLAIN (a super user, so the authorizer is on and ACL admin works).
//
//   bun scripts/record-clients.ts [--out tests/protocol/captured] [kcat confluent kafka-python kafkajs platformatic]
//
// Old captures of a client (files starting with its prefix) are deleted before it is recorded.

import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { startRecorder } from "./record-requests.ts";

const repoRoot = resolve(import.meta.dir, "..");
const bun = join(repoRoot, "node_modules/.bin/bun");
const python = "/usr/bin/python3";
const clientDir = join(import.meta.dir, "record-clients");
const user = "admin";
const password = "admin-secret";
const brokerStartWaitMs = 20_000;
const clientRunWaitMs = 180_000;

/** How each client's workload runs, given the proxy's bootstrap address. */
const clients: Record<string, (bootstrap: string) => string[][]> = {
  kcat: kcatCommands,
  confluent: (bootstrap) => [[python, join(clientDir, "confluent_kafka_client.py"), bootstrap, user, password]],
  "kafka-python": (bootstrap) => [[python, join(clientDir, "kafka_python_client.py"), bootstrap, user, password]],
  kafkajs: (bootstrap) => [[bun, join(clientDir, "kafkajs-client.ts"), bootstrap, user, password]],
  platformatic: (bootstrap) => [[bun, join(clientDir, "platformatic-client.ts"), bootstrap, user, password]],
};

function kcatCommands(bootstrap: string): string[][] {
  const kcat = (...args: string[]) => [
    "kcat", "-b", bootstrap, "-X", "broker.address.family=v4", "-m", "15",
    "-X", "security.protocol=sasl_plaintext", "-X", "sasl.mechanisms=PLAIN",
    "-X", `sasl.username=${user}`, "-X", `sasl.password=${password}`, ...args,
  ];
  return [
    kcat("-L", "-J"),
    ...["none", "gzip", "snappy", "lz4", "zstd"].map((codec) => kcat("-P", "-t", "kcat-topic", "-z", codec, "-K", ":", "-H", "trace=abc", "-l", join(clientDir, "records.txt"))),
    kcat("-P", "-t", "kcat-idempotent", "-X", "enable.idempotence=true", "-l", join(clientDir, "records.txt")),
    kcat("-C", "-t", "kcat-topic", "-o", "beginning", "-e", "-f", "%k %s\\n"),
    kcat("-C", "-t", "kcat-topic", "-o", "s@0", "-c", "2"),
    kcat("-Q", "-t", "kcat-topic:0:0"),
    kcat("-G", "kcat-group", "-X", "auto.offset.reset=earliest", "-X", "enable.partition.eof=true", "-e", "kcat-topic"),
  ];
}

async function freePort(): Promise<number> {
  return await new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") return reject(new Error("No address after listen"));
      server.close(() => resolvePort(address.port));
    });
  });
}

async function runOk(command: string[], timeoutMs: number): Promise<void> {
  const child = Bun.spawn(command, { cwd: repoRoot, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const [stdout, stderr] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text()]);
  await child.exited;
  clearTimeout(timer);
  if (child.exitCode !== 0) {
    throw new Error(`Command "${command.join(" ")}" failed (code ${child.exitCode}, signal ${child.signalCode}):\n${stdout.slice(-2000)}\n${stderr.slice(-4000)}`);
  }
}

async function waitHealthy(httpPort: number, broker: Bun.Subprocess): Promise<void> {
  const deadline = Date.now() + brokerStartWaitMs;
  while (Date.now() < deadline) {
    if (broker.exitCode !== null) throw new Error(`Broker exited with code ${broker.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${httpPort}/health`, { signal: AbortSignal.timeout(1000) })).status === 200) return;
    } catch {
      // Not listening yet.
    }
    await Bun.sleep(100);
  }
  throw new Error(`Broker not healthy within ${brokerStartWaitMs} ms`);
}

async function record(client: string, outDir: string): Promise<void> {
  for (const file of readdirSync(outDir)) if (file.startsWith(`${client}-`)) rmSync(join(outDir, file));
  const dataDir = mkdtempSync(join(tmpdir(), `chronik-record-${client}-`));
  const [brokerPort, httpPort, proxyPort] = [await freePort(), await freePort(), await freePort()];
  await runOk([bun, join(repoRoot, "main.ts"), "user", "set", user, "--password", password, "--mechanism", "SCRAM-SHA-256", "--data", dataDir], 30_000);
  const broker = Bun.spawn(
    [
      bun, join(repoRoot, "main.ts"), "serve", "--data", dataDir,
      "--listeners", `SASL_PLAINTEXT://127.0.0.1:${brokerPort}`,
      "--advertised-listeners", `SASL_PLAINTEXT://127.0.0.1:${proxyPort}`,
      "--http-port", String(httpPort), "--super-users", `User:${user}`,
      "--group-initial-rebalance-delay-ms", "0", "--fsync", "never", "--log-level", "warn",
    ],
    { cwd: repoRoot, stdin: "ignore", stdout: "inherit", stderr: "inherit" },
  );
  const recorder = await startRecorder({ listenPort: proxyPort, brokerHost: "127.0.0.1", brokerPort, outDir, prefix: client });
  try {
    await waitHealthy(httpPort, broker);
    for (const command of clients[client]!(`127.0.0.1:${proxyPort}`)) await runOk(command, clientRunWaitMs);
  } finally {
    await recorder.close();
    broker.kill("SIGTERM");
    await broker.exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
  const apis = recorder.store.exchanges.map((exchange) => `${exchange.api} v${exchange.version}`);
  console.log(`${client}: ${apis.length} exchanges: ${[...new Set(apis)].sort().join(", ")}`);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { out: { type: "string", default: join(repoRoot, "tests/protocol/captured") } } });
  const chosen = positionals.length > 0 ? positionals : Object.keys(clients);
  for (const client of chosen) {
    if (!(client in clients)) throw new Error(`Unknown client "${client}": expected one of ${Object.keys(clients).join(", ")}`);
    await record(client, values.out);
  }
}

if (import.meta.main) await main();
