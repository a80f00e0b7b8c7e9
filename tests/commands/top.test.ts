import { describe, expect, test } from "bun:test";
import { renderFrame, type Sample } from "../../src/commands/top.ts";

function sample(atMs: number, produced: number, offsets: Record<string, number>, lag: number): Sample {
  return {
    atMs,
    overview: {
      clusterId: "c1",
      nodeId: 0,
      startedAtMs: 0,
      uptimeMs: 3_723_000,
      kafka: { host: "localhost", port: 9092 },
      topics: 3,
      partitions: 4,
      groups: 1,
      sizeBytes: 5 * 1024 * 1024,
      totals: { producedRecords: produced, producedBytes: produced * 100, fetchedRecords: 0, fetchedBytes: 0, requests: produced / 10, requestErrors: 0 },
    },
    topics: [
      { name: "__consumer_offsets", internal: true, partitions: 1, offsets: 9, sizeBytes: 10, searchEnabled: false },
      ...Object.entries(offsets).map(([name, count]) => ({ name, internal: false, partitions: 2, offsets: count, sizeBytes: count * 100, searchEnabled: false })),
    ],
    groups: [{ groupId: "readers", type: "classic", state: "Stable", members: 2, topics: ["busy"], lag }],
  };
}

describe("chronik top", () => {
  test("the first frame has no rates; the next one has them, busiest topic first", () => {
    const first = sample(0, 1000, { quiet: 500, busy: 100 }, 7);
    const second = sample(2000, 5000, { quiet: 500, busy: 4100 }, 9);
    const one = renderFrame(first, null, "http://localhost:6092, every 2s");
    expect(one).toContain("chronik  cluster c1  node 0  kafka localhost:9092  up 1h 2m  (http://localhost:6092, every 2s)");
    expect(one).toContain("produced -  -    fetched -  -    requests -");
    expect(one).not.toContain("__consumer_offsets");
    const two = renderFrame(second, first, "x");
    expect(two).toContain("produced 2,000 records/s  195.3 KiB/s    fetched 0 records/s  0 B/s    requests 200/s");
    const rows = two.split("\n").filter((line) => /^(busy|quiet) /.test(line));
    expect(rows).toEqual(["busy   2           4,100    2,000      400.4 KiB", "quiet  2           500      0          48.8 KiB"]);
    expect(two).toContain("readers  Stable  2        9");
  });

  test("a broker without metrics says so instead of rates", () => {
    const quiet = { ...sample(0, 0, {}, 0), overview: { ...sample(0, 0, {}, 0).overview, totals: null } };
    expect(renderFrame(quiet, null, "x")).toContain("rates: the broker runs with --no-metrics");
  });
});
