import { afterEach, describe, expect, test } from "bun:test";
import { readMessages, showBytes, shownBytesMax, tailMessages, type ShownRecord } from "../../../src/engine/admin/messages.ts";
import { buildRecordBatch } from "../../../src/records/record-batch.ts";
import { buildMarkerBatch } from "../../../src/records/transaction-marker.ts";
import { eventually } from "../../support/wait.ts";
import { type AdminFixture, adminFixture } from "./admin-fixture.ts";

let fixture: AdminFixture;
afterEach(() => fixture?.coordinator.close());

const encoder = new TextEncoder();

describe("showBytes", () => {
  test("UTF-8 is text, JSON is parsed too, anything else is base64", () => {
    expect(showBytes(null)).toBeNull();
    expect(showBytes(encoder.encode("héllo"))).toEqual({ size: 6, text: "héllo" });
    expect(showBytes(encoder.encode(' {"a":[1]}'))).toEqual({ size: 10, text: ' {"a":[1]}', json: { a: [1] } });
    expect(showBytes(encoder.encode("{not json"))).toEqual({ size: 9, text: "{not json" });
    expect(showBytes(new Uint8Array([0xff, 0x00, 0x41]))).toEqual({ size: 3, base64: "/wBB" });
  });

  test("a long value is cut, and says so; a character split by the cut is dropped, not mangled", () => {
    // One byte of "a", then two-byte characters: the cut falls inside one.
    const long = encoder.encode("a" + "é".repeat(shownBytesMax));
    const shown = showBytes(long)!;
    expect(shown.size).toBe(long.length);
    expect(shown.truncated).toBe(true);
    expect(shown.text).toBe("a" + "é".repeat(shownBytesMax / 2 - 1));
    const binary = showBytes(new Uint8Array(shownBytesMax + 10).fill(0xff))!;
    expect(binary.truncated).toBe(true);
    expect(Buffer.from(binary.base64!, "base64").length).toBe(shownBytesMax);
  });
});

async function topicWith(partitions: number): Promise<void> {
  fixture = await adminFixture();
  const topic = await fixture.topics.create("events", partitions);
  for (let i = 0; i < 10; i++) {
    await topic.partitions[i % partitions].append(buildRecordBatch({ records: [{ key: `k${i}`, value: `v${i}`, timestamp: 1_000 + i, headers: [{ key: "h", value: encoder.encode(`x${i}`) }] }] }));
  }
}

const offsets = (records: ShownRecord[]) => records.map((record) => `${record.partition}:${record.offset}`);

describe("readMessages", () => {
  test("one partition from an offset, with keys, values, headers and timestamps", async () => {
    await topicWith(1);
    const records = await readMessages(fixture.topics.get("events")!, { partition: 0, from: { kind: "offset", offset: 7 }, limit: 2 });
    expect(records).toEqual([
      { partition: 0, offset: 7, timestamp: 1_007, timestampType: "CreateTime", key: { size: 2, text: "k7" }, value: { size: 2, text: "v7" }, headers: [{ key: "h", value: { size: 2, text: "x7" } }] },
      { partition: 0, offset: 8, timestamp: 1_008, timestampType: "CreateTime", key: { size: 2, text: "k8" }, value: { size: 2, text: "v8" }, headers: [{ key: "h", value: { size: 2, text: "x8" } }] },
    ]);
  });

  test("the newest records of every partition, merged by time; from a time; offsets clamped to the log", async () => {
    await topicWith(2);
    const topic = fixture.topics.get("events")!;
    expect(offsets(await readMessages(topic, { partition: null, from: { kind: "newest" }, limit: 3 }))).toEqual(["1:3", "0:4", "1:4"]);
    expect(offsets(await readMessages(topic, { partition: null, from: { kind: "timestamp", timestamp: 1_005 }, limit: 2 }))).toEqual(["1:2", "0:3"]);
    expect(offsets(await readMessages(topic, { partition: 1, from: { kind: "offset", offset: -5 }, limit: 1 }))).toEqual(["1:0"]);
    expect(await readMessages(topic, { partition: 1, from: { kind: "offset", offset: 99 }, limit: 5 })).toEqual([]);
  });

  test("an unknown partition is refused, naming how many there are", async () => {
    await topicWith(2);
    await expect(readMessages(fixture.topics.get("events")!, { partition: 5, from: { kind: "newest" }, limit: 1 })).rejects.toThrow('Topic "events" has no partition 5 (it has 2)');
  });

  test("transaction markers are not shown", async () => {
    fixture = await adminFixture();
    const topic = await fixture.topics.create("txn", 1);
    await topic.partitions[0].append(buildRecordBatch({ records: [{ value: "a" }] }));
    await topic.partitions[0].log.append(buildMarkerBatch({ producerId: 1, producerEpoch: 0, commit: true, coordinatorEpoch: 0 }, 0));
    await topic.partitions[0].append(buildRecordBatch({ records: [{ value: "b" }] }));
    expect(offsets(await readMessages(topic, { partition: 0, from: { kind: "offset", offset: 0 }, limit: 10 }))).toEqual(["0:0", "0:2"]);
  });
});

describe("tailMessages", () => {
  test("follows records appended after it started, and stops when aborted", async () => {
    await topicWith(2);
    const topic = fixture.topics.get("events")!;
    const seen: ShownRecord[] = [];
    const stop = new AbortController();
    const following = tailMessages(topic, null, stop.signal, (records) => {
      seen.push(...records);
    }, () => {});
    await topic.partitions[1].append(buildRecordBatch({ records: [{ value: "new" }] }));
    await eventually(async () => seen.length === 1, "the tail sees the new record");
    expect(seen[0]).toMatchObject({ partition: 1, offset: 5, value: { text: "new" } });
    stop.abort();
    await following;
  });

  test("waits for a slow reader: what arrives meanwhile is read once the reader takes the last stretch", async () => {
    await topicWith(1);
    const partition = fixture.topics.get("events")!.partitions[0];
    const stretches: number[] = [];
    let release = () => {};
    const stop = new AbortController();
    const following = tailMessages(fixture.topics.get("events")!, 0, stop.signal, (records) => {
      stretches.push(records.length);
      return new Promise<void>((resolve) => (release = resolve));
    }, () => {});
    await partition.append(buildRecordBatch({ records: [{ value: "first" }] }));
    await eventually(async () => stretches.length === 1, "the first stretch is emitted");
    for (let i = 0; i < 5; i++) await partition.append(buildRecordBatch({ records: [{ value: `more ${i}` }] }));
    expect(stretches).toEqual([1]);
    release();
    await eventually(async () => stretches.length === 2, "the rest once the reader caught up");
    expect(stretches).toEqual([1, 5]);
    stop.abort();
    release();
    await following;
  });
});
