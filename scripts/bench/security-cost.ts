// What TLS and SASL cost: one broker (started here, with test certificates and a SCRAM user)
// listens on PLAINTEXT, SSL and SASL_SSL; kcat produces N records of a fixed size through each, in
// turns, each round to a topic of its own, then consumes them back. Reports records/s per round
// and the medians, and checks that every topic ends at exactly N records. The SASL listener turns
// the authorizer on: ACLs written before the start let every principal use every topic and group,
// so each request pays for its ACL checks as it would in production.
// Run: npx bun scripts/bench/security-cost.ts [--records 1000000] [--value-bytes 100] [--rounds 3] [serve flags…]

import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { makeCertificates } from "../../tests/e2e/certificates.ts";
import { chronikCommand, loopbackHost, makeTempDir, runOk, startBroker } from "../../tests/e2e/harness.ts";
import { Operation, PatternType, Permission, ResourceType } from "../../src/security/acl.ts";
import { aclsFileName } from "../../src/security/acl-store.ts";
import { BenchArgs, cleanUp, cleanups, fixedSizeLines, percentile, progress } from "./bench-support.ts";

const args = new BenchArgs(process.argv.slice(2));
const recordCount = args.wholeNumber("--records", 1_000_000);
const valueBytes = args.wholeNumber("--value-bytes", 100);
const rounds = args.wholeNumber("--rounds", 3);
const commandTimeoutMs = 600_000;
const password = "bench-password";

const folder = await makeTempDir("bench-security");
cleanups.push(() => rm(folder, { recursive: true, force: true }));
const certificates = await makeCertificates();
cleanups.push(() => rm(certificates.dir, { recursive: true, force: true }));
const input = join(folder, "input.txt");
await writeFile(input, fixedSizeLines(recordCount, valueBytes));
const dataDir = join(folder, "data");
await runOk([...chronikCommand(), "user", "set", "bench", "--password", password, "--data", dataDir], { timeoutMs: 60_000 });
// Every user (User:*) may do everything to every topic and group: wildcard ACLs, looked up per request.
const everyone = (resourceType: number) => ({ resourceType, resourceName: "*", patternType: PatternType.LITERAL, principal: "User:*", host: "*", operation: Operation.ALL, permission: Permission.ALLOW });
await writeFile(join(dataDir, aclsFileName), JSON.stringify({ version: 1, acls: [everyone(ResourceType.TOPIC), everyone(ResourceType.GROUP)] }));
const broker = await startBroker({ dataDir, listeners: ["SSL", "SASL_SSL"], args: ["--tls-cert", certificates.serverCert, "--tls-key", certificates.serverKey, ...args.rest] });
cleanups.push(() => broker.cleanup());

const modes: Record<string, { port: number; settings: string[] }> = {
  PLAINTEXT: { port: broker.port, settings: [] },
  SSL: { port: broker.listenerPorts.SSL, settings: ["-X", "security.protocol=ssl", "-X", `ssl.ca.location=${certificates.caCert}`] },
  "SASL_SSL (SCRAM-SHA-512)": {
    port: broker.listenerPorts.SASL_SSL,
    settings: ["-X", "security.protocol=sasl_ssl", "-X", `ssl.ca.location=${certificates.caCert}`, "-X", "sasl.mechanisms=SCRAM-SHA-512", "-X", "sasl.username=bench", "-X", `sasl.password=${password}`],
  },
};

try {
  const produced: Record<string, number[]> = Object.fromEntries(Object.keys(modes).map((mode) => [mode, []]));
  const consumed: Record<string, number[]> = Object.fromEntries(Object.keys(modes).map((mode) => [mode, []]));
  for (let round = 0; round < rounds; round++) {
    const order = Object.keys(modes);
    for (const mode of round % 2 === 0 ? order : order.toReversed()) {
      const { port, settings } = modes[mode];
      const kcat = `kcat -b ${loopbackHost}:${port} -X broker.address.family=v4 ${settings.join(" ")}`;
      const topic = `bench-${mode.split(" ")[0].toLowerCase()}-${round}`;
      let started = performance.now();
      await runOk(["sh", "-c", `${kcat} -P -t ${topic} -p 0 -X linger.ms=5 -X queue.buffering.max.messages=1000000 < ${input}`], { timeoutMs: commandTimeoutMs });
      const produceSeconds = (performance.now() - started) / 1000;
      started = performance.now();
      const { stdout } = await runOk(["sh", "-c", `${kcat} -C -t ${topic} -p 0 -o beginning -e -q | wc -l`], { timeoutMs: commandTimeoutMs });
      const consumeSeconds = (performance.now() - started) / 1000;
      if (Number(stdout.toString().trim()) !== recordCount) throw new Error(`${mode}: read ${stdout.toString().trim()} records back, expected ${recordCount}`);
      produced[mode].push(recordCount / produceSeconds);
      consumed[mode].push(recordCount / consumeSeconds);
      progress(`round ${round + 1} ${mode}: produce ${(recordCount / produceSeconds).toFixed(0)} records/s, consume ${(recordCount / consumeSeconds).toFixed(0)} records/s`);
    }
  }
  const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 50);
  const base = { produce: median(produced.PLAINTEXT), consume: median(consumed.PLAINTEXT) };
  const lines = Object.keys(modes).map(
    (mode) =>
      `${mode}: produce ${median(produced[mode]).toFixed(0)} records/s (${((median(produced[mode]) / base.produce) * 100).toFixed(1)} %), consume ${median(consumed[mode]).toFixed(0)} records/s (${((median(consumed[mode]) / base.consume) * 100).toFixed(1)} %)`,
  );
  console.log(`kcat ${recordCount} × ${valueBytes} B, ${rounds} rounds each, medians:\n  ${lines.join("\n  ")}`);
} finally {
  await cleanUp();
}
