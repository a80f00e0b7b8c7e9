// The data folder: cluster identity, and one folder per topic holding its meta.json and
// one folder per partition. Storage treats meta.json as opaque JSON (the engine owns its
// shape) and only guarantees it is replaced atomically. Creating and deleting a topic go
// through a rename, so a crash never leaves half a topic under its real name.

import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { syncDirectory, writeFileAtomic } from "./checkpoint.ts";
import { defaultStorageLogger } from "./logger.ts";
import type { StorageLogger } from "./logger.ts";

/** Contents of `<data>/cluster.json`. */
export interface ClusterIdentity {
  /** 22 characters of base64url: 16 random bytes, as Kafka writes cluster ids. */
  clusterId: string;
  nodeId: number;
  formatVersion: number;
}

export interface StoredTopic {
  name: string;
  meta: unknown;
}

export const dataFormatVersion = 1;
/** Kafka's own limit on topic name length. */
export const topicNameBytesMax = 249;
/** Partitions one topic may have. */
export const partitionsMax = 100_000;

const clusterFileName = "cluster.json";
const topicsDirName = "topics";
const metaFileName = "meta.json";
/** Folders a create or delete left behind in a crash: `<topic>-<32 hex>.creating|.deleted`. */
const transientNamePattern = /-[0-9a-f]{32}\.(creating|deleted)$/;

export class TopicStore {
  readonly dataDir: string;
  readonly cluster: ClusterIdentity;
  #topicsDir: string;

  private constructor(dataDir: string, cluster: ClusterIdentity) {
    this.dataDir = dataDir;
    this.cluster = cluster;
    this.#topicsDir = path.join(dataDir, topicsDirName);
  }

  /** Opens `dataDir` (creating it and cluster.json when missing) and finishes interrupted creates and deletes. */
  static async open(dataDir: string, options: { logger?: StorageLogger } = {}): Promise<TopicStore> {
    const logger = options.logger ?? defaultStorageLogger;
    fs.mkdirSync(path.join(dataDir, topicsDirName), { recursive: true });
    const store = new TopicStore(dataDir, await loadOrCreateCluster(dataDir));
    for (const name of fs.readdirSync(store.#topicsDir)) {
      if (!transientNamePattern.test(name)) continue;
      logger.info(`Removing "${name}" left by an interrupted topic create or delete`);
      fs.rmSync(path.join(store.#topicsDir, name), { recursive: true, force: true });
    }
    return store;
  }

  /** Folder of one partition's log: `<data>/topics/<topic>/<partition>`. */
  partitionDir(topic: string, partition: number): string {
    checkTopicName(topic);
    checkPartitionCount(partition + 1);
    return path.join(this.#topicsDir, topic, String(partition));
  }

  /** True when the topic folder exists. */
  hasTopic(topic: string): boolean {
    checkTopicName(topic);
    return fs.existsSync(path.join(this.#topicsDir, topic, metaFileName));
  }

  /** Creates the topic folder with `partitions` partition folders and its meta.json, all or nothing. */
  async createTopic(topic: string, partitions: number, meta: unknown): Promise<void> {
    checkTopicName(topic);
    checkPartitionCount(partitions);
    const target = path.join(this.#topicsDir, topic);
    if (fs.existsSync(target)) throw new Error(`Cannot create topic "${topic}": it already exists`);
    const staging = path.join(this.#topicsDir, `${topic}-${randomHex()}.creating`);
    fs.mkdirSync(staging);
    for (let partition = 0; partition < partitions; partition++) fs.mkdirSync(path.join(staging, String(partition)));
    await writeFileAtomic(path.join(staging, metaFileName), metaJson(meta));
    await fs.promises.rename(staging, target);
    await syncDirectory(this.#topicsDir);
  }

  /** The topic's meta.json, parsed. */
  readMeta(topic: string): unknown {
    checkTopicName(topic);
    return JSON.parse(fs.readFileSync(path.join(this.#topicsDir, topic, metaFileName), "utf8"));
  }

  /** Replaces the topic's meta.json atomically. */
  async writeMeta(topic: string, meta: unknown): Promise<void> {
    checkTopicName(topic);
    const dir = path.join(this.#topicsDir, topic);
    if (!fs.existsSync(dir)) throw new Error(`Cannot write meta of topic "${topic}": it does not exist`);
    await writeFileAtomic(path.join(dir, metaFileName), metaJson(meta));
  }

  /** Adds partition folders up to `partitions` (CreatePartitions). */
  async addPartitions(topic: string, partitions: number): Promise<void> {
    checkTopicName(topic);
    checkPartitionCount(partitions);
    const dir = path.join(this.#topicsDir, topic);
    for (let partition = 0; partition < partitions; partition++) fs.mkdirSync(path.join(dir, String(partition)), { recursive: true });
    await syncDirectory(dir);
  }

  /**
   * Deletes the topic folder: renamed away first (one atomic step, made durable), then removed.
   * The caller closes the topic's logs before.
   */
  async deleteTopic(topic: string): Promise<void> {
    checkTopicName(topic);
    const dir = path.join(this.#topicsDir, topic);
    if (!fs.existsSync(dir)) throw new Error(`Cannot delete topic "${topic}": it does not exist`);
    const doomed = path.join(this.#topicsDir, `${topic}-${randomHex()}.deleted`);
    await fs.promises.rename(dir, doomed);
    await syncDirectory(this.#topicsDir);
    await fs.promises.rm(doomed, { recursive: true, force: true });
  }

  /** Every topic with its meta.json, sorted by name. */
  listTopics(): StoredTopic[] {
    return fs
      .readdirSync(this.#topicsDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !transientNamePattern.test(entry.name))
      .map((entry) => entry.name)
      .sort()
      .map((name) => ({ name, meta: this.readMeta(name) }));
  }
}

/** Rejects names that would escape or confuse the topics folder; the engine applies Kafka's full rules. */
export function checkTopicName(topic: string): void {
  const invalid =
    topic.length === 0 ||
    topic === "." ||
    topic === ".." ||
    /[/\\\0]/.test(topic) ||
    Buffer.byteLength(topic) > topicNameBytesMax ||
    transientNamePattern.test(topic);
  if (invalid) throw new Error(`Invalid topic name "${topic}": not usable as a folder name`);
}

function checkPartitionCount(partitions: number): void {
  if (!Number.isSafeInteger(partitions) || partitions < 1 || partitions > partitionsMax) {
    throw new Error(`Invalid partition count "${partitions}": expected 1 to ${partitionsMax}`);
  }
}

async function loadOrCreateCluster(dataDir: string): Promise<ClusterIdentity> {
  const file = path.join(dataDir, clusterFileName);
  if (fs.existsSync(file)) {
    const cluster = JSON.parse(fs.readFileSync(file, "utf8")) as ClusterIdentity;
    if (cluster.formatVersion !== dataFormatVersion) {
      throw new Error(`Cannot open data folder "${dataDir}": format version "${cluster.formatVersion}" is not ${dataFormatVersion}`);
    }
    return cluster;
  }
  const cluster = { clusterId: crypto.randomBytes(16).toString("base64url"), nodeId: 0, formatVersion: dataFormatVersion };
  await writeFileAtomic(file, metaJson(cluster));
  return cluster;
}

function metaJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function randomHex(): string {
  return crypto.randomBytes(16).toString("hex");
}
