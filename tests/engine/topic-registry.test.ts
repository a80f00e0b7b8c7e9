import { describe, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { defaultBrokerConfig } from "../../src/engine/broker-config.ts";
import { openStorageBackend } from "../../src/engine/storage-backend.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { TopicError, TopicRegistry, partitionCountMax, partitionsClosingMax, topicNameProblem } from "../../src/engine/topic-registry.ts";
import { silentLogger } from "../../src/logger.ts";
import { MemoryBackend, batchOf, engineFixture } from "./fixtures.ts";
import { nextTurn } from "../support/wait.ts";

async function rejection(promise: Promise<unknown>): Promise<TopicError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TopicError);
    return error as TopicError;
  }
  throw new Error("Expected a TopicError, but the promise resolved");
}

describe("topicNameProblem", () => {
  test("accepts Kafka's legal names", () => {
    for (const name of ["orders", "a", "A.b_c-9", "x".repeat(249), "..."]) expect(topicNameProblem(name)).toBeNull();
  });

  test("rejects empty, too long, dot-only and illegal characters", () => {
    expect(topicNameProblem("")).toBe("Topic name is empty");
    expect(topicNameProblem("x".repeat(250))).toContain("longer than 249 characters");
    expect(topicNameProblem(".")).toBe('Topic name "." is not allowed');
    expect(topicNameProblem("..")).toBe('Topic name ".." is not allowed');
    for (const name of ["a b", "a/b", "ü", "a:b", "a\n"]) expect(topicNameProblem(name)).toContain("has characters other than");
  });
});

describe("TopicRegistry", () => {
  test("creates a topic with its partitions, a 32-hex id and its configs", async () => {
    const { topics, backend } = await engineFixture();
    const topic = await topics.create("orders", 3, { "retention.ms": "1000" });
    expect(topic.meta).toMatchObject({ name: "orders", partitionCount: 3, configs: { "retention.ms": "1000" } });
    expect(topic.meta.topicId).toMatch(/^[0-9a-f]{32}$/);
    expect(topic.partitions.map((partition) => [partition.topic, partition.index])).toEqual([
      ["orders", 0],
      ["orders", 1],
      ["orders", 2],
    ]);
    expect(backend.metas.get("orders")).toEqual(topic.meta);
    expect(topics.get("orders")).toBe(topic);
    expect(topics.getById(topic.meta.topicId)).toBe(topic);
    expect(topics.list()).toEqual([topic]);
  });

  test("gives every topic its own id", async () => {
    const { topics } = await engineFixture();
    const first = await topics.create("first", 1);
    const second = await topics.create("second", 1);
    expect(first.meta.topicId).not.toBe(second.meta.topicId);
  });

  test("rejects illegal names, duplicates and bad partition counts with their Kafka codes", async () => {
    const { topics, backend } = await engineFixture();
    await topics.create("orders", 1);
    expect((await rejection(topics.create("bad name", 1))).code).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    expect((await rejection(topics.create("..", 1))).code).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    const duplicate = await rejection(topics.create("orders", 1));
    expect(duplicate.code).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);
    expect(duplicate.message).toBe('Topic "orders" already exists');
    for (const count of [0, -1, 1.5, partitionCountMax + 1]) {
      expect((await rejection(topics.create(`count-${String(count).replace(".", "_")}`, count))).code).toBe(ErrorCode.INVALID_PARTITIONS);
    }
    expect(backend.createCount).toBe(1);
  });

  test("a creation in progress already counts as existing", async () => {
    const { topics, backend } = await engineFixture();
    let finish!: () => void;
    backend.beforeCreate = () => new Promise((resolve) => (finish = resolve));
    const creation = topics.create("slow", 1);
    expect((await rejection(topics.create("slow", 1))).code).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);
    finish();
    expect((await creation).meta.name).toBe("slow");
  });

  test("concurrent getOrCreate calls share one creation", async () => {
    const { topics, backend } = await engineFixture();
    let finish!: () => void;
    backend.beforeCreate = () => new Promise((resolve) => (finish = resolve));
    const racers = [topics.getOrCreate("shared", 2), topics.getOrCreate("shared", 2), topics.getOrCreate("shared", 5)];
    await Promise.resolve();
    finish();
    const created = await Promise.all(racers);
    expect(backend.createCount).toBe(1);
    expect(created[1]).toBe(created[0]);
    expect(created[2]).toBe(created[0]);
    expect(created[0].partitions).toHaveLength(2);
    expect(await topics.getOrCreate("shared", 7)).toBe(created[0]);
  });

  test("a failed creation leaves no topic behind and can be retried", async () => {
    const { topics, backend } = await engineFixture();
    backend.beforeCreate = async () => {
      throw new Error("Disk full");
    };
    await expect(topics.getOrCreate("retry", 1)).rejects.toThrow("Disk full");
    expect(topics.get("retry")).toBeUndefined();
    backend.beforeCreate = async () => {};
    expect((await topics.getOrCreate("retry", 1)).meta.name).toBe("retry");
  });

  test("delete removes the topic by name and id, closes its logs and its stored meta", async () => {
    const { topics, backend } = await engineFixture();
    const topic = await topics.create("doomed", 2);
    await topic.partitions[0].append(batchOf(["a"]));
    await topics.delete("doomed");
    expect(topics.get("doomed")).toBeUndefined();
    expect(topics.getById(topic.meta.topicId)).toBeUndefined();
    expect(backend.metas.has("doomed")).toBe(false);
    await expect(topic.partitions[0].log.read(0, 100)).rejects.toThrow("closed");
    const again = await rejection(topics.delete("doomed"));
    expect(again.code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const recreated = await topics.create("doomed", 1);
    expect(recreated.meta.topicId).not.toBe(topic.meta.topicId);
    expect(recreated.partitions[0].log.logEndOffset).toBe(0);
  });

  test("open loads every stored topic with its id and data", async () => {
    const backend = new MemoryBackend();
    const first = await TopicRegistry.open(backend, silentLogger);
    const created = await first.create("kept", 2, { "cleanup.policy": "compact" });
    await created.partitions[1].append(batchOf(["x", "y"]));
    const reopened = await TopicRegistry.open(backend, silentLogger);
    const loaded = reopened.get("kept")!;
    expect(loaded.meta).toEqual(created.meta);
    expect(reopened.getById(created.meta.topicId)).toBe(loaded);
    expect(loaded.partitions.map((partition) => partition.log.logEndOffset)).toEqual([0, 2]);
  });

  test("close closes every partition log", async () => {
    const { topics } = await engineFixture();
    const topic = await topics.create("a", 2);
    await topics.close();
    for (const partition of topic.partitions) await expect(partition.log.read(0, 10)).rejects.toThrow("closed");
  });

  test("close closes a few partitions at a time, so thousands of partitions do not run out of file descriptors (found by the request fuzzer)", async () => {
    const { topics } = await engineFixture();
    const topic = await topics.create("wide", 200);
    let closing = 0;
    let closingMost = 0;
    for (const partition of topic.partitions) {
      const close = partition.log.close.bind(partition.log);
      partition.log.close = async () => {
        closingMost = Math.max(closingMost, ++closing);
        // Still closing while the other partitions' closes get their turn to start.
        await nextTurn();
        await close();
        closing--;
      };
    }
    await topics.close();
    expect(closingMost).toBe(partitionsClosingMax);
    for (const partition of topic.partitions) await expect(partition.log.read(0, 10)).rejects.toThrow("closed");
  });

  test("CreatePartitions opens the new partitions a few at a time, in order (found slow by the request fuzzer)", async () => {
    const fixture = await engineFixture();
    await fixture.topics.create("grown", 2);
    const openPartitionLog = fixture.backend.openPartitionLog.bind(fixture.backend);
    let opening = 0;
    let openingMost = 0;
    fixture.backend.openPartitionLog = async (topic, partition) => {
      openingMost = Math.max(openingMost, ++opening);
      await nextTurn();
      opening--;
      return openPartitionLog(topic, partition);
    };
    const topic = await fixture.topics.addPartitions("grown", 100);
    expect(openingMost).toBeGreaterThan(1);
    expect(topic.partitions.map((partition) => partition.index)).toEqual(Array.from({ length: 100 }, (_, index) => index));
  });

  test("delete closes a few partition logs at a time: a 9000-partition topic's deletion ran out of file descriptors and killed the broker (found by the request fuzzer)", async () => {
    const { topics } = await engineFixture();
    const topic = await topics.create("wide", 200);
    let closing = 0;
    let closingMost = 0;
    for (const partition of topic.partitions) {
      const close = partition.log.close.bind(partition.log);
      partition.log.close = async () => {
        closingMost = Math.max(closingMost, ++closing);
        await nextTurn();
        await close();
        closing--;
      };
    }
    await topics.delete("wide");
    expect(closingMost).toBe(partitionsClosingMax);
    for (const partition of topic.partitions) await expect(partition.log.read(0, 10)).rejects.toThrow("closed");
  });
});

// Found by the request fuzzer (scripts/fuzz): CreatePartitions, AlterConfigs, DeleteTopics and
// auto-creation of one topic racing on real storage.
describe("TopicRegistry changes of one topic run one at a time", () => {
  async function onDisk(body: (dataDir: string) => Promise<void>): Promise<void> {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "chronik-registry-"));
    try {
      await body(dataDir);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }

  async function openOn(dataDir: string) {
    const backend = await openStorageBackend({ ...defaultBrokerConfig, dataDir, fsync: "never" }, silentLogger);
    return { backend, topics: await TopicRegistry.open(backend, silentLogger) };
  }

  test("a delete during CreatePartitions leaves no partition folder behind, and the data folder opens again", async () => {
    await onDisk(async (dataDir) => {
      const first = await openOn(dataDir);
      await first.topics.create("doomed", 1);
      // The delete is asked for once CreatePartitions is writing its partition folders.
      const addPartitions = first.backend.addPartitions.bind(first.backend);
      let writing!: () => void;
      const partitionsBeingWritten = new Promise<void>((resolve) => (writing = resolve));
      first.backend.addPartitions = (...args: Parameters<typeof addPartitions>) => {
        writing();
        return addPartitions(...args);
      };
      const added = first.topics.addPartitions("doomed", 40);
      await partitionsBeingWritten;
      await first.topics.delete("doomed");
      await added;
      expect(fs.existsSync(path.join(dataDir, "topics", "doomed"))).toBe(false);
      await first.topics.close();
      await first.backend.close();
      const second = await openOn(dataDir);
      expect(second.topics.get("doomed")).toBeUndefined();
      await second.topics.close();
      await second.backend.close();
    });
  });

  test("a create right after a delete waits for it instead of finding its folder", async () => {
    await onDisk(async (dataDir) => {
      const { backend, topics } = await openOn(dataDir);
      await topics.create("again", 1);
      const deleted = topics.delete("again");
      const created = await topics.getOrCreate("again", 2);
      await deleted;
      expect(created.partitions.length).toBe(2);
      await topics.close();
      await backend.close();
    });
  });

  test("concurrent configs and partitions changes both reach meta.json", async () => {
    await onDisk(async (dataDir) => {
      const first = await openOn(dataDir);
      await first.topics.create("both", 1);
      await Promise.all([first.topics.addPartitions("both", 3), first.topics.setConfigs("both", { "retention.ms": "1000" })]);
      await first.topics.close();
      await first.backend.close();
      const second = await openOn(dataDir);
      expect(second.topics.get("both")!.meta).toMatchObject({ partitionCount: 3, configs: { "retention.ms": "1000" } });
      await second.topics.close();
      await second.backend.close();
    });
  });
});
