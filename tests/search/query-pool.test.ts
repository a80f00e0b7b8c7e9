// Searches spread over query threads answer exactly as one thread does: the same hits, scores,
// order, totals and aggregations, with 1 and with 3 threads and without any.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createLogger, type Logger } from "../../src/logger.ts";
import { buildRecordBatch } from "../../src/records/record-batch.ts";
import { parseSearchBody } from "../../src/search/es-dsl.ts";
import type { SearchablePartition } from "../../src/search/partition-indexer.ts";
import { QueryPool } from "../../src/search/query-pool.ts";
import { SearchService } from "../../src/search/search-service.ts";
import { verifySealedSegment } from "../../src/search/sealed-segment.ts";
import { SegmentFileReader } from "../../src/search/segment-file-reader.ts";
import { FileLog } from "../../src/storage/file-log.ts";
import { eventually } from "../support/wait.ts";

const logger = createLogger("test", "error");
const words = ["disk", "full", "timeout", "error", "warning", "network", "retry", "user", "login", "cache", "miss", "slow", "query", "kafka", "broker"];
const partitions = 2;
const recordsPerPartition = 400;
const memoryBytes = 64 * 1024 * 1024;

/** Record i of a partition: a deterministic log line with varied lengths, levels, numbers and a fractional field. */
function line(partition: number, i: number): string {
  let seed = partition * 100_003 + i * 7919 + 1;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const length = 2 + Math.floor(next() * 10);
  const message = Array.from({ length }, () => words[Math.floor(next() * next() * words.length)]).join(" ");
  const level = ["info", "warn", "error"][Math.floor(next() * 3)];
  const status = next() < 0.1 ? String(200 + 100 * Math.floor(next() * 4)) : 200 + 100 * Math.floor(next() * 4);
  return JSON.stringify({ id: `p${partition}-${i}`, level, message, http: { status }, latency: Math.round(next() * 1e6) / 1e3 + 0.1 });
}

interface Setup {
  service: SearchService;
  dirs: string[];
}

/** A search service over the partitions' logs, written first unless `existing` folders (of an earlier setup) are given. */
async function setup(threads: number | null, existing?: string[], log: Logger = logger): Promise<Setup> {
  const dirs: string[] = existing ?? [];
  const searchable: SearchablePartition[] = [];
  for (let partition = 0; partition < partitions; partition++) {
    if (existing === undefined) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chronik-query-pool-"));
      dirs.push(dir);
      // Small segments: many sealed chunks, spread over the threads.
      const log = await FileLog.open(dir, { segmentBytes: 4096, logger });
      for (let i = 0; i < recordsPerPartition; i += 10) {
        const records = Array.from({ length: 10 }, (_, r) => ({ value: line(partition, i + r), timestamp: 1_700_000_000_000 + (i + r) * 60_000 }));
        await log.append(buildRecordBatch({ records }));
      }
      await log.close();
    }
    const reader = new SegmentFileReader(dirs[partition]);
    reader.highWatermark = recordsPerPartition;
    searchable.push({ topic: "logs", index: partition, log: reader, dir: dirs[partition], onNextData: () => () => {} });
  }
  const queryPool = threads === null ? undefined : new QueryPool(threads, { logLevel: "error", logger: log });
  const service = new SearchService({ topics: () => [{ name: "logs", searchEnabled: true, partitions: searchable }] }, { memoryBytes, logger: log, queryPool });
  await eventually(() => searchable.every((partition) => service.indexedOffset("logs", partition.index) === recordsPerPartition), "every partition indexed", { waitMs: 20_000 });
  return { service, dirs };
}

const bodies: unknown[] = [
  { query: { match: { message: "disk full" } }, size: 20 },
  { query: { match: { message: { query: "timeout retry network", operator: "and" } } }, size: 50 },
  { query: { match_phrase: { message: "cache miss" } }, size: 30, highlight: { fields: { message: {} } } },
  { query: { bool: { must: [{ match: { message: "kafka broker" } }], filter: [{ term: { level: "error" } }], must_not: [{ match: { message: "slow" } }] } }, size: 25 },
  { query: { bool: { should: [{ match: { message: "login" } }, { match: { message: "user" } }], minimum_should_match: 1 } }, from: 17, size: 13 },
  { query: { query_string: { query: "level:warn AND message:query*" } }, size: 40 },
  { query: { match_all: {} }, sort: [{ "http.status": "desc" }, { latency: "asc" }], size: 60 },
  { query: { match_all: {} }, sort: [{ _timestamp: "desc" }], from: 300, size: 20 },
  { query: { range: { latency: { gte: 100, lt: 700 } } }, sort: [{ level: "asc" }], size: 15 },
  {
    query: { match: { message: "error warning" } },
    size: 0,
    aggs: {
      levels: { terms: { field: "level" } },
      statuses: { terms: { field: "http.status", size: 3 } },
      hourly: { date_histogram: { field: "_timestamp", fixed_interval: "1h" } },
      slowest: { max: { field: "latency" } },
      fastest: { min: { field: "latency" } },
      mean: { avg: { field: "latency" } },
      total: { sum: { field: "latency" } },
    },
  },
  { query: { match: { message: "nosuchword" } }, size: 10, aggs: { total: { sum: { field: "latency" } }, mean: { avg: { field: "latency" } } } },
];

function withoutTook(response: { took: number }): unknown {
  const { took: _took, ...rest } = response;
  return rest;
}

let single: Setup;
let one: Setup;
let three: Setup;

beforeAll(async () => {
  [single, one, three] = [await setup(null), await setup(1), await setup(3)];
}, 60_000);

afterAll(async () => {
  for (const { service, dirs } of [single, one, three]) {
    await service?.stop();
    for (const dir of dirs ?? []) fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe("searches over query threads", () => {
  test("answer as one thread does, with 1 and with 3 threads", async () => {
    for (const body of bodies) {
      const request = parseSearchBody(body);
      const expected = withoutTook(await single.service.search(["logs"], request));
      // Twice: first loading the chunks into the threads' caches, then from the caches.
      for (let round = 0; round < 2; round++) {
        expect(withoutTook(await one.service.search(["logs"], request)), JSON.stringify(body)).toEqual(expected);
        expect(withoutTook(await three.service.search(["logs"], request)), JSON.stringify(body)).toEqual(expected);
      }
    }
    // Once the threads have opened the sealed chunks, the chunks are searched there, with the same answers.
    const opened = async () => {
      await three.service.search(["logs"], parseSearchBody(bodies[0]));
      return three.service.stats().residentIndexes > 4;
    };
    await eventually(opened, "the query threads open the sealed chunks", { waitMs: 10_000 });
    expect(three.service.stats().searchThreads).toBe(3);
    expect(three.service.stats().residentIndexes).toBeGreaterThan(4);
    for (const body of bodies) {
      const request = parseSearchBody(body);
      expect(withoutTook(await three.service.search(["logs"], request)), JSON.stringify(body)).toEqual(withoutTook(await single.service.search(["logs"], request)));
    }
  }, 60_000);

  // Scored queries meet the damaged file in the statistics pass, unscored ones in the second.
  for (const body of [{ query: { match: { message: "disk" } }, size: 100 }, { query: { match_all: {} }, sort: [{ latency: "desc" }], size: 100 }]) {
    test(`a chunk whose file is damaged is searched by the indexing thread, which rebuilds it (${Object.keys(body.query)[0]})`, async () => {
      const first = await setup(2);
      await first.service.stop();
      // Damaged while no one has it open (files are mapped, so damage is found when opened).
      const files = fs.readdirSync(first.dirs[0]).filter((name) => name.endsWith(".search"));
      expect(files.length).toBeGreaterThan(2);
      const file = path.join(first.dirs[0], files[1]);
      fs.writeFileSync(file, "not an index");
      const damaged = await setup(2, first.dirs);
      try {
        const request = parseSearchBody(body);
        const expected = withoutTook(await single.service.search(["logs"], request));
        // Every answer is right while the file is damaged, and searching has it rebuilt.
        const rebuilt = () => {
          try {
            verifySealedSegment(file);
            return true;
          } catch {
            return false;
          }
        };
        const searchedAndRebuilt = async () => {
          expect(withoutTook(await damaged.service.search(["logs"], request))).toEqual(expected);
          return rebuilt();
        };
        await eventually(searchedAndRebuilt, `"${file}" rebuilt`, { waitMs: 10_000 });
        expect(withoutTook(await damaged.service.search(["logs"], request))).toEqual(expected);
      } finally {
        await damaged.service.stop();
        for (const dir of damaged.dirs) fs.rmSync(dir, { recursive: true, force: true });
      }
    }, 30_000);
  }

  test("a record gone from under a chunk that looks fresh makes the search run again, not a query thread failure", async () => {
    const warnings: string[] = [];
    const recording: Logger = {
      debug: () => {},
      info: () => {},
      warn: (message) => warnings.push(message),
      error: (message) => warnings.push(message),
      child: () => recording,
    };
    const changing = await setup(2, undefined, recording);
    try {
      // The threads open the sealed chunks; a count with an aggregation reads no record, so none is cached.
      const counting = parseSearchBody({ query: { match_all: {} }, size: 0, aggs: { levels: { terms: { field: "level" } } } });
      const opened = async () => {
        await changing.service.search(["logs"], counting);
        return changing.service.stats().residentIndexes > 4;
      };
      await eventually(opened, "the query threads open the sealed chunks", { waitMs: 10_000 });
      // Emptied in place: the same file, so its chunk still looks fresh, but its records are gone.
      const segments = fs.readdirSync(changing.dirs[0]).filter((name) => name.endsWith(".log")).sort();
      const [from, to] = [Number.parseInt(segments[1], 10), Number.parseInt(segments[2], 10)];
      fs.truncateSync(path.join(changing.dirs[0], segments[1]), 0);
      const everything = parseSearchBody({ query: { term: { _partition: 0 } }, sort: [{ _offset: "asc" }], size: 1000 });
      const offsets = (await changing.service.search(["logs"], everything)).hits.hits.map((hit) => hit.offset);
      expect(offsets.length).toBe(recordsPerPartition - (to - from));
      expect(offsets.some((offset) => offset >= from && offset < to)).toBe(false);
      expect(warnings.filter((message) => message.includes("query thread"))).toEqual([]);
    } finally {
      await changing.service.stop();
      for (const dir of changing.dirs) fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
