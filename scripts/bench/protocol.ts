// Generated codec rates on the hot path: Produce request decode (v9, flexible) and Fetch
// response encode (v12), with 10 topics x 10 partitions of 16 KiB batches each.
// Run: npx bun scripts/bench/protocol.ts

import { decodeFetchResponse, encodeFetchResponse } from "../../src/protocol/messages/fetch.ts";
import { decodeProduceRequest, encodeProduceRequest } from "../../src/protocol/messages/produce.ts";
import { Reader } from "../../src/protocol/reader.ts";
import { Writer } from "../../src/protocol/writer.ts";

const topicCount = 10;
const partitionCount = 10;
const batchBytes = 16 * 1024;
const iterations = 20_000;

const batch = new Uint8Array(batchBytes).fill(7);
const topics = Array.from({ length: topicCount }, (_, t) => `topic-${t}`);

const produceWriter = new Writer(1 << 21);
encodeProduceRequest(produceWriter, 9, {
  acks: -1,
  timeoutMs: 30000,
  topicData: topics.map((name) => ({
    name,
    partitionData: Array.from({ length: partitionCount }, (_, index) => ({ index, records: batch })),
  })),
});
const produceBytes = produceWriter.finish().slice();

const fetchResponse = {
  responses: topics.map((topic) => ({
    topic,
    partitions: Array.from({ length: partitionCount }, (_, partitionIndex) => ({
      partitionIndex,
      errorCode: 0,
      highWatermark: 1_000_000,
      lastStableOffset: 1_000_000,
      logStartOffset: 0,
      abortedTransactions: null,
      records: batch,
    })),
  })),
};

function rate(label: string, run: () => void): void {
  for (let i = 0; i < 1000; i++) run();
  const started = performance.now();
  for (let i = 0; i < iterations; i++) run();
  const microseconds = ((performance.now() - started) * 1000) / iterations;
  const partitionsPerSecond = (topicCount * partitionCount * 1e6) / microseconds;
  console.log(`${label}: ${microseconds.toFixed(1)} us per message, ${(partitionsPerSecond / 1e6).toFixed(2)} M partitions/s`);
}

rate("Produce v9 request decode", () => decodeProduceRequest(new Reader(produceBytes), 9));
const fetchWriter = new Writer(1 << 21);
rate("Fetch v12 response encode", () => {
  fetchWriter.offset = 0;
  encodeFetchResponse(fetchWriter, 12, fetchResponse);
});
const fetchBytes = fetchWriter.finish().slice();
rate("Fetch v12 response decode", () => decodeFetchResponse(new Reader(fetchBytes), 12));
