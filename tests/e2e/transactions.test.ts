// Transactions against chronik, judged by real clients: kafkajs commits and aborts transactions
// (one with sendOffsets), and read_committed and read_uncommitted consumers of kafkajs,
// confluent-kafka and @platformatic/kafka must see exactly the committed records, or all of them.
// confluent-kafka: a second producer with the same transactional.id fences the first; a
// consume-transform-produce application SIGKILLed inside a transaction and started again
// delivers every input record exactly once; and a broker SIGKILLed with a transaction open
// aborts it once the transaction's timeout passes after the restart.

import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import {
  Connection,
  Consumer as PlatformaticConsumer,
  describeProducersV0,
  describeTransactionsV0,
  FetchIsolationLevels,
  listTransactionsV1,
  MessagesStreamModes,
  stringDeserializers,
} from "@platformatic/kafka";
import { Kafka, logLevel } from "kafkajs";
import { type Broker, chronikCommand, eventually, kcat, pythonPath, run, runOk, startBroker } from "./harness.ts";

const testTimeoutMs = 120_000;
const script = join(import.meta.dir, "python", "confluent_kafka_transactions.py");

let broker: Broker | undefined;

afterEach(async () => {
  await broker?.cleanup();
  broker = undefined;
}, 30_000);

async function start(): Promise<Broker> {
  broker = await startBroker({ args: ["--group-initial-rebalance-delay-ms", "0"] });
  return broker;
}

async function createTopics(target: Broker, partitions: number, ...topics: string[]): Promise<void> {
  await runOk([...chronikCommand(), "topic", "create", ...topics, "-p", String(partitions), "-b", target.bootstrap], { timeoutMs: 30_000 });
}

function kafkaOf(target: Broker): Kafka {
  return new Kafka({ brokers: [target.bootstrap], clientId: "e2e-transactions", logLevel: logLevel.NOTHING });
}

async function python(args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await runOk([pythonPath, script, ...args], { timeoutMs: 90_000 });
  return JSON.parse(stdout.toString().trim().split("\n").at(-1)!) as Record<string, unknown>;
}

/** The values of a partition 0, read by kcat (librdkafka) with the given isolation level. */
async function kcatValues(target: Broker, topic: string, isolation: "read_committed" | "read_uncommitted", partition = 0): Promise<string[]> {
  const { stdout } = await runOk(kcat(target, ["-C", "-t", topic, "-p", String(partition), "-o", "beginning", "-e", "-q", "-X", `isolation.level=${isolation}`, "-f", "%s\\n"]), { timeoutMs: 60_000 });
  return stdout.toString().split("\n").filter((line) => line !== "");
}

/** Reads with a kafkajs group consumer until `last` arrives; returns every value seen, in order. */
async function kafkajsValues(target: Broker, topic: string, readUncommitted: boolean, last: string): Promise<string[]> {
  const consumer = kafkaOf(target).consumer({ groupId: `kjs-${readUncommitted ? "uncommitted" : "committed"}`, readUncommitted, sessionTimeout: 6000, heartbeatInterval: 500 });
  const seen: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    await eventually(async () => seen.includes(last), `kafkajs reads "${last}"`);
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

/** Reads with a @platformatic/kafka consumer until `last` arrives. */
async function platformaticValues(target: Broker, topic: string, isolationLevel: number, last: string): Promise<string[]> {
  const consumer = new PlatformaticConsumer({
    clientId: "e2e-plt-transactions",
    bootstrapBrokers: [target.bootstrap],
    groupId: `plt-${isolationLevel}`,
    deserializers: stringDeserializers,
    isolationLevel,
    sessionTimeout: 6000,
    heartbeatInterval: 500,
  });
  const seen: string[] = [];
  try {
    const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: false, maxWaitTime: 200 });
    for await (const message of stream) {
      seen.push(message.value);
      if (message.value === last) break;
    }
    await stream.close();
  } finally {
    await consumer.close();
  }
  return seen;
}

async function committedOffset(target: Broker, group: string): Promise<number | null> {
  const { stdout } = await runOk([...chronikCommand(), "group", "describe", group, "--format", "json", "-b", target.bootstrap], { timeoutMs: 30_000 });
  const described = JSON.parse(stdout.toString()) as { partitions: Array<{ committedOffset: number | null }> };
  return described.partitions[0]?.committedOffset ?? null;
}

describe("transactions", () => {
  test("kafkajs commits and aborts; read_committed and read_uncommitted consumers of kafkajs, confluent-kafka and @platformatic/kafka see the right records; sendOffsets counts with the commit", async () => {
    const target = await start();
    await createTopics(target, 1, "txn-matrix", "txn-source");
    const producer = kafkaOf(target).producer({ transactionalId: "kjs-matrix", idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const committedFirst = await producer.transaction();
    await committedFirst.send({ topic: "txn-matrix", messages: [{ value: "c1" }, { value: "c2" }] });
    await committedFirst.commit();
    const aborted = await producer.transaction();
    await aborted.send({ topic: "txn-matrix", messages: [{ value: "a1" }, { value: "a2" }] });
    await aborted.sendOffsets({ consumerGroupId: "kjs-offsets", topics: [{ topic: "txn-source", partitions: [{ partition: 0, offset: "99" }] }] });
    await aborted.abort();
    const committedLast = await producer.transaction();
    await committedLast.send({ topic: "txn-matrix", messages: [{ value: "c3" }] });
    await committedLast.sendOffsets({ consumerGroupId: "kjs-offsets", topics: [{ topic: "txn-source", partitions: [{ partition: 0, offset: "5" }] }] });
    await committedLast.commit();
    await producer.disconnect();

    const committed = ["c1", "c2", "c3"];
    const everything = ["c1", "c2", "a1", "a2", "c3"];
    expect(await python(["consume", target.bootstrap, "txn-matrix", "read_committed"])).toEqual({ values: committed });
    expect(await python(["consume", target.bootstrap, "txn-matrix", "read_uncommitted"])).toEqual({ values: everything });
    expect(await kafkajsValues(target, "txn-matrix", false, "c3")).toEqual(committed);
    expect(await kafkajsValues(target, "txn-matrix", true, "c3")).toEqual(everything);
    expect(await platformaticValues(target, "txn-matrix", FetchIsolationLevels.READ_COMMITTED, "c3")).toEqual(committed);
    expect(await platformaticValues(target, "txn-matrix", FetchIsolationLevels.READ_UNCOMMITTED, "c3")).toEqual(everything);
    expect(await committedOffset(target, "kjs-offsets")).toBe(5);
  }, testTimeoutMs);

  test("interleaved transactions, one aborted: chronik consume reads what kcat reads at both isolation levels, read_committed by default", async () => {
    const target = await start();
    await createTopics(target, 1, "txn-interleaved");
    const kafka = kafkaOf(target);
    const [aborting, committing] = ["kjs-aborting", "kjs-committing"].map((transactionalId) => kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 }));
    await Promise.all([aborting.connect(), committing.connect()]);
    const [toAbort, toCommit] = await Promise.all([aborting.transaction(), committing.transaction()]);
    for (let n = 0; n < 3; n++) {
      await toAbort.send({ topic: "txn-interleaved", messages: [{ value: `aborted-${n}` }] });
      await toCommit.send({ topic: "txn-interleaved", messages: [{ value: `committed-${n}` }] });
    }
    await toAbort.abort();
    await toCommit.commit();
    await Promise.all([aborting.disconnect(), committing.disconnect()]);
    await runOk(kcat(target, ["-P", "-t", "txn-interleaved"]), { stdin: "plain\n", timeoutMs: 30_000 });

    const chronik = async (extra: string[]) => {
      const { stdout } = await runOk([...chronikCommand(), "consume", "txn-interleaved", "-e", "-q", "-b", target.bootstrap, ...extra], { timeoutMs: 60_000 });
      return stdout.toString().split("\n").filter((line) => line !== "");
    };
    const committed = await kcatValues(target, "txn-interleaved", "read_committed");
    expect(committed).toEqual(["committed-0", "committed-1", "committed-2", "plain"]);
    expect(await chronik([])).toEqual(committed);
    expect(await chronik(["-X", "isolation.level=read_committed"])).toEqual(committed);
    const everything = await kcatValues(target, "txn-interleaved", "read_uncommitted");
    expect(everything.length).toBe(7);
    expect(await chronik(["--isolation", "read_uncommitted"])).toEqual(everything);
  }, testTimeoutMs);

  test("chronik txn and @platformatic/kafka's ListTransactions, DescribeTransactions and DescribeProducers show an open and a committed transaction", async () => {
    const target = await start();
    await createTopics(target, 2, "txn-admin");
    const kafka = kafkaOf(target);
    const [done, open] = ["kjs-done", "kjs-open"].map((transactionalId) => kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 }));
    await Promise.all([done.connect(), open.connect()]);
    const committed = await done.transaction();
    await committed.send({ topic: "txn-admin", messages: [{ value: "x", partition: 0 }] });
    await committed.commit();
    const ongoing = await open.transaction();
    await ongoing.send({ topic: "txn-admin", messages: [{ value: "y", partition: 1 }] });
    try {
      const chronik = async (args: string[]) => {
        const { stdout } = await runOk([...chronikCommand(), "txn", ...args, "--format", "json", "-b", target.bootstrap], { timeoutMs: 30_000 });
        return stdout.toString().trim().split("\n").map((line) => JSON.parse(line) as unknown);
      };
      const [listed] = (await chronik(["list"])) as Array<Array<{ transactionalId: string; state: string }>>;
      expect(listed.map(({ transactionalId, state }) => [transactionalId, state])).toEqual([["kjs-done", "CompleteCommit"], ["kjs-open", "Ongoing"]]);
      const [ongoingOnly] = (await chronik(["list", "--state", "Ongoing"])) as Array<Array<{ transactionalId: string }>>;
      expect(ongoingOnly.map((entry) => entry.transactionalId)).toEqual(["kjs-open"]);
      const described = (await chronik(["describe", "kjs-open"])) as Array<{ state: string; partitions: unknown; producerEpoch: number }>;
      expect(described[0]).toMatchObject({ state: "Ongoing", producerEpoch: 0, partitions: [{ topic: "txn-admin", partitions: [1] }] });
      const missing = await run([...chronikCommand(), "txn", "describe", "missing", "-b", target.bootstrap], { timeoutMs: 30_000 });
      expect(missing.exitCode).toBe(1);
      expect(missing.stderr).toContain("TRANSACTIONAL_ID_NOT_FOUND");
      const [producers] = (await chronik(["producers", "txn-admin"])) as Array<Array<{ partition: number; currentTransactionStartOffset: number; lastSequence: number }>>;
      expect(producers.map(({ partition, currentTransactionStartOffset, lastSequence }) => [partition, currentTransactionStartOffset, lastSequence])).toEqual([[0, -1, 0], [1, 0, 0]]);

      // Another client's encoders and decoders agree.
      const connection = new Connection("e2e-plt-admin");
      await connection.connect(target.host, target.port);
      try {
        const list = await listTransactionsV1.api.async(connection, [], [], -1n, undefined);
        expect(list.transactionStates.map((entry: { transactionalId: string; transactionState: string }) => [entry.transactionalId, entry.transactionState]).sort())
          .toEqual([["kjs-done", "CompleteCommit"], ["kjs-open", "Ongoing"]]);
        const describe = await describeTransactionsV0.api.async(connection, ["kjs-open"]);
        expect(describe.transactionStates.map((entry: { errorCode: number; transactionState: string }) => [entry.errorCode, entry.transactionState])).toEqual([[0, "Ongoing"]]);
        const producersOf = await describeProducersV0.api.async(connection, [{ name: "txn-admin", partitionIndexes: [1] }]);
        expect(producersOf.topics[0].partitions[0].activeProducers[0].currentTxnStartOffset).toBe(0n);
      } finally {
        await connection.close();
      }
    } finally {
      await ongoing.abort();
      await Promise.all([done.disconnect(), open.disconnect()]);
    }
  }, testTimeoutMs);

  test("search indexes committed records only: an open transaction's records once it commits, an aborted one's never", async () => {
    const target = await start();
    const kafka = kafkaOf(target);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "txn-search", numPartitions: 1, configEntries: [{ name: "search.enabled", value: "true" }] }] });
    await admin.disconnect();
    const hits = async (term: string) => {
      const response = await fetch(`http://${target.host}:${target.httpPort}/txn-search/_search?q=${term}&size=0`);
      return ((await response.json()) as { hits: { total: { value: number } } }).hits.total.value;
    };
    const producer = kafka.producer({ transactionalId: "kjs-search", idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const committed = await producer.transaction();
    await committed.send({ topic: "txn-search", messages: [{ value: "alpha" }] });
    await committed.commit();
    const aborted = await producer.transaction();
    await aborted.send({ topic: "txn-search", messages: [{ value: "beta" }] });
    await aborted.abort();
    const open = await producer.transaction();
    await open.send({ topic: "txn-search", messages: [{ value: "gamma" }] });
    await runOk(kcat(target, ["-P", "-t", "txn-search"]), { stdin: "delta\n", timeoutMs: 30_000 });
    await eventually(async () => (await hits("alpha")) === 1, "the committed record is searchable", { pollMs: 50 });
    // Behind the open transaction, nothing more is indexed: not its record, nor the plain one after it.
    expect([await hits("beta"), await hits("gamma"), await hits("delta")]).toEqual([0, 0, 0]);
    await open.commit();
    await eventually(async () => (await hits("gamma")) === 1 && (await hits("delta")) === 1, "the records after the commit are searchable", { pollMs: 50 });
    expect(await hits("beta")).toBe(0);
    await producer.disconnect();
  }, testTimeoutMs);

  test("confluent-kafka: a second producer with the same transactional.id fences the first, whose transaction is aborted", async () => {
    const target = await start();
    await createTopics(target, 1, "txn-fence");
    expect(await python(["fence", target.bootstrap, "txn-fence"])).toEqual({ firstCommitted: false, error: "_FENCED", fatal: true });
    expect(await kcatValues(target, "txn-fence", "read_committed")).toEqual(["from-second"]);
    expect(await kcatValues(target, "txn-fence", "read_uncommitted")).toEqual(["from-first", "from-second"]);
  }, testTimeoutMs);

  test("confluent-kafka consume-transform-produce SIGKILLed inside a transaction and restarted: every input exactly once in the committed output", async () => {
    const target = await start();
    await createTopics(target, 2, "ctp-in", "ctp-out");
    const inputs = Array.from({ length: 4000 }, (_, n) => `in-${n}`);
    for (const partition of [0, 1]) {
      const share = inputs.filter((_, n) => n % 2 === partition);
      await runOk(kcat(target, ["-P", "-t", "ctp-in", "-p", String(partition)]), { stdin: share.join("\n") + "\n", timeoutMs: 60_000 });
    }
    const args = ["ctp", target.bootstrap, "ctp-in", "ctp-out", "ctp-app", "ctp-group"];

    // The first run holds its third transaction open, its records written, until it is killed.
    const first = Bun.spawn([pythonPath, script, ...args, "3"], { stdout: "pipe", stderr: "ignore" });
    const reader = first.stdout.getReader();
    let output = "";
    while (!output.includes("holding")) {
      const chunk = await reader.read();
      if (chunk.done) throw new Error(`The application ended before holding its transaction: ${output}`);
      output += new TextDecoder().decode(chunk.value);
    }
    first.kill("SIGKILL");
    await first.exited;

    const second = await python(args);
    expect(second.transactions).toBeGreaterThan(0);
    const committed = [...(await kcatValues(target, "ctp-out", "read_committed", 0)), ...(await kcatValues(target, "ctp-out", "read_committed", 1))];
    expect(committed.length).toBe(inputs.length);
    expect(new Set(committed).size).toBe(inputs.length);
    expect([...committed].sort()).toEqual(inputs.map((value) => `out-${value}`).sort());
    // The killed transaction's records are in the log, aborted: read_uncommitted sees them too.
    const everything = [...(await kcatValues(target, "ctp-out", "read_uncommitted", 0)), ...(await kcatValues(target, "ctp-out", "read_uncommitted", 1))];
    expect(everything.length).toBeGreaterThan(inputs.length);
  }, testTimeoutMs);

  test("a broker SIGKILLed with a transaction open aborts it after the restart once its timeout passes; read_committed then moves on", async () => {
    const target = await start();
    await createTopics(target, 1, "txn-crash");
    const producer = kafkaOf(target).producer({ transactionalId: "kjs-crash", idempotent: true, maxInFlightRequests: 1, transactionTimeout: 3000 });
    await producer.connect();
    const open = await producer.transaction();
    await open.send({ topic: "txn-crash", messages: [{ value: "left-open" }] });
    await target.kill9();
    await target.start();
    await producer.disconnect().catch(() => {});
    // A plain record after the open transaction: read_committed reaches it only once the transaction is aborted.
    await runOk(kcat(target, ["-P", "-t", "txn-crash"]), { stdin: "after\n", timeoutMs: 30_000 });
    expect(await kcatValues(target, "txn-crash", "read_committed")).toEqual([]);
    await eventually(async () => (await kcatValues(target, "txn-crash", "read_committed")).includes("after"), "the timed-out transaction is aborted", { waitMs: 40_000, pollMs: 500 });
    expect(await kcatValues(target, "txn-crash", "read_committed")).toEqual(["after"]);
    expect(await kcatValues(target, "txn-crash", "read_uncommitted")).toEqual(["left-open", "after"]);
  }, testTimeoutMs);
});
