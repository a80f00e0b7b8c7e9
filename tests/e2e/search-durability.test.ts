// Search survives what the log survives: SIGKILL while indexing, then restart — every
// acknowledged record is found exactly once; a deleted or corrupt .search file is rebuilt from
// the log; and indexing more than --search-memory-mb keeps loaded indexes within the budget.

import { afterEach, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { Admin, Cluster, Producer } from "../../src/client/index.ts";
import { type Broker, eventually, startBroker } from "./harness.ts";

const encoder = new TextEncoder();

let broker: Broker | undefined;
let cluster: Cluster | undefined;

afterEach(async () => {
  cluster?.close();
  await broker?.cleanup();
  broker = undefined;
  cluster = undefined;
}, 30_000);

function searchUrl(target: Broker, pathAndQuery: string): string {
  return `http://${target.host}:${target.httpPort}${pathAndQuery}`;
}

async function searchJson(target: Broker, pathAndQuery: string, body?: unknown): Promise<any> {
  const response = await fetch(searchUrl(target, pathAndQuery), body === undefined ? {} : { method: "POST", body: JSON.stringify(body) });
  return await response.json();
}


/** Produces `count` records (acks=all) to `topic` and resolves when all are acknowledged. */
async function produce(target: Cluster, topic: string, count: number, valueOf: (i: number) => string): Promise<void> {
  const producer = new Producer(target, { lingerMs: 5, batchBytes: 4096 });
  const sends: Promise<unknown>[] = [];
  for (let i = 0; i < count; i++) sends.push(producer.send({ topic, partition: i % 2, value: encoder.encode(valueOf(i)) }));
  await Promise.all(sends);
}

function searchFiles(target: Broker, topic: string, partition: number): string[] {
  const dir = path.join(target.dataDir, "topics", topic, String(partition));
  return fs.readdirSync(dir).filter((name) => name.endsWith(".search")).sort();
}

describe("search durability", () => {
  test("SIGKILL during indexing, restart: every acknowledged record searchable exactly once; deleted and corrupt .search rebuilt", async () => {
    const target = (broker = await startBroker({ args: ["--search-all-topics", "--segment-bytes", "8192"] }));
    cluster = new Cluster({ brokers: target.bootstrap });
    await new Admin(cluster).createTopics([{ name: "crash", partitions: 2 }]);
    const count = 4000;
    await produce(cluster, "crash", count, (i) => JSON.stringify({ n: i, text: `record number ${i} of the crash test` }));
    await target.kill9();
    cluster.close();

    await target.start();
    cluster = new Cluster({ brokers: target.bootstrap });
    await eventually(async () => (await searchJson(target, "/crash/_search?size=0")).hits?.total.value === count, `${count} records searchable after restart`);
    const all = await searchJson(target, "/crash/_search", { size: count, _source: false });
    const ids = new Set(all.hits.hits.map((hit: any) => hit._id));
    expect(all.hits.total.value).toBe(count);
    expect(ids.size).toBe(count);

    await eventually(async () => searchFiles(target, "crash", 0).length >= 3, "sealed segments have .search files");
    const files = searchFiles(target, "crash", 0);
    expect(await target.stop()).toBe(0);
    const dir = path.join(target.dataDir, "topics", "crash", "0");
    fs.rmSync(path.join(dir, files[0]));
    const corrupt = path.join(dir, files[1]);
    const bytes = fs.readFileSync(corrupt);
    bytes[bytes.length - 20] ^= 0xff;
    fs.writeFileSync(corrupt, bytes);

    await target.start();
    await eventually(async () => searchFiles(target, "crash", 0).includes(files[0]), `"${files[0]}" rebuilt`);
    const again = await searchJson(target, "/crash/_search", { size: count, _source: false, query: { range: { n: { gte: 0 } } } });
    expect(again.hits.total.value).toBe(count);
    expect(new Set(again.hits.hits.map((hit: any) => hit._id)).size).toBe(count);
    expect(fs.readFileSync(corrupt).equals(bytes)).toBe(false);
    expect(target.log).toContain("Rebuilding a corrupt search index from the log");
  }, 120_000);

  test("indexing more than --search-memory-mb keeps loaded indexes within the budget", async () => {
    const budgetMb = 8;
    const target = (broker = await startBroker({ args: ["--search-all-topics", "--segment-bytes", "65536", "--search-memory-mb", String(budgetMb)] }));
    cluster = new Cluster({ brokers: target.bootstrap });
    await new Admin(cluster).createTopics([{ name: "big", partitions: 2 }]);
    const count = 20_000;
    const filler = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua";
    await produce(cluster, "big", count, (i) => `${i} word${i % 1000} ${filler} ${i * 7}`);
    await eventually(async () => (await searchJson(target, "/big/_search?size=0")).hits?.total.value === count, `${count} records searchable`);
    // A query over every segment loads each sealed index in turn.
    const hits = await searchJson(target, "/big/_search", { query: { match: { _value: "word7" } }, size: 0 });
    expect(hits.hits.total.value).toBe(count / 1000);
    const stats = await searchJson(target, "/_stats/search");
    const budgetBytes = budgetMb * 1024 * 1024;
    expect(stats.budgetBytes).toBe(budgetBytes);
    expect(stats.evictions).toBeGreaterThan(0);
    // Loaded indexes stay within the budget plus the one index the running query needs.
    // A 64 KiB segment holds about 450 of these records; its index is estimated at about 6 KB per
    // record (Orama's structures, measured in docs/search.md), so well under 4 MiB.
    const oneSegmentIndexBytesMax = 4 * 1024 * 1024;
    expect(stats.residentBytes + stats.activeBytes).toBeLessThanOrEqual(budgetBytes + oneSegmentIndexBytesMax);
    process.stderr.write(`search memory: ${JSON.stringify(stats)}\n`);
  }, 120_000);
});
