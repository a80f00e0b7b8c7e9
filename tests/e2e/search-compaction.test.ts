// Search follows compaction on a real broker: a compacted, searchable topic whose keys are
// overwritten round after round. Once the log cleaner has rewritten the sealed segments, an
// overwritten value is no longer found, and the latest value of every key is found once.

import { afterEach, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { Admin, Cluster, Producer } from "../../src/client/index.ts";
import { decodeRecordBatches } from "../../src/records/decode-batches.ts";
import { type Broker, eventually, startBroker } from "./harness.ts";

const encoder = new TextEncoder();
const keyCount = 10;
const rounds = 12;

let broker: Broker | undefined;
let cluster: Cluster | undefined;

afterEach(async () => {
  cluster?.close();
  await broker?.cleanup();
  broker = undefined;
  cluster = undefined;
}, 30_000);

async function hits(target: Broker, query: string): Promise<any[]> {
  const response = await fetch(`http://${target.host}:${target.httpPort}/keyed/_search?q=${encodeURIComponent(query)}&size=1000`);
  const json = (await response.json()) as any;
  return json.hits.hits;
}

/** The offsets the partition's segment files hold now (after compaction): what a consumer can fetch. */
function loggedOffsets(dir: string): number[] {
  const offsets: number[] = [];
  for (const name of fs.readdirSync(dir).filter((file) => file.endsWith(".log")).sort()) {
    for (const batch of decodeRecordBatches(new Uint8Array(fs.readFileSync(path.join(dir, name))))) for (const record of batch.records) offsets.push(record.offset);
  }
  return offsets;
}


test("a compacted searchable topic: overwritten values are not found, the latest value of each key once", async () => {
  const target = (broker = await startBroker({ args: ["--segment-bytes", "1024", "--retention-check-interval", "200ms", "--log-cleaner-backoff", "200ms"] }));
  cluster = new Cluster({ brokers: target.bootstrap });
  const created = await new Admin(cluster).createTopics([
    { name: "keyed", partitions: 1, configs: { "search.enabled": "true", "cleanup.policy": "compact", "min.cleanable.dirty.ratio": "0.01" } },
  ]);
  expect(created.map((result) => result.error)).toEqual([null]);
  const producer = new Producer(cluster, { lingerMs: 0 });
  for (let round = 0; round < rounds; round++) {
    for (let key = 0; key < keyCount; key++) {
      await producer.send({ topic: "keyed", partition: 0, key: encoder.encode(`key${key}`), value: encoder.encode(JSON.stringify({ key, text: `round${round}` })) });
    }
  }
  const dir = path.join(target.dataDir, "topics", "keyed", "0");
  expect(fs.readdirSync(dir).filter((name) => name.endsWith(".log")).length).toBeGreaterThan(2);

  // Searchable first, then compacted away: the cleaner runs every 200 ms.
  await eventually(async () => (await hits(target, `text:round${rounds - 1}`)).length === keyCount, "the last round searchable");
  await eventually(async () => (await hits(target, "text:round0")).length === 0, "the first round's values gone from search after compaction");
  // Search converges on exactly the records the compacted log still holds.
  let searched: number[] = [];
  let logged: number[] = [];
  await eventually(async () => {
    searched = (await hits(target, "*")).map((hit) => hit.offset as number).sort((a, b) => a - b);
    logged = loggedOffsets(dir);
    return logged.length < rounds * keyCount && JSON.stringify(searched) === JSON.stringify(logged);
  }, "search to return what the compacted log holds");
  expect(searched).toEqual(logged);
  const latest = await hits(target, `text:round${rounds - 1}`);
  expect(latest.map((hit) => hit._source.key).sort((a: number, b: number) => a - b)).toEqual(Array.from({ length: keyCount }, (_, key) => key));
}, 90_000);
