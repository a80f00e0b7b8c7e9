// Search survives what the log survives: SIGKILL while indexing, then restart — every
// acknowledged record is found exactly once; a deleted or corrupt .search file is rebuilt from
// the log; and an index far larger than --search-memory-mb keeps memory within the budget.

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
    expect(target.log).toContain("Rebuilding a damaged search index file from the log");
  }, 120_000);

  test("an index far larger than --search-memory-mb: memory stays within the budget and searches answer", async () => {
    const budgetMb = 1;
    const target = (broker = await startBroker({ args: ["--search-all-topics", "--segment-bytes", "1MiB", "--search-memory-mb", String(budgetMb)] }));
    cluster = new Cluster({ brokers: target.bootstrap });
    await new Admin(cluster).createTopics([{ name: "big", partitions: 2 }]);
    const count = 100_000;
    const filler = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua";
    await produce(cluster, "big", count, (i) => `${i} word${i % 1000} ${filler} ${i * 7}`);
    await eventually(async () => (await searchJson(target, "/big/_search?size=0")).hits?.total.value === count, `${count} records searchable`);
    const hits = await searchJson(target, "/big/_search", { query: { match: { _value: "word7" } }, size: 100, sort: [{ _offset: "asc" }] });
    expect(hits.hits.total.value).toBe(count / 1000);
    expect(hits.hits.hits.map((hit: any) => Number(hit._source.split(" ")[0]) % 1000)).toEqual(Array.from({ length: count / 1000 }, () => 7));
    const budgetBytes = budgetMb * 1024 * 1024;
    // Once merging has joined the small chunks, what the open chunks hold on the heap is small.
    let stats: any;
    await eventually(async () => {
      await searchJson(target, "/big/_search", { query: { match: { _value: "word7" } }, size: 0 });
      stats = await searchJson(target, "/_stats/search");
      return stats.residentBytes < budgetBytes;
    }, "open sealed chunks within the budget");
    expect(stats.budgetBytes).toBe(budgetBytes);
    // The index on disk is several times the budget…
    const indexBytes = [0, 1].flatMap((partition) => searchFiles(target, "big", partition).map((name) => fs.statSync(path.join(target.dataDir, "topics", "big", String(partition), name)).size)).reduce((sum, size) => sum + size, 0);
    expect(indexBytes).toBeGreaterThan(2 * budgetBytes);
    process.stderr.write(`search memory: ${JSON.stringify(stats)}, index ${indexBytes} bytes\n`);
    // …while the live segments stay within the budget, and the sealed ones hold almost nothing on the heap.
    expect(stats.activeBytes).toBeLessThanOrEqual(budgetBytes);
    expect(stats.residentBytes).toBeLessThan(budgetBytes);
  }, 120_000);
});
