// Transactional throughput: confluent-kafka (librdkafka) commits T transactions of R records of
// B bytes each, against the same records sent by an idempotent producer that flushes every R
// records (the same round trips without the transaction), in one run against one broker
// (started here: free ports, temporary data folder, default --fsync always).
// Run: npx bun scripts/bench/transactions.ts [--transactions 1000] [--records-per-transaction 100] [--value-bytes 100] [serve flags…]

import { makeTempDir, pythonPath, runOk, startBroker } from "../../tests/e2e/harness.ts";
import { BenchArgs, cleanUp, cleanups, progress } from "./bench-support.ts";
import { rm } from "node:fs/promises";

const args = new BenchArgs(process.argv.slice(2));
const transactions = args.wholeNumber("--transactions", 1000);
const perTransaction = args.wholeNumber("--records-per-transaction", 100);
const valueBytes = args.wholeNumber("--value-bytes", 100);

const program = `
import json, sys, time
from confluent_kafka import Producer
bootstrap, mode, count, per, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
config = {"bootstrap.servers": bootstrap, "broker.address.family": "v4", "linger.ms": 0}
if mode == "transactional":
    config["transactional.id"] = "bench-transactions"
else:
    config["enable.idempotence"] = True
producer = Producer(config)
if mode == "transactional":
    producer.init_transactions(60)
value = b"x" * size
started = time.perf_counter()
for n in range(count):
    if mode == "transactional":
        producer.begin_transaction()
    for _ in range(per):
        producer.produce("bench-" + mode, value=value, partition=0)
    if mode == "transactional":
        producer.commit_transaction(60)
    else:
        producer.flush(60)
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds}))
`;

const folder = await makeTempDir("bench-transactions");
cleanups.push(() => rm(folder, { recursive: true, force: true }));
const broker = await startBroker({ args: args.rest });
cleanups.push(() => broker.cleanup());
try {
  const results: Record<string, number> = {};
  for (const mode of ["idempotent", "transactional", "idempotent", "transactional"]) {
    const { stdout } = await runOk([pythonPath, "-c", program, broker.bootstrap, mode, String(transactions), String(perTransaction), String(valueBytes)], { timeoutMs: 600_000 });
    const { seconds } = JSON.parse(stdout.toString().trim().split("\n").at(-1)!) as { seconds: number };
    const rate = (transactions * perTransaction) / seconds;
    progress(`${mode}: ${transactions} × ${perTransaction} records of ${valueBytes} B in ${seconds.toFixed(2)} s = ${rate.toFixed(0)} records/s, ${(transactions / seconds).toFixed(0)} ${mode === "transactional" ? "transactions" : "flushes"}/s`);
    results[mode] = Math.max(results[mode] ?? 0, rate);
  }
  console.log(`best of two: transactional ${results.transactional.toFixed(0)} records/s (${perTransaction} per transaction), idempotent with a flush every ${perTransaction} ${results.idempotent.toFixed(0)} records/s`);
} finally {
  await cleanUp();
}
