import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Admin, Cluster, OffsetSpec, Producer } from "../../src/client/index.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { type Broker, startBroker } from "../e2e/harness.ts";

let broker: Broker;
let cluster: Cluster;
let admin: Admin;

beforeAll(async () => {
  broker = await startBroker({ args: ["--no-auto-create-topics"] });
  cluster = new Cluster({ brokers: broker.bootstrap });
  admin = new Admin(cluster);
}, 30_000);

afterAll(async () => {
  cluster?.close();
  await broker?.cleanup();
}, 30_000);

describe("Admin", () => {
  test("creates, lists and deletes topics, reporting per-topic errors", async () => {
    const created = await admin.createTopics([{ name: "admin-a", partitions: 3 }, { name: "admin-b" }]);
    expect(created).toEqual([
      { name: "admin-a", error: null },
      { name: "admin-b", error: null },
    ]);
    const again = await admin.createTopics([{ name: "admin-a", partitions: 3 }]);
    expect(again[0].error?.code).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);

    const listed = await admin.listTopics();
    const a = listed.find((topic) => topic.name === "admin-a");
    expect(a?.partitions).toHaveLength(3);
    expect(listed.some((topic) => topic.name === "admin-b")).toBe(true);

    const deleted = await admin.deleteTopics(["admin-b", "admin-missing"]);
    expect(deleted[0]).toEqual({ name: "admin-b", error: null });
    expect(deleted[1].error?.code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect((await admin.listTopics()).some((topic) => topic.name === "admin-b")).toBe(false);
  });

  test("lists earliest and latest offsets per partition", async () => {
    await admin.createTopics([{ name: "admin-offsets", partitions: 2 }]);
    const producer = new Producer(cluster);
    await Promise.all(Array.from({ length: 7 }, () => producer.send({ topic: "admin-offsets", partition: 1, value: null })));
    const latest = await admin.listOffsets("admin-offsets", { timestamp: OffsetSpec.latest });
    expect([latest.get(0)?.offset, latest.get(1)?.offset]).toEqual([0, 7]);
    const earliest = await admin.listOffsets("admin-offsets", { timestamp: OffsetSpec.earliest, partitions: [1] });
    expect([...earliest.keys()]).toEqual([1]);
    expect(earliest.get(1)?.offset).toBe(0);
  });
});
