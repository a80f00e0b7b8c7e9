// Test fixtures for the engine: a TopicRegistry over in-memory logs, handler contexts built
// over it, and helpers to build produce batches and read fetched ones back.

import { defaultBrokerConfig, type BrokerConfig } from "../../src/engine/broker-config.ts";
import { routes } from "../../src/engine/api-table.ts";
import type { HandlerContext } from "../../src/engine/handler-context.ts";
import { type TopicBackend, type TopicMeta, TopicRegistry } from "../../src/engine/topic-registry.ts";
import { type Logger, silentLogger } from "../../src/logger.ts";
import { buildRecordBatch, decodeRecordBatches } from "../../src/records/record-batch.ts";
import { MemoryLog } from "../../src/storage/memory-log.ts";

export const testClusterId = "test-cluster-id-0000";

/** A TopicBackend keeping metas and MemoryLogs in maps; `beforeCreate` lets a test hold a creation open. */
export class MemoryBackend implements TopicBackend {
  readonly metas = new Map<string, TopicMeta>();
  readonly logs = new Map<string, MemoryLog>();
  createCount = 0;
  beforeCreate: (meta: TopicMeta) => Promise<void> = async () => {};

  async listTopicMetas(): Promise<unknown[]> {
    return [...this.metas.values()];
  }

  async createTopic(meta: TopicMeta): Promise<void> {
    this.createCount++;
    await this.beforeCreate(meta);
    if (this.metas.has(meta.name)) throw new Error(`Topic "${meta.name}" is already stored`);
    this.metas.set(meta.name, meta);
  }

  async deleteTopic(name: string): Promise<void> {
    if (!this.metas.delete(name)) throw new Error(`Topic "${name}" is not stored`);
    for (const key of [...this.logs.keys()]) if (key.startsWith(`${name}/`)) this.logs.delete(key);
  }

  async writeTopicMeta(meta: TopicMeta): Promise<void> {
    if (!this.metas.has(meta.name)) throw new Error(`Topic "${meta.name}" is not stored`);
    this.metas.set(meta.name, structuredClone(meta));
  }

  async addPartitions(name: string): Promise<void> {
    if (!this.metas.has(name)) throw new Error(`Topic "${name}" is not stored`);
  }

  async openPartitionLog(topic: string, partition: number): Promise<MemoryLog> {
    const key = `${topic}/${partition}`;
    const log = this.logs.get(key) ?? new MemoryLog();
    this.logs.set(key, log);
    return log;
  }
}

export interface EngineFixture {
  config: BrokerConfig;
  backend: MemoryBackend;
  topics: TopicRegistry;
  /** How many times handlers called releaseConnection on contexts made by `ctx`. */
  releaseCount: number;
  /** A handler context for `apiVersion`; `overrides` replace any field. */
  ctx(apiVersion: number, overrides?: Partial<HandlerContext>): HandlerContext;
}

export async function engineFixture(options: { config?: Partial<BrokerConfig>; logger?: Logger } = {}): Promise<EngineFixture> {
  const config: BrokerConfig = { ...defaultBrokerConfig, host: "127.0.0.1", port: 0, ...options.config };
  const logger = options.logger ?? silentLogger;
  const backend = new MemoryBackend();
  const topics = await TopicRegistry.open(backend, logger);
  const fixture: EngineFixture = {
    config,
    backend,
    topics,
    releaseCount: 0,
    ctx: (apiVersion, overrides = {}) => ({
      apiVersion,
      clientId: "engine-test",
      config,
      clusterId: testClusterId,
      topics,
      logger,
      advertisedApis: routes,
      releaseConnection: () => fixture.releaseCount++,
      signal: new AbortController().signal,
      ...overrides,
    }),
  };
  return fixture;
}

/** A logger that keeps every message with its level, for asserting what was logged. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const logger: Logger & { lines: string[] } = {
    lines,
    debug: (message) => lines.push(`debug ${message}`),
    info: (message) => lines.push(`info ${message}`),
    warn: (message) => lines.push(`warn ${message}`),
    error: (message) => lines.push(`error ${message}`),
    child: () => logger,
  };
  return logger;
}

/** One batch with one record per value; timestamps default to 1000, 1001, ... */
export function batchOf(values: string[], options: { timestamps?: number[] } = {}): Uint8Array {
  return buildRecordBatch({ records: values.map((value, n) => ({ value, timestamp: options.timestamps?.[n] ?? 1000 + n })) });
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return joined;
}

const textDecoder = new TextDecoder();

/** Every record in fetched bytes as [offset, value], checking CRCs. */
export function recordsOf(bytes: Uint8Array | null | undefined): Array<[number, string]> {
  return decodeRecordBatches(bytes ?? new Uint8Array()).flatMap((batch) =>
    batch.records.map((record): [number, string] => [record.offset, textDecoder.decode(record.value ?? new Uint8Array())]),
  );
}

/** Base offsets of the batches in fetched bytes. */
export function baseOffsetsOf(bytes: Uint8Array | null | undefined): number[] {
  return decodeRecordBatches(bytes ?? new Uint8Array()).map((batch) => batch.header.baseOffset);
}
