import { afterEach, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { TopicStore } from "../../src/storage/topic-store.ts";
import { recordingLogger, tempDir } from "./batches.ts";

let dir = "";
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function openStore(): Promise<TopicStore> {
  dir ||= tempDir("topic-store");
  return TopicStore.open(dir, { logger: recordingLogger() });
}

describe("TopicStore", () => {
  test("creates cluster.json once and keeps its identity", async () => {
    dir = "";
    const first = await openStore();
    expect(first.cluster.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(first.cluster).toMatchObject({ nodeId: 0, formatVersion: 1 });
    const again = await openStore();
    expect(again.cluster).toEqual(first.cluster);
  });

  test("creates, lists, rewrites and deletes topics", async () => {
    dir = "";
    const store = await openStore();
    await store.createTopic("orders", 3, { topicId: "ab", partitions: 3 });
    await store.createTopic("logs", 1, { partitions: 1 });
    expect(fs.readdirSync(path.join(dir, "topics", "orders")).sort()).toEqual(["0", "1", "2", "meta.json"]);
    expect(store.partitionDir("orders", 2)).toBe(path.join(dir, "topics", "orders", "2"));
    expect(store.listTopics()).toEqual([
      { name: "logs", meta: { partitions: 1 } },
      { name: "orders", meta: { topicId: "ab", partitions: 3 } },
    ]);
    await store.writeMeta("orders", { topicId: "ab", partitions: 4 });
    await store.addPartitions("orders", 4);
    expect(store.readMeta("orders")).toEqual({ topicId: "ab", partitions: 4 });
    expect(fs.existsSync(store.partitionDir("orders", 3))).toBe(true);
    await expect(store.createTopic("orders", 1, {})).rejects.toThrow(/already exists/);
    await store.deleteTopic("orders");
    expect(store.listTopics().map((topic) => topic.name)).toEqual(["logs"]);
    expect(fs.readdirSync(path.join(dir, "topics"))).toEqual(["logs"]);
  });

  test("sweeps folders left by an interrupted create or delete", async () => {
    dir = "";
    const store = await openStore();
    await store.createTopic("kept", 1, {});
    const leftover = path.join(dir, "topics", "gone-0123456789abcdef0123456789abcdef.deleted");
    fs.mkdirSync(path.join(leftover, "0"), { recursive: true });
    const reopened = await openStore();
    expect(fs.existsSync(leftover)).toBe(false);
    expect(reopened.listTopics().map((topic) => topic.name)).toEqual(["kept"]);
  });

  test("rejects names that are not plain folder names", async () => {
    dir = "";
    const store = await openStore();
    for (const name of ["", ".", "..", "a/b", "..\\x", "x".repeat(250)]) {
      await expect(store.createTopic(name, 1, {})).rejects.toThrow(/Invalid topic name/);
    }
    await expect(store.createTopic("ok", 0, {})).rejects.toThrow(/Invalid partition count/);
  });
});
