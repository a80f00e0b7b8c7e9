// Where `chronik consume` writes records: rendered with a format (or as JSON lines) into one
// buffer, flushed to stdout once per fetch with stdout's backpressure respected, counted
// against -n, with the next offset per partition noted for group commits.

import type { Consumer, RecordChunk } from "../client/index.ts";
import type { FormatPart } from "./record-format.ts";
import { formatNeedsBatch } from "./record-format.ts";
import { recordToJson } from "./record-json.ts";
import { OutputBuffer, renderRecord } from "./record-render.ts";

/** Flush the output buffer to stdout once it holds this much, even within one fetch. */
const outputFlushBytes = 1024 * 1024;

export type OutputFormat = { kind: "json" } | { kind: "format"; parts: FormatPart[] };

export interface ConsumeLimits {
  countMax: number;
  jsonValue: boolean;
}

/**
 * Where consumed records go: rendered into one buffer, flushed to stdout per fetch, counted
 * against -n, with the next offset per partition noted (group mode commits those).
 */
export class RecordSink {
  // Bun's FileSink writes to fd 1 itself: flush() settles once the bytes are out, and exiting
  // after end() cannot drop a tail still queued for a slow reader (process.stdout on a pipe can).
  readonly #stdout = Bun.stdout.writer({ highWaterMark: outputFlushBytes });
  readonly #output = new OutputBuffer();
  readonly #format: OutputFormat;
  readonly #limits: ConsumeLimits;
  count = 0;
  /** Topic → partition → the offset after the last record written. */
  readonly positions = new Map<string, Map<number, number>>();

  constructor(format: OutputFormat, limits: ConsumeLimits) {
    this.#format = format;
    this.#limits = limits;
  }

  get full(): boolean {
    return this.count >= this.#limits.countMax;
  }

  /** Reads `consumer` until it finishes, the count is reached, or `control.stopped` turns true. */
  async drain(consumer: Consumer, control: { stopped: boolean } = { stopped: false }): Promise<void> {
    while (!this.full && !control.stopped) {
      const chunks = await consumer.poll();
      if (chunks === null) break;
      for (const chunk of chunks) {
        this.#render(chunk);
        if (this.#output.length >= outputFlushBytes) await this.flush();
      }
      await this.flush();
    }
  }

  async flush(): Promise<void> {
    if (this.#output.length === 0) return;
    this.#stdout.write(this.#output.take());
    await this.#stdout.flush();
  }

  async end(): Promise<void> {
    await this.flush();
    await this.#stdout.end();
  }

  #render(chunk: RecordChunk): void {
    const room = this.#limits.countMax - this.count;
    const records = chunk.records.length <= room ? chunk.records : chunk.records.slice(0, room);
    if (records.length === 0) return;
    renderChunk({ ...chunk, records }, this.#format, this.#limits, this.#output);
    this.count += records.length;
    let partitions = this.positions.get(chunk.topic);
    if (partitions === undefined) {
      partitions = new Map();
      this.positions.set(chunk.topic, partitions);
    }
    partitions.set(chunk.partition, (records.at(-1)?.offset ?? 0) + 1);
  }
}

function renderChunk(chunk: RecordChunk, format: OutputFormat, limits: ConsumeLimits, output: OutputBuffer): void {
  if (format.kind === "json") {
    for (const record of chunk.records) output.text(recordToJson(chunk.topic, chunk.partition, record, { jsonValue: limits.jsonValue }));
    return;
  }
  const needsBatch = formatNeedsBatch(format.parts);
  const source = { topic: chunk.topic, partition: chunk.partition, batch: null as RecordChunk["batches"][number] | null };
  let batchIndex = 0;
  for (const record of chunk.records) {
    if (needsBatch) {
      while (batchIndex < chunk.batches.length - 1 && chunk.batches[batchIndex].lastOffset < record.offset) batchIndex++;
      source.batch = chunk.batches[batchIndex] ?? null;
    }
    renderRecord(output, format.parts, source, record);
  }
}
