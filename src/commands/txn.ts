// `chronik txn`: transactions as the coordinator sees them (kafka-transactions.sh): list the
// transactional ids with their state, describe one (producer id and epoch, timeout, the
// partitions of its open transaction), and the producers a topic's partitions know.

import { Command } from "@commander-js/extra-typings";
import { TransactionAdmin } from "../client/transaction-admin.ts";
import { adminSubcommand, type AdminOptions, renderTable, withCluster } from "./admin-command.ts";
import { parsePartitionList } from "./consume.ts";

function write(text: string): void {
  process.stdout.write(text);
}

const time = (ms: number) => (ms < 0 ? "-" : new Date(ms).toISOString());

async function runList(options: AdminOptions & { state: string[] }): Promise<void> {
  await withCluster("txn list", options, async (cluster) => {
    const listings = await new TransactionAdmin(cluster).list(options.state);
    if (options.format === "json") write(JSON.stringify(listings) + "\n");
    else write(renderTable(["TRANSACTIONAL-ID", "PRODUCER-ID", "STATE"], listings.map((entry) => [entry.transactionalId, String(entry.producerId), entry.state])));
  });
}

async function runDescribe(transactionalIds: string[], options: AdminOptions): Promise<void> {
  await withCluster("txn describe", options, async (cluster) => {
    const admin = new TransactionAdmin(cluster);
    const descriptions = [];
    for (const transactionalId of transactionalIds) descriptions.push(await admin.describe(transactionalId));
    if (options.format === "json") {
      write(descriptions.map((description) => JSON.stringify(description) + "\n").join(""));
      return;
    }
    const rows = descriptions.map((entry) => [
      entry.transactionalId,
      String(entry.producerId),
      String(entry.producerEpoch),
      entry.state,
      String(entry.timeoutMs),
      time(entry.startTimeMs),
      entry.partitions.flatMap(({ topic, partitions }) => partitions.map((partition) => `${topic}-${partition}`)).join(",") || "-",
    ]);
    write(renderTable(["TRANSACTIONAL-ID", "PRODUCER-ID", "EPOCH", "STATE", "TIMEOUT-MS", "START", "PARTITIONS"], rows));
  });
}

async function runProducers(topic: string, options: AdminOptions & { partitions?: number[] }): Promise<void> {
  await withCluster("txn producers", options, async (cluster) => {
    const producers = await new TransactionAdmin(cluster).producers(topic, options.partitions);
    if (options.format === "json") {
      write(JSON.stringify(producers) + "\n");
      return;
    }
    const rows = producers.map((entry) => [
      String(entry.partition),
      String(entry.producerId),
      String(entry.producerEpoch),
      String(entry.lastSequence),
      time(entry.lastTimestamp),
      entry.currentTransactionStartOffset < 0 ? "-" : String(entry.currentTransactionStartOffset),
    ]);
    write(renderTable(["PARTITION", "PRODUCER-ID", "EPOCH", "LAST-SEQUENCE", "LAST-TIMESTAMP", "OPEN-TXN-START-OFFSET"], rows));
  });
}

export function txnCommand() {
  const list = adminSubcommand("list")
    .description("List transactional ids with their producer id and state")
    .option("--state <state>", "only this state (Empty, Ongoing, PrepareCommit, PrepareAbort, CompleteCommit, CompleteAbort), repeatable", (value: string, previous: string[]) => [...previous, value], [] as string[])
    .action(runList);
  const describe = adminSubcommand("describe")
    .description("Show transactional ids: producer id and epoch, state, timeout, and the partitions of the open transaction")
    .argument("<transactional-ids...>", "transactional ids")
    .action(runDescribe);
  const producers = adminSubcommand("producers")
    .description("Show the idempotent and transactional producers a topic's partitions know (kafka-transactions.sh describe-producers)")
    .argument("<topic>", "topic")
    .option("-p, --partitions <list>", "only these partitions, e.g. 0,2", parsePartitionList)
    .action(runProducers);
  return new Command("txn").description("Transactions: list, describe, and the producers of a topic").addCommand(list).addCommand(describe).addCommand(producers);
}
