// The broker's topics: names, ids, partition counts and configs, with their open partitions.
// The registry is the single owner of topic lifecycle (create, load at start, delete).

import { randomUUID } from "node:crypto";
import { ErrorCode } from "../protocol/errors.ts";
import type { PartitionLog } from "../storage/partition-log.ts";
import type { Logger } from "../logger.ts";
import { Partition } from "./partition.ts";
import type { PartitionOptions } from "./partition.ts";

/** What meta.json holds for a topic. */
export interface TopicMeta {
  name: string;
  /** 32 lowercase hex digits. */
  topicId: string;
  partitionCount: number;
  configs: Record<string, string>;
  createdAtMs: number;
}

export interface Topic {
  readonly meta: TopicMeta;
  readonly partitions: Partition[];
}

/** Where topic metadata lives and how partition logs are opened; storage implements it. */
export interface TopicBackend {
  listTopicMetas(): Promise<unknown[]>;
  createTopic(meta: TopicMeta): Promise<void>;
  deleteTopic(name: string): Promise<void>;
  openPartitionLog(topic: string, partition: number): Promise<PartitionLog>;
  /** Replaces the stored meta of an existing topic (configs, partition count). */
  writeTopicMeta(meta: TopicMeta): Promise<void>;
  /** Makes room for partitions up to `partitionCount` (before the meta says they exist). */
  addPartitions(name: string, partitionCount: number): Promise<void>;
}

/** A failure that maps to one Kafka error code. */
export class TopicError extends Error {
  override name = "TopicError";
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

export const topicNameLengthMax = 249;
/** Partitions of one topic opened (recovered) at the same time. */
const partitionsOpeningMax = 16;
/**
 * Partitions closed at the same time (at shutdown and when their topic is deleted). Each close
 * reopens its segment's files to flush them: all at once, a topic of thousands of partitions ran
 * out of file descriptors (EMFILE), and the broker failed to stop cleanly or, deleting it, died.
 */
export const partitionsClosingMax = 16;

/** Runs `close` on every item, `partitionsClosingMax` at a time. */
async function closeInTurns<T>(items: readonly T[], close: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const closeInTurn = async () => {
    while (next < items.length) await close(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(partitionsClosingMax, items.length) }, closeInTurn));
}

export const partitionCountMax = 10_000;
const legalTopicName = /^[a-zA-Z0-9._-]+$/;

/** Kafka's rule: 1–249 of [a-zA-Z0-9._-], and not "." or "..". Returns why a name is illegal, or null. */
export function topicNameProblem(name: string): string | null {
  if (name.length === 0) return "Topic name is empty";
  if (name.length > topicNameLengthMax) return `Topic name "${name.slice(0, 40)}…" is longer than ${topicNameLengthMax} characters`;
  if (name === "." || name === "..") return `Topic name "${name}" is not allowed`;
  if (!legalTopicName.test(name)) return `Topic name "${name}" has characters other than ASCII letters, digits, '.', '_' and '-'`;
  return null;
}

export class TopicRegistry {
  #backend: TopicBackend;
  #logger: Logger;
  #byName = new Map<string, Topic>();
  #byId = new Map<string, Topic>();
  /** Creations in progress, so concurrent auto-creates of one name share one creation. */
  #creating = new Map<string, Promise<Topic>>();
  /**
   * The latest change (create, delete, add partitions, configs) of each topic name. Changes of one
   * name run one at a time: interleaved, a delete let a CreatePartitions recreate partition folders
   * without meta.json (the broker then failed to start), a create found the folder a delete was
   * still removing, and two meta.json writes shared one temporary file and lost each other's change.
   */
  #changing = new Map<string, Promise<unknown>>();

  #partitionOptions: PartitionOptions;

  private constructor(backend: TopicBackend, logger: Logger, partitionOptions: PartitionOptions) {
    this.#backend = backend;
    this.#logger = logger;
    this.#partitionOptions = { logger, ...partitionOptions };
  }

  /** Loads every topic found in the backend and opens its partitions (producer state rebuilt). */
  static async open(backend: TopicBackend, logger: Logger, partitionOptions: PartitionOptions = {}): Promise<TopicRegistry> {
    const registry = new TopicRegistry(backend, logger, partitionOptions);
    for (const raw of await backend.listTopicMetas()) {
      const meta = raw as TopicMeta;
      registry.#add(meta, await registry.#openPartitions(meta.name, 0, meta.partitionCount));
    }
    return registry;
  }

  get(name: string): Topic | undefined {
    return this.#byName.get(name);
  }

  getById(topicId: string): Topic | undefined {
    return this.#byId.get(topicId);
  }

  list(): Topic[] {
    return [...this.#byName.values()];
  }

  /** Creates a topic; fails with TOPIC_ALREADY_EXISTS, INVALID_TOPIC_EXCEPTION or INVALID_PARTITIONS. */
  async create(name: string, partitionCount: number, configs: Record<string, string> = {}): Promise<Topic> {
    const problem = topicNameProblem(name);
    if (problem) throw new TopicError(ErrorCode.INVALID_TOPIC_EXCEPTION, problem);
    if (this.#byName.has(name) || this.#creating.has(name)) {
      throw new TopicError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic "${name}" already exists`);
    }
    if (!Number.isInteger(partitionCount) || partitionCount < 1 || partitionCount > partitionCountMax) {
      throw new TopicError(ErrorCode.INVALID_PARTITIONS, `Partition count ${partitionCount} is not between 1 and ${partitionCountMax}`);
    }
    const creation = this.#inTurn(name, () => this.#createNew(name, partitionCount, configs));
    this.#creating.set(name, creation);
    try {
      return await creation;
    } finally {
      this.#creating.delete(name);
    }
  }

  /** Returns the topic, creating it with the default partition count if it does not exist. */
  getOrCreate(name: string, partitionCount: number): Promise<Topic> {
    // No await before create(): a caller that yielded here would find the creation another
    // caller started meanwhile and fail with TOPIC_ALREADY_EXISTS instead of sharing it.
    const existing = this.#byName.get(name);
    if (existing) return Promise.resolve(existing);
    return this.#creating.get(name) ?? this.create(name, partitionCount);
  }

  async delete(name: string): Promise<void> {
    const topic = this.#byName.get(name);
    if (!topic) throw new TopicError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic "${name}" does not exist`);
    this.#byName.delete(name);
    this.#byId.delete(topic.meta.topicId);
    await this.#inTurn(name, async () => {
      for (const partition of topic.partitions) partition.detach();
      await closeInTurns(topic.partitions, (partition) => partition.log.close());
      await this.#backend.deleteTopic(name);
    });
    this.#logger.info("Deleted topic", { topic: name });
  }

  /** Replaces a topic's configs (already validated) and stores them; the caller re-applies them to its logs. */
  setConfigs(name: string, configs: Record<string, string>): Promise<Topic> {
    return this.#inTurn(name, () => this.#setConfigs(name, configs));
  }

  async #setConfigs(name: string, configs: Record<string, string>): Promise<Topic> {
    const topic = this.#byName.get(name);
    if (!topic) throw new TopicError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic "${name}" does not exist`);
    await this.#backend.writeTopicMeta({ ...topic.meta, configs });
    topic.meta.configs = configs;
    this.#logger.info("Changed topic configs", { topic: name, configs });
    return topic;
  }

  /**
   * Grows a topic to `partitionCount` partitions (CreatePartitions). Partition folders come
   * first and the meta last, so a crash in between leaves the old count and unused folders.
   */
  addPartitions(name: string, partitionCount: number): Promise<Topic> {
    return this.#inTurn(name, () => this.#addPartitions(name, partitionCount));
  }

  async #addPartitions(name: string, partitionCount: number): Promise<Topic> {
    const topic = this.#byName.get(name);
    if (!topic) throw new TopicError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic "${name}" does not exist`);
    const current = topic.meta.partitionCount;
    if (!Number.isInteger(partitionCount) || partitionCount <= current) {
      throw new TopicError(ErrorCode.INVALID_PARTITIONS, `Topic "${name}" has ${current} partitions: the new count must be larger, not ${partitionCount}`);
    }
    if (partitionCount > partitionCountMax) {
      throw new TopicError(ErrorCode.INVALID_PARTITIONS, `Partition count ${partitionCount} is more than ${partitionCountMax}`);
    }
    await this.#backend.addPartitions(name, partitionCount);
    await this.#backend.writeTopicMeta({ ...topic.meta, partitionCount });
    topic.meta.partitionCount = partitionCount;
    topic.partitions.push(...(await this.#openPartitions(name, current, partitionCount)));
    this.#logger.info("Added partitions", { topic: name, from: current, to: partitionCount });
    return topic;
  }

  async close(): Promise<void> {
    await closeInTurns(this.list().flatMap((topic) => topic.partitions), (partition) => partition.close());
  }

  /** Runs `change` once the changes of topic `name` called before it have settled. */
  #inTurn<T>(name: string, change: () => Promise<T>): Promise<T> {
    const result = (this.#changing.get(name) ?? Promise.resolve()).then(change);
    const settled = result.catch(() => {});
    this.#changing.set(name, settled);
    void settled.then(() => {
      if (this.#changing.get(name) === settled) this.#changing.delete(name);
    });
    return result;
  }

  async #createNew(name: string, partitionCount: number, configs: Record<string, string>): Promise<Topic> {
    const meta: TopicMeta = {
      name,
      topicId: randomUUID().replaceAll("-", ""),
      partitionCount,
      configs,
      createdAtMs: Date.now(),
    };
    await this.#backend.createTopic(meta);
    const topic = this.#add(meta, await this.#openPartitions(name, 0, partitionCount));
    this.#logger.info("Created topic", { topic: name, partitions: partitionCount });
    return topic;
  }

  /**
   * Opens partitions `from` to `to` (excluded) a few at a time: recovery mostly waits on fsyncs,
   * which overlap well. One at a time, adding 10000 partitions took the better part of a minute.
   */
  async #openPartitions(name: string, from: number, to: number): Promise<Partition[]> {
    const partitions = new Array<Partition>(to - from);
    let next = from;
    const openInTurn = async () => {
      while (next < to) {
        const index = next++;
        partitions[index - from] = await this.#openPartition(name, index);
      }
    };
    await Promise.all(Array.from({ length: Math.min(partitionsOpeningMax, to - from) }, openInTurn));
    return partitions;
  }

  async #openPartition(topic: string, index: number): Promise<Partition> {
    return Partition.open(topic, index, await this.#backend.openPartitionLog(topic, index), this.#partitionOptions);
  }

  #add(meta: TopicMeta, partitions: Partition[]): Topic {
    const topic: Topic = { meta, partitions };
    this.#byName.set(meta.name, topic);
    this.#byId.set(meta.topicId, topic);
    return topic;
  }
}
